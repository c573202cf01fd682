from __future__ import annotations

import signal
import threading

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from analyticaflow.outbox import selectors, services
from analyticaflow.outbox.conf import load_config
from analyticaflow.outbox.relay import Relay, RelayStats


class Command(BaseCommand):
    help = ("Ship queued analytics messages to the AnalyticaFlow capture API (settings.ANALYTICAFLOW_OUTBOX). "
            "Runs until stopped (SIGTERM/SIGINT), or with --once drains the queue and exits.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true",
                            help="ship everything pending, then exit (status 1 if the server stayed unavailable)")
        parser.add_argument("--max-wait", type=float, default=60.0,
                            help="with --once: seconds to keep retrying while the server is unavailable (default 60)")
        parser.add_argument("--interval", type=float, default=None,
                            help="seconds between polls when idle (default: POLL_INTERVAL of the settings)")
        parser.add_argument("--status", action="store_true", help="print the queue's counts and exit")
        parser.add_argument("--requeue-failed", action="store_true",
                            help="queue the messages the server rejected again (after fixing the cause) and exit")

    def handle(self, *args, **options) -> None:
        if options["status"]:
            self._print_status()
            return
        if options["requeue_failed"]:
            self.stdout.write(f"{services.outbox_requeue_failed()} failed message(s) queued again")
            return
        overrides = {} if options["interval"] is None else {"poll_interval": options["interval"]}
        try:
            config = load_config(**overrides)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        relay = Relay(config)
        try:
            if options["once"]:
                self._once(relay, max_wait=options["max_wait"])
            else:
                self._forever(relay)
        finally:
            relay.close()

    def _once(self, relay: Relay, *, max_wait: float) -> None:
        stats = relay.drain(max_wait=max_wait)
        relay.purge_if_due()
        pending = selectors.outbox_counts().pending
        self.stdout.write(self._summary(stats, pending=pending))
        if relay.failures:
            # Rows another relay holds, or that wait for a retry another relay scheduled, are not this run's
            # failure; the server being unavailable at this relay's last try is.
            raise CommandError(f"{pending} message(s) still pending: the server was unavailable at the last try "
                               f"after waiting {max_wait:g} s", returncode=1)

    def _forever(self, relay: Relay) -> None:
        stop = threading.Event()

        def request_stop(signum: int, frame: object) -> None:
            stop.set()

        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, request_stop)
        self.stdout.write(f"outbox relay shipping to {relay.config.batch_url} (Ctrl-C to stop)")
        relay.serve(stop=stop, wait=stop.wait)
        self.stdout.write("outbox relay stopped")

    def _print_status(self) -> None:
        counts = selectors.outbox_counts()
        age = ""
        if counts.oldest_pending_at is not None:
            age = f", oldest pending queued {(timezone.now() - counts.oldest_pending_at).total_seconds():.0f} s ago"
        self.stdout.write(f"pending {counts.pending}, sent {counts.sent}, failed {counts.failed}{age}")

    @staticmethod
    def _summary(stats: RelayStats, *, pending: int) -> str:
        return (f"sent {stats.sent}, rejected {stats.rejected}, retries scheduled {stats.retried}, "
                f"requests {stats.requests}, still pending {pending}")
