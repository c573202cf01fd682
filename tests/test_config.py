"""Settings helpers read from the environment and the data dir."""

from __future__ import annotations

import stat
import subprocess
import sys
import textwrap

from analyticaflow.config import read_or_create_secret


def test_processes_creating_the_secret_at_once_all_get_the_one_stored_value(tmp_path):
    path = tmp_path / "secret_key"
    script = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from analyticaflow.config import read_or_create_secret
        time.sleep(max(0.0, {__import__("time").time() + 1.0} - time.time()))  # start together
        print(read_or_create_secret(Path({str(path)!r})))
    """)
    processes = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(8)]
    results = [process.communicate(timeout=60) for process in processes]
    assert all(process.returncode == 0 for process in processes), [error for _, error in results]
    values = {output.strip() for output, _ in results}
    assert values == {path.read_text().strip()} and len(path.read_text().strip()) >= 48
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [entry.name for entry in tmp_path.iterdir()] == ["secret_key"]  # no temporary file left behind


def test_an_existing_secret_is_kept(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("kept-value\n")
    assert read_or_create_secret(path) == "kept-value"
