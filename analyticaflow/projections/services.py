"""Running the projections: bring the served generation up to the log's head."""

from __future__ import annotations

import logging

import pyarrow.compute as pc

from analyticaflow.eventlog.contracts import EventLog
from analyticaflow.projections.generations import Generation, ensure_schema, served_generation
from analyticaflow.projections.projector import Projector
from analyticaflow.projections.reading import read_columns
from analyticaflow.warehouse.backends import Warehouse

logger = logging.getLogger(__name__)

DEFAULT_CHUNK_SIZE = 50_000


def projections_ensure(*, warehouse: Warehouse) -> Generation:
    """Create the warehouse tables on first use; the served generation."""
    return ensure_schema(warehouse)


def projections_served(*, warehouse: Warehouse) -> Generation | None:
    """The generation reports read (its number and ``checkpoint_seq``: how far the log is applied), or None
    before the projections' tables exist. Derived report tables use it to know when their sources moved."""
    return served_generation(warehouse)


def projections_catch_up(
    *,
    warehouse: Warehouse,
    log: EventLog,
    generation: Generation | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    max_chunks: int | None = None,
    until_seq: int | None = None,
    columnar: bool | None = None,
) -> Generation:
    """Apply the log after ``generation``'s checkpoint (default: the served generation) up to the head.

    Returns the generation with its new checkpoint. ``max_chunks`` bounds the work of one call;
    ``until_seq`` stops exactly there (replay brings two generations to the same seq before swapping).
    ``columnar`` (default: on DuckDB) derives each chunk set-based in SQL instead of through the Python
    handlers; both give the same tables.
    """
    if generation is None:
        generation = served_generation(warehouse) or ensure_schema(warehouse)
    projector = Projector(warehouse, generation, archive=generation.status == "served")
    if columnar is None:
        columnar = warehouse.dialect.name == "duckdb"
    chunks = 0
    while max_chunks is None or chunks < max_chunks:
        if until_seq is not None and projector.generation.checkpoint_seq >= until_seq:
            break
        after = projector.generation.checkpoint_seq
        if columnar:
            table = read_columns(log, after_seq=after, limit=chunk_size)
            if until_seq is not None:
                table = table.filter(pc.less_equal(table.column("seq"), until_seq))  # seqs may have gaps
            if table.num_rows == 0:
                break
            projector.apply_columns(table)
        else:
            chunk = log.read(after_seq=after, limit=chunk_size)
            if until_seq is not None:
                chunk = [event for event in chunk if event.seq <= until_seq]
            if not chunk:
                break
            projector.apply(chunk)
        chunks += 1
    return projector.generation
