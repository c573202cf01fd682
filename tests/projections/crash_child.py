"""A projector process for the crash tests: follows the SQLite log into a warehouse until it is caught up, or
(``replay``) replays it into a new generation until the swap.

Run as ``python -m tests.projections.crash_child KIND DIRECTORY LOG_PATH CHUNK [replay]``; prints each checkpoint
(for a replay: the seq its build has reached after each step).
"""

from __future__ import annotations

import sys

from analyticaflow.eventlog.sqlite import SqliteEventLog
from analyticaflow.projections.generations import ensure_schema
from analyticaflow.projections.replay import ReplayJob
from analyticaflow.projections.services import projections_catch_up
from tests.projections.conftest import open_kind


def main(kind: str, directory: str, log_path: str, chunk: int, mode: str = "project") -> None:
    warehouse = open_kind(kind, directory)
    log = SqliteEventLog(log_path)
    generation = ensure_schema(warehouse)
    if mode == "replay":
        job = ReplayJob(warehouse=warehouse, log=log, request_id="crash", chunk_size=chunk, bulk_batch=chunk)
        while not job.finished:
            print(job.step().checkpoint_seq, flush=True)
    else:
        while generation.checkpoint_seq < log.last_seq():
            generation = projections_catch_up(warehouse=warehouse, log=log, chunk_size=chunk, max_chunks=1)
            print(generation.checkpoint_seq, flush=True)
    warehouse.close()
    log.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), *sys.argv[5:])
