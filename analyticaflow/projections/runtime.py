"""The projector as a long-running service: a thread in the server (embedded) or the ``worker`` command.

It follows the log with low latency (the SQLite log's ``wait_for_new`` wakes it on an append; other logs
are polled) without spending itself on tiny chunks: once a chunk has reached the log's head it waits
``GATHER_SECONDS`` for more events before the next one, so sustained capture is projected a few chunks a
second instead of one chunk per request (each chunk is a warehouse transaction). It applies chunks to the
served generation, runs a replay requested through the data dir between live chunks, and writes its heartbeat.
Errors (a warehouse held by another process, a log that is down) are logged and retried with backoff: the
server never fails because of its projector.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from pathlib import Path

from analyticaflow.eventlog.contracts import EventLog
from analyticaflow.projections import control
from analyticaflow.projections.generations import ensure_schema
from analyticaflow.projections.replay import ReplayJob, replay_status
from analyticaflow.projections.services import projections_catch_up
from analyticaflow.warehouse.backends import Warehouse, WarehouseBusy

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 1.0
IDLE_WAIT_SECONDS = 0.5
# After a chunk that reached the log's head, let appends gather this long before the next one.
GATHER_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 30.0


class ProjectorService:
    def __init__(
        self,
        *,
        data_dir: Path,
        chunk_size: int,
        warehouse: Warehouse | None = None,
        log: EventLog | None = None,
        replay_chunk_size: int | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.chunk_size = chunk_size
        self.replay_chunk_size = replay_chunk_size or max(chunk_size, 100_000)
        self._warehouse = warehouse
        self._log = log
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._job: ReplayJob | None = None
        self._last_beat = 0.0
        self._caught_up = False  # the last live chunk reached the log's head
        self.checkpoint_seq = 0
        self.live_chunks = 0  # observable: live chunks applied

    # -- resources (opened lazily, so a busy warehouse is retried, not fatal) ----------------------------------
    @property
    def warehouse(self) -> Warehouse:
        if self._warehouse is None:
            from analyticaflow.warehouse.backends import get_warehouse

            self._warehouse = get_warehouse()
        return self._warehouse

    @property
    def log(self) -> EventLog:
        if self._log is None:
            from analyticaflow.eventlog.backends import get_event_log

            self._log = get_event_log()
        return self._log

    # -- lifecycle ------------------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="analyticaflow-projector", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def run(self, *, until_idle: bool = False) -> None:
        """Project until stopped (or, with ``until_idle``, until the log is caught up and no replay runs)."""
        backoff = 0.5
        ready = False
        while not self._stopping.is_set():
            try:
                if not ready:
                    self.checkpoint_seq = ensure_schema(self.warehouse).checkpoint_seq
                    ready = True
                busy = self.tick()
                backoff = 0.5
            except WarehouseBusy as exc:
                logger.warning("projector waiting for the warehouse: %s", exc)
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                continue
            except Exception:
                logger.exception("projector step failed; retrying in %.1fs", backoff)
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                continue
            if not busy:
                if until_idle:
                    break
                self._idle_wait()
            elif self._caught_up and not until_idle:
                self._stopping.wait(GATHER_SECONDS)
        self._heartbeat(force=True, stopped=True)

    # -- one step -------------------------------------------------------------------------------------------
    def tick(self) -> bool:
        """Take a replay request, apply one live chunk, advance a replay by one step. Whether work was done."""
        self._take_request()
        before = self.checkpoint_seq
        served = projections_catch_up(warehouse=self.warehouse, log=self.log, chunk_size=self.chunk_size, max_chunks=1)
        self.checkpoint_seq = served.checkpoint_seq
        busy = self.checkpoint_seq != before
        if busy:
            self.live_chunks += 1
        self._caught_up = busy and self.checkpoint_seq - before < self.chunk_size and self._job is None
        if self._job is not None:
            self._step_replay()
            busy = True
        self._heartbeat()
        return busy

    def _take_request(self) -> None:
        request = control.pending_request(self.data_dir)
        if request is None or (self._job is not None and self._job.progress.request_id == request["request_id"]):
            return
        if self._job is not None:
            return  # one replay at a time; the next request waits for this one
        self._job = ReplayJob(
            warehouse=self.warehouse,
            log=self.log,
            request_id=request["request_id"],
            project_id=request.get("project_id"),
            chunk_size=self.replay_chunk_size,
            bulk_batch=self.replay_chunk_size,
        )
        logger.info("replay %s requested (project %s)", request["request_id"], request.get("project_id"))

    def _step_replay(self) -> None:
        job = self._job
        try:
            progress = job.step()
        except Exception as exc:
            logger.exception("replay %s failed", job.progress.request_id)
            job.progress.phase, job.progress.error = "failed", f"{type(exc).__name__}: {exc}"
            progress = job.progress
        if job.finished:  # the request goes first, so whoever reads "done" finds no request pending
            control.finish_request(self.data_dir, progress.request_id)
            self._job = None
        control.write_json(control.status_path(self.data_dir), progress.as_dict())

    def _idle_wait(self) -> None:
        wait_for_new = getattr(self.log, "wait_for_new", None)
        if wait_for_new is not None:
            wait_for_new(after_seq=self.checkpoint_seq, timeout=IDLE_WAIT_SECONDS)
        else:
            self._stopping.wait(IDLE_WAIT_SECONDS / 2)

    def _heartbeat(self, *, force: bool = False, stopped: bool = False) -> None:
        now = time.time()
        if not force and now - self._last_beat < HEARTBEAT_SECONDS:
            return
        self._last_beat = now
        beat = {"pid": os.getpid(), "at": now, "stopped": stopped, "checkpoint_seq": self.checkpoint_seq}
        try:
            beat["status"] = replay_status(warehouse=self.warehouse, log=self.log)
        except Exception as exc:  # the heartbeat still says the projector lives
            beat["status_error"] = str(exc)
        control.write_json(control.heartbeat_path(self.data_dir), beat)


_service: ProjectorService | None = None
_service_lock = threading.Lock()


def start_projector() -> ProjectorService | None:
    """Background service of the server process (``settings.ANALYTICAFLOW_BACKGROUND_SERVICES``)."""
    global _service
    from django.conf import settings

    if not settings.ANALYTICAFLOW_PROJECTOR_IN_SERVER:
        return None
    with _service_lock:
        if _service is None:
            _service = ProjectorService(
                data_dir=settings.DATA_DIR, chunk_size=settings.ANALYTICAFLOW_PROJECTOR_CHUNK_SIZE
            )
            _service.start()
            atexit.register(stop_projector)
        return _service


def stop_projector() -> None:
    global _service
    with _service_lock:
        if _service is not None:
            _service.stop()
            _service = None
