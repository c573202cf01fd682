"""A projector process for the crash test: follows the SQLite log into a warehouse until it is caught up.

Run as ``python -m tests.projections.crash_child KIND DIRECTORY LOG_PATH CHUNK``; prints each checkpoint.
"""

from __future__ import annotations

import sys

from analyticaflow.eventlog.sqlite import SqliteEventLog
from analyticaflow.projections.generations import ensure_schema
from analyticaflow.projections.services import projections_catch_up
from tests.projections.conftest import open_kind


def main(kind: str, directory: str, log_path: str, chunk: int) -> None:
    warehouse = open_kind(kind, directory)
    log = SqliteEventLog(log_path)
    generation = ensure_schema(warehouse)
    while generation.checkpoint_seq < log.last_seq():
        generation = projections_catch_up(warehouse=warehouse, log=log, chunk_size=chunk, max_chunks=1)
        print(generation.checkpoint_seq, flush=True)
    warehouse.close()
    log.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
