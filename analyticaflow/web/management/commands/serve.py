from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from analyticaflow import server


class Command(BaseCommand):
    help = "Run the production HTTP server (granian): API, UI, capture endpoints and background jobs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
        parser.add_argument("--workers", type=int, default=None,
                            help="worker processes; embedded mode always uses 1 (default: 1 embedded, 2 at scale)")
        parser.add_argument("--threads", type=int, default=8, help="threads per worker (default 8)")
        parser.add_argument("--access-log", action="store_true", help="log every request to stdout")
        parser.add_argument("--no-migrate", action="store_true",
                            help="do not apply pending migrations first (embedded default applies them)")

    def handle(self, *args, **options) -> None:
        workers = options["workers"]
        if settings.EMBEDDED:
            if workers not in (None, 1):
                self.stderr.write("embedded mode runs a single worker process (one DuckDB writer); using 1")
            workers = 1
            if not options["no_migrate"]:
                call_command("migrate", interactive=False, verbosity=0)
        elif workers is None:
            workers = 2
        host, port = options["host"], options["port"]
        self.stdout.write(f"AnalyticaFlow serving on http://{host}:{port}/ (data: {settings.DATA_DIR})")
        self.stdout.flush()
        server.run(host=host, port=port, workers=workers, threads=options["threads"],
                   access_log=options["access_log"])
