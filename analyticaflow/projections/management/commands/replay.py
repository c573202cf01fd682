"""``analyticaflow replay``: rebuild the projections from the event store with no downtime; ``--status``.

When a server (or worker) on this data dir holds the embedded warehouse, the work is handed to its projector
through a request file in the data dir and this command follows the progress; otherwise it runs here.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from analyticaflow.projections import control
from analyticaflow.projections.archive import WarehouseArchive
from analyticaflow.projections.generations import ensure_schema
from analyticaflow.projections.replay import ReplayJob, replay_status
from analyticaflow.warehouse.backends import WarehouseBusy, get_warehouse

POLL_SECONDS = 0.5


def format_status(status: dict) -> str:
    lines = [
        f"served generation {status['served_generation']}, log head seq {status['head_seq']}",
        f"{'projection':<14}{'served':>8}{'code':>6}{'checkpoint':>12}{'head':>10}{'lag':>8}  state",
    ]
    for row in status["projections"]:
        state = "STALE (replay needed)" if row["stale"] else ("behind" if row["lag"] else "current")
        lines.append(
            f"{row['projection']:<14}{row['served_version'] or '-':>8}{row['code_version']:>6}"
            f"{row['checkpoint_seq']:>12}{row['head_seq']:>10}{row['lag']:>8}  {state}"
        )
    building = status.get("building")
    if building:
        scope = f"project {building['project_id']}" if building["project_id"] else "all projects"
        lines.append(
            f"replay under way: generation {building['generation']} ({scope}) at seq "
            f"{max(building['checkpoint_seq'], building.get('loaded_seq') or 0)}"
        )
    return "\n".join(lines)


def describe(progress: dict) -> str:
    head = progress.get("head_seq") or 0
    done = progress.get("checkpoint_seq") or 0
    percent = f" {100 * done / head:5.1f}%" if head else ""
    return f"replay {progress.get('phase')}: generation {progress.get('generation')} at seq {done} of {head}{percent}"


class Command(BaseCommand):
    help = "Rebuild every projection from the event store into new tables, catch up, and swap them in."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--project", type=int, dest="project_id", help="rebuild only this project's rows")
        parser.add_argument("--status", action="store_true", help="show served vs code versions and lag, then exit")
        parser.add_argument("--chunk-size", type=int, default=100_000, help="events per chunk or batch (run here)")
        parser.add_argument("--no-wait", action="store_true", help="hand the replay to the server and return")

    def handle(self, *args, project_id, status, chunk_size, no_wait, **options) -> None:
        if project_id is not None and project_id <= 0:
            raise CommandError("--project must be a positive project id")
        running = control.live_projector(settings.DATA_DIR) if self._embedded() else None
        if status:
            self._status(running)
        elif running is not None:
            self._hand_over(project_id, wait=not no_wait)
        else:
            self._run_here(project_id, chunk_size)

    @staticmethod
    def _embedded() -> bool:
        return settings.ANALYTICAFLOW_WAREHOUSE_URL.split(":", 1)[0] in {"duckdb", "chdb"}

    def _open(self):
        try:
            warehouse = get_warehouse()
        except WarehouseBusy as exc:
            raise CommandError(
                f"{exc}. No projector heartbeat was found in {settings.DATA_DIR}; stop the other process or run "
                "this command with the same ANALYTICAFLOW_DATA_DIR as the server."
            ) from exc
        if settings.ANALYTICAFLOW_EVENT_LOG_URL.split(":", 1)[0] in {"redis", "rediss"}:
            # Redis Streams are transport: the permanent store to replay from is the warehouse archive.
            return warehouse, WarehouseArchive(warehouse)
        from analyticaflow.eventlog.backends import get_event_log

        return warehouse, get_event_log()

    def _status(self, running: dict | None) -> None:
        if running is not None:
            if "status" not in running:
                raise CommandError(f"the running projector cannot read the warehouse: {running.get('status_error')}")
            self.stdout.write(
                format_status(running["status"]) + f"\n(from the running projector, pid {running['pid']})"
            )
            return
        warehouse, log = self._open()
        ensure_schema(warehouse)
        self.stdout.write(format_status(replay_status(warehouse=warehouse, log=log)))

    def _hand_over(self, project_id: int | None, *, wait: bool) -> None:
        request_id = control.request_replay(settings.DATA_DIR, project_id=project_id)
        self.stdout.write(f"replay {request_id} handed to the running projector")
        if not wait:
            return
        last = None
        while True:
            progress = control.read_json(control.status_path(settings.DATA_DIR)) or {}
            if progress.get("request_id") == request_id:
                line = describe(progress)
                if line != last:
                    self.stdout.write(line)
                    last = line
                if progress.get("phase") == "done":
                    return
                if progress.get("phase") == "failed":
                    raise CommandError(f"replay failed: {progress.get('error')}")
            if control.live_projector(settings.DATA_DIR) is None:
                raise CommandError(
                    "the projector stopped; the replay resumes when the server starts again "
                    "(or run 'analyticaflow replay' while no server runs)"
                )
            time.sleep(POLL_SECONDS)

    def _run_here(self, project_id: int | None, chunk_size: int) -> None:
        warehouse, log = self._open()
        job = ReplayJob(
            warehouse=warehouse,
            log=log,
            request_id="cli",
            project_id=project_id,
            chunk_size=chunk_size,
            bulk_batch=chunk_size,
        )
        last = [0.0]

        def report(progress) -> None:
            now = time.monotonic()
            if now - last[0] >= 1 or progress.phase == "done":
                last[0] = now
                self.stdout.write(describe(progress.as_dict()))

        job.run(on_progress=report)
        self.stdout.write(self.style.SUCCESS(f"generation {job.progress.generation} is served"))
