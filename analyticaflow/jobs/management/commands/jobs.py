"""``analyticaflow jobs worker|beat|run|status``: the job runners outside the web server.

- ``worker``: a Celery worker (scale mode) consuming the jobs queue on Redis.
- ``beat``: Celery beat, sending the scheduler tick (daily syncs, retries, crash recovery) every
  ``ANALYTICAFLOW_JOBS_TICK_SECONDS``. Run exactly one.
- ``run``: the embedded runner in the foreground (worker threads + scheduler), for embedded setups that do
  not run ``serve``; ``--until-idle`` runs what is due in this process and exits.
- ``status``: jobs per status.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from analyticaflow.jobs.broker import QUEUE, configure
from analyticaflow.jobs.embedded import EmbeddedRunner, jobs_run_until_idle
from analyticaflow.jobs.scheduling import jobs_tick
from analyticaflow.jobs.selectors import jobs_summary


class Command(BaseCommand):
    help = "Run background jobs: a Celery worker or beat (scale mode), the embedded runner, or show their status."

    def add_arguments(self, parser) -> None:
        commands = parser.add_subparsers(dest="action", required=True, metavar="{worker,beat,run,status}")
        worker = commands.add_parser("worker", help="Celery worker for the jobs queue (scale mode)")
        worker.add_argument(
            "--concurrency",
            type=int,
            default=settings.ANALYTICAFLOW_JOB_THREADS,
            help="jobs run at once (default: ANALYTICAFLOW_JOB_THREADS)",
        )
        worker.add_argument(
            "--pool",
            default="threads",
            choices=("threads", "prefork", "solo"),
            help="Celery execution pool (default: threads; syncs wait on the network)",
        )
        worker.add_argument("--loglevel", default="INFO")
        beat = commands.add_parser("beat", help="Celery beat: the scheduler tick (run one per deployment)")
        beat.add_argument("--loglevel", default="INFO")
        run = commands.add_parser("run", help="the embedded runner in the foreground")
        run.add_argument("--until-idle", action="store_true", help="run what is due now in this process, then exit")
        run.add_argument("--threads", type=int, default=settings.ANALYTICAFLOW_JOB_THREADS)
        commands.add_parser("status", help="number of jobs per status")

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, f"_{action}")(**options)

    def _worker(self, *, concurrency: int, pool: str, loglevel: str, **_) -> None:
        if not settings.ANALYTICAFLOW_CELERY_BROKER_URL:
            raise CommandError("Set ANALYTICAFLOW_REDIS_URL (or ANALYTICAFLOW_CELERY_BROKER_URL) for the worker.")
        app = configure()
        app.worker_main(
            [
                "worker",
                f"--loglevel={loglevel}",
                f"--concurrency={concurrency}",
                f"--pool={pool}",
                f"--queues={QUEUE}",
                "--without-gossip",
                "--without-mingle",
            ]
        )

    def _beat(self, *, loglevel: str, **_) -> None:
        if not settings.ANALYTICAFLOW_CELERY_BROKER_URL:
            raise CommandError("Set ANALYTICAFLOW_REDIS_URL (or ANALYTICAFLOW_CELERY_BROKER_URL) for Celery beat.")
        app = configure()
        schedule = Path(settings.DATA_DIR) / "celerybeat-schedule"
        app.start(["beat", f"--loglevel={loglevel}", f"--schedule={schedule}"])

    def _run(self, *, until_idle: bool, threads: int, **_) -> None:
        if until_idle:
            jobs_tick()
            outcomes = jobs_run_until_idle()
            self.stdout.write(
                f"ran {len(outcomes)} job(s): "
                + ", ".join(f"{outcomes.count(kind)} {kind}" for kind in ("done", "retry", "failed"))
            )
            return
        runner = EmbeddedRunner(threads=threads, tick_seconds=settings.ANALYTICAFLOW_JOBS_TICK_SECONDS)
        stopped = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopped.set())
        runner.start()
        self.stdout.write(f"job runner started ({threads} thread(s)); Ctrl-C stops it")
        while not stopped.wait(1.0):
            pass
        runner.stop()
        self.stdout.write("job runner stopped")

    def _status(self, **_) -> None:
        summary = jobs_summary()
        for status in ("queued", "running", "done", "failed"):
            self.stdout.write(f"{status:<8} {summary.get(status, 0)}")
