"""``analyticaflow sync``: list integrations, or sync them now (queued for the runner, or run in this process)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from analyticaflow.errors import AppError
from analyticaflow.integrations.models import Integration
from analyticaflow.integrations.services import integration_sync_request
from analyticaflow.jobs.embedded import jobs_run_until_idle
from analyticaflow.jobs.models import ACTIVE_STATUSES, Job


class Command(BaseCommand):
    help = ("Sync linked accounts now: re-pull each one's restatement window (or continue its backfill). The syncs "
            "are queued for the job runner (the server, or 'analyticaflow jobs worker'); --run-here runs them in "
            "this process instead (when no server holds the embedded warehouse).")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--project", type=int, help="every linked integration of this project")
        parser.add_argument("--integration", type=int, action="append", default=[],
                            help="this integration (repeatable)")
        parser.add_argument("--list", action="store_true", dest="list_only",
                            help="list the integrations and their state, sync nothing")
        parser.add_argument("--run-here", action="store_true", help="run the syncs in this process")
        parser.add_argument("--wait", action="store_true", help="wait until the queued syncs have finished")

    def handle(self, *args, project: int | None, integration: list[int], list_only: bool, run_here: bool,
               wait: bool, **options) -> None:
        chosen = Integration.objects.exclude(account_id="").order_by("project_id", "id")
        if project is not None:
            chosen = chosen.filter(project_id=project)
        if integration:
            chosen = chosen.filter(id__in=integration)
            missing = set(integration) - set(chosen.values_list("id", flat=True))
            if missing:
                raise CommandError(f"No linked integration {', '.join(map(str, sorted(missing)))}.")
        if list_only:
            for item in chosen:
                self.stdout.write(self._line(item))
            return
        if project is None and not integration:
            raise CommandError("Name what to sync: --project ID and/or --integration ID (or --list).")
        jobs = []
        for item in chosen:
            try:
                jobs.append(integration_sync_request(integration=item).id)
            except AppError as exc:
                self.stderr.write(f"{item.id} {item}: {exc.message}")
        self.stdout.write(f"queued {len(jobs)} sync(s)")
        if run_here:
            jobs_run_until_idle()
        elif wait:
            while Job.objects.filter(id__in=jobs, status__in=ACTIVE_STATUSES).exists():
                time.sleep(1)
        if run_here or wait:
            for item in chosen:
                item.refresh_from_db()
                self.stdout.write(self._line(item))

    @staticmethod
    def _line(item: Integration) -> str:
        synced = item.last_synced_at.isoformat(timespec="seconds") if item.last_synced_at else "never"
        error = f" — {item.error_message}" if item.error_message else ""
        return (f"{item.id:>5} project {item.project_id} {item.platform:<12} {item.account_id:<20} {item.status:<16} "
                f"history {item.backfill_percent:>3}% last sync {synced}{error}")
