"""``analyticaflow worker``: run the projections in the foreground (scale mode, or embedded without a server)."""

from __future__ import annotations

import signal

from django.conf import settings
from django.core.management.base import BaseCommand

from analyticaflow.projections.runtime import ProjectorService


class Command(BaseCommand):
    help = "Follow the event log and keep the warehouse projections current until stopped (SIGTERM/Ctrl-C)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=settings.ANALYTICAFLOW_PROJECTOR_CHUNK_SIZE,
            help="events applied per chunk (one transaction on DuckDB)",
        )
        parser.add_argument(
            "--once", action="store_true", help="catch up with the log (and finish a requested replay), then exit"
        )

    def handle(self, *args, chunk_size: int, once: bool, **options) -> None:
        service = ProjectorService(data_dir=settings.DATA_DIR, chunk_size=chunk_size)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: service.stop(timeout=0))
        self.stdout.write(f"projector worker started (chunk size {chunk_size})")
        service.run(until_idle=once)
        self.stdout.write(f"projector worker stopped at seq {service.checkpoint_seq}")
