"""The job runners as commands: ``analyticaflow jobs run|status|worker`` in their own processes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time

from tests.serving import CLI, product_env, run_cli

ENQUEUE = ("from django.core.management import call_command; call_command('migrate', verbosity=0); "
           "from analyticaflow.jobs.services import job_enqueue; "
           "job_enqueue(name='integrations.sync', kwargs={'integration_id': 999, 'kind': 'daily'})")


def status(data, **env) -> dict[str, int]:
    result = run_cli(data, "jobs", "status", **env)
    assert result.returncode == 0, result.stderr
    return {line.split()[0]: int(line.split()[1]) for line in result.stdout.splitlines()}


def stored_statuses(data) -> list[str]:
    """Read straight from the metadata database (cheaper than a command per poll)."""
    with sqlite3.connect(data / "metadata.sqlite3") as database:
        return [row[0] for row in database.execute("SELECT status FROM jobs_job ORDER BY id")]


def test_jobs_run_until_idle_and_status(tmp_path):
    data = tmp_path / "data"
    assert run_cli(data, "shell", "-c", ENQUEUE).returncode == 0
    assert stored_statuses(data) == ["queued"]
    result = run_cli(data, "jobs", "run", "--until-idle")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ran 1 job(s): 1 done, 0 retry, 0 failed"
    assert status(data) == {"queued": 0, "running": 0, "done": 1, "failed": 0}


def test_a_celery_worker_process_runs_what_the_app_enqueues(tmp_path, redis_url):
    data = tmp_path / "data"
    env = {"ANALYTICAFLOW_REDIS_URL": redis_url}
    data.mkdir()
    worker = subprocess.Popen([*CLI, "jobs", "worker", "--concurrency", "1"], env=product_env(data, **env),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        # Migrates the fresh data dir, then stores the job; it is sent to Redis once the transaction commits.
        assert run_cli(data, "shell", "-c", ENQUEUE, **env).returncode == 0
        deadline = time.monotonic() + 90
        while stored_statuses(data) != ["done"]:
            assert worker.poll() is None, worker.stdout.read()
            assert time.monotonic() < deadline, "the worker did not run the job"
            time.sleep(0.5)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        output = worker.communicate(timeout=30)[0]
    assert "Traceback" not in output


def test_help_lists_the_job_sync_and_key_commands_and_each_has_its_own_help(tmp_path):
    data = tmp_path / "data"
    listing = run_cli(data, "--help")
    assert listing.returncode == 0, listing.stderr
    lines = {line.split()[0]: line for line in listing.stdout.splitlines() if line.startswith("  ")}
    assert "worker|beat|run|status" in lines["jobs"]
    assert "sync them now" in lines["sync"]
    assert "new credentials key" in lines["rotate-key"]
    for command, option in (("jobs", "{worker,beat,run,status}"), ("sync", "--run-here"),
                            ("rotate-key", "--reencrypt-only")):
        result = run_cli(data, command, "--help")
        assert result.returncode == 0 and "usage:" in result.stdout and option in result.stdout, command
