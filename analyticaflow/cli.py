"""The ``analyticaflow`` command.

Product commands (``serve``, ``demo``, ``createuser``, and those later capabilities add) are Django
management commands, so ``analyticaflow <command> --help`` works for each and every Django command
(``migrate``, ``shell``, ``dbshell``...) passes straight through.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

PRODUCT_COMMANDS = {
    "serve": "Run the production HTTP server (API, UI, capture, background jobs).",
    "demo": "Start from a fresh data dir with a demo user and shop, then serve on 127.0.0.1:8000.",
    "createuser": "Create a user non-interactively: --email E --password P [--admin].",
    "import": "Backfill data from files: 'import events FILE.jsonl --project ID' (and more kinds).",
    "replay": "Rebuild every projection from the event store with no downtime; --status shows what is stale.",
    "worker": "Run background work outside the web process (scale mode).",
    "outbox_relay": "(shop side) Ship the outbox's pending events to the capture API.",
    "jobs": "Run background jobs outside the server: 'jobs worker|beat|run|status'.",
    "sync": "List linked ad and social accounts, or sync them now (--run-here runs in this process).",
    "rotate-key": "Re-encrypt every stored platform credential under a new credentials key.",
}

DEMO_MARKER = ".analyticaflow-demo"


def print_help() -> None:
    lines = [
        "usage: analyticaflow <command> [options]",
        "",
        "AnalyticaFlow: end-to-end marketing analytics for e-commerce.",
        "",
        "Commands:",
        *[f"  {name:<12} {text}" for name, text in PRODUCT_COMMANDS.items()],
        "",
        "Every Django management command works too (migrate, shell, dbshell, check, ...).",
        "Run 'analyticaflow <command> --help' for a command's options,",
        "or 'analyticaflow help --all' for the full list of commands.",
        "",
        "Configuration comes from the environment; see README.md (ANALYTICAFLOW_DATA_DIR, DATABASE_URL, ...).",
    ]
    print("\n".join(lines))


def prepare_demo_data_dir(argv: list[str]) -> None:
    """Give the demo a fresh data dir before Django reads its settings.

    Only a directory the demo created itself (it holds a marker file) is ever wiped.
    """
    data_dir = Path(".analyticaflow-demo")
    for index, arg in enumerate(argv):
        if arg == "--data-dir" and index + 1 < len(argv):
            data_dir = Path(argv[index + 1])
        elif arg.startswith("--data-dir="):
            data_dir = Path(arg.split("=", 1)[1])
    data_dir = data_dir.expanduser().resolve()
    if data_dir.exists() and any(data_dir.iterdir()):
        if not (data_dir / DEMO_MARKER).exists():
            raise SystemExit(f"error: {data_dir} is not empty and was not created by the demo; "
                             "choose another --data-dir.")
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / DEMO_MARKER).write_text("created by 'analyticaflow demo'; wiped on the next demo run\n")
    os.environ["ANALYTICAFLOW_DATA_DIR"] = str(data_dir)
    # The demo serves plain HTTP on loopback, so its cookies cannot require HTTPS.
    os.environ.setdefault("ANALYTICAFLOW_SECURE_COOKIES", "0")
    os.environ.pop("DATABASE_URL", None)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help"} or argv == ["help"]:
        print_help()
        return
    if argv == ["help", "--all"]:
        argv = ["help"]
    if argv[0] == "demo" and not any(a in {"-h", "--help"} for a in argv):
        prepare_demo_data_dir(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "analyticaflow.settings")

    from django.core.management import execute_from_command_line

    execute_from_command_line(["analyticaflow", *argv])


if __name__ == "__main__":
    main()
