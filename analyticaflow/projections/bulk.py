"""The set-based replay build: a new generation built from the whole log in two phases, not chunk by chunk.

A replay rebuilds into empty tables, so nothing needs the per-chunk incremental state the projector keeps:

1. **load** (one batch of the log per step): every event's ``events`` row (its ``person_id`` its own distinct
   id for now) and the identity links of its identify/alias events (a scratch table ``identity_links_g<N>``).
   The batch's last seq is saved with it (``projection_bulk_loads``), so a stopped replay resumes after the
   last saved batch. On ClickHouse a batch repeated after a crash rewrites the same row versions.
2. **finish** (one step): identities resolved once over all links; ``identity_map``; the rows of linked ids
   re-keyed to their person; then orders, sessions, touchpoints and persons each in one statement over the
   whole ``events`` table, and the generation's checkpoint moved to the loaded seq. The projector then catches
   up with later events incrementally, as for any generation.

The generation's checkpoint stays 0 until the finish, so nothing reads a half-built generation as current.
DuckDB: each step is one transaction. ClickHouse: every write is a versioned insert that a repeated step
rewrites identically (loaded rows carry version 0, the finish's rows the loaded seq, later chunks higher).
The result equals the incremental projector's tables for the same log (tests compare both on both warehouses).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute as pc

from analyticaflow.eventlog.contracts import EventLog, StoredEvent
from analyticaflow.projections import derive
from analyticaflow.projections.event_types import IdentityLink, project
from analyticaflow.projections.generations import Generation, save_checkpoint, with_changes
from analyticaflow.projections.identity import resolve
from analyticaflow.projections.projector import Projector
from analyticaflow.projections.reading import read_columns
from analyticaflow.warehouse.backends import Warehouse, arrow_table
from analyticaflow.warehouse.schema import INT, TEXT, TIMESTAMP, TableSpec, col
from analyticaflow.warehouse.sql import Sql, ident
from analyticaflow.warehouse.tables import EVENTS, IDENTITY_MAP, ORDERS, PERSONS, RAW_EVENTS, SESSIONS, TOUCHPOINTS

# Events per load step: large batches keep the per-statement cost small against the work.
DEFAULT_BATCH = 200_000
LOAD_VERSION = 0

BULK_LOADS = TableSpec(
    "projection_bulk_loads",
    (col("generation", INT), col("loaded_seq", INT), col("updated_at", TIMESTAMP)),
    key=("generation",),
)
LINKS = TableSpec(
    "identity_links",
    (
        col("project_id", INT),
        col("member", TEXT),
        col("linked_user", TEXT),
        col("link_role", INT),
        col("seq", INT),
    ),
    key=("project_id", "seq", "member"),
)
ORDER_COLUMNS = (
    "project_id, order_id, seq, message_id, person_id, distinct_id, event_date AS order_date, "
    "event_datetime AS ordered_at, revenue, currency"
)


def links_table(generation: int) -> str:
    return ident(f"{LINKS.name}_g{int(generation)}")


def applies_to(generation: Generation) -> bool:
    """Whether a set-based build can (still) build ``generation``: a whole-log replay not yet finished."""
    return generation.project_id is None and generation.checkpoint_seq == 0


def loaded_seq(warehouse: Warehouse, generation: int) -> int:
    """How far a set-based build of ``generation`` has loaded the log (0: none, or not built set-based)."""
    dialect = warehouse.dialect
    for statement in dialect.create_table(BULK_LOADS, BULK_LOADS.name):
        warehouse.execute(statement)
    rows = warehouse.query(
        Sql(
            f"SELECT loaded_seq FROM {dialect.read(BULK_LOADS.name)} WHERE generation = {{generation}}",
            {"generation": int(generation)},
        )
    )
    return rows[0][0] if rows else 0


def ensure_tables(warehouse: Warehouse, generation: int) -> None:
    with warehouse.transaction():
        for spec, table in ((BULK_LOADS, BULK_LOADS.name), (LINKS, links_table(generation))):
            for statement in warehouse.dialect.create_table(spec, table):
                warehouse.execute(statement)


def drop_scratch(warehouse: Warehouse, generation: int) -> None:
    """Remove what a set-based build of ``generation`` left (after its finish, or when it is abandoned)."""
    for statement in warehouse.dialect.drop_table(links_table(generation)):
        warehouse.execute(statement)


@dataclass
class StepResult:
    events: int  # events loaded by this step
    finished: bool  # the generation is built up to ``loaded_seq`` and checkpointed there


class SetBasedBuild:
    """Builds a whole-log replay generation from seq 0 set-based; :meth:`step` advances it."""

    def __init__(self, warehouse: Warehouse, log: EventLog, generation: Generation, *, batch: int) -> None:
        if not applies_to(generation):
            raise ValueError(f"generation {generation.generation} is not an unstarted whole-log replay")
        self.warehouse = warehouse
        self.dialect = warehouse.dialect
        self.log = log
        self.generation = generation
        self.batch = batch
        self.projector = Projector(warehouse, generation, archive=False)
        self.links = links_table(generation.generation)
        ensure_tables(warehouse, generation.generation)
        self.loaded_seq = loaded_seq(warehouse, generation.generation)
        # DuckDB derives in SQL from columns; ClickHouse through the Python handlers (as the projector does).
        columnar = self.dialect.name == "duckdb"
        self._read_batch = read_columns if columnar else _read_events
        self._derive = self._load_columns if columnar else self._load_events
        # The next batch is read from the log in a thread while the warehouse derives the current one.
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="replay-read")
        self._next: tuple[int, Future] | None = None

    def close(self) -> None:
        self._reader.shutdown(wait=True, cancel_futures=True)
        self._next = None

    def _read(self, *, head_seq: int):
        """The batch after the loaded seq (prefetched when it was asked for), and start reading the one after it."""
        reader = self._read_batch
        after = self.loaded_seq
        if self._next is not None and self._next[0] == after:
            batch = self._next[1].result()
        else:
            batch = reader(self.log, after_seq=after, limit=self.batch)
        last_seq = _last_seq(batch)
        self._next = None
        if last_seq is not None and last_seq < head_seq:
            self._next = (last_seq, self._reader.submit(reader, self.log, after_seq=last_seq, limit=self.batch))
        return batch, last_seq

    def _table(self, spec: TableSpec) -> str:
        return self.generation.table(spec)

    def _run(self, statements: list[Sql]) -> None:
        for statement in statements:
            self.warehouse.execute(statement)

    # -- steps --------------------------------------------------------------------------------------------
    def step(self, *, head_seq: int) -> StepResult:
        """Load the next batch while the log has events after the loaded seq; then finish."""
        if self.loaded_seq < head_seq:
            batch, last_seq = self._read(head_seq=head_seq)
            if last_seq is not None:
                return StepResult(self._load(batch, last_seq), False)
        self.close()
        if self.loaded_seq > 0:
            self._finish()
        return StepResult(0, True)

    def _load(self, batch, last_seq: int) -> int:
        with self.warehouse.transaction():
            links = self._derive(batch)
            if links:
                staged = ident(self.projector.prefix + "links")
                self.warehouse.stage(staged, LINKS, _link_columns(links))
                self._run(self.dialect.append(LINKS, self.links, staged, version=LOAD_VERSION))
                self.warehouse.drop_stage(staged)
            self._save_loaded(last_seq)
        self.loaded_seq = last_seq
        return len(batch)

    def _load_columns(self, chunk: pa.Table) -> list[IdentityLink]:
        """DuckDB: the batch derived in SQL by the projector's own statements (the identity map is empty)."""
        raw = self.projector.prefix + "raw"
        self.warehouse.stage(raw, RAW_EVENTS, chunk)
        parsed, links = self.projector.parse_columns(raw)
        self.projector.insert_parsed_events(parsed, version=LOAD_VERSION)
        self.warehouse.drop_stage(raw)
        return links

    def _load_events(self, events: list[StoredEvent]) -> list[IdentityLink]:
        """ClickHouse: the batch through the Python handlers (the reference derivation)."""
        projected = [project(e) for e in events]
        rows = [p.row for p in projected]
        for row in rows:
            row["person_id"] = row["distinct_id"]
        staged = ident(self.projector.prefix + "events")
        columns = {name: [row[name] for row in rows] for name in EVENTS.column_names}
        self.warehouse.stage(staged, EVENTS, arrow_table(EVENTS, columns))
        self._run(self.dialect.append(EVENTS, self._table(EVENTS), staged, version=LOAD_VERSION))
        self.warehouse.drop_stage(staged)
        return [link for p in projected for link in p.links]

    def _save_loaded(self, seq: int) -> None:
        staged = ident(f"stage_{BULK_LOADS.name}_{self.generation.generation}")
        now = datetime.now(UTC).replace(tzinfo=None)
        values = {"generation": [self.generation.generation], "loaded_seq": [seq], "updated_at": [now]}
        self.warehouse.stage(staged, BULK_LOADS, arrow_table(BULK_LOADS, values))
        self._run(self.dialect.upsert(BULK_LOADS, BULK_LOADS.name, staged, version=seq))
        self.warehouse.drop_stage(staged)

    # -- the finish ---------------------------------------------------------------------------------------
    def _finish(self) -> None:
        version = self.loaded_seq
        with self.warehouse.transaction():
            self._identities(version)
            self._orders(version)
            self._sessions_and_touchpoints(version)
            self._persons(version)
            finished = with_changes(self.generation, checkpoint_seq=version)
            save_checkpoint(self.warehouse, finished)
            # With the checkpoint on DuckDB; after it on ClickHouse, where a repeated finish still needs the links.
            drop_scratch(self.warehouse, self.generation.generation)
        self.generation = finished

    def _identities(self, version: int) -> None:
        rows = self.warehouse.query(
            f"SELECT project_id, member, linked_user, link_role, seq FROM {self.dialect.read(self.links)}"
        )
        by_project: dict[int, list[IdentityLink]] = {}
        for project_id, member, user, role, seq in rows:
            by_project.setdefault(project_id, []).append(IdentityLink(project_id, member, user, role, seq))
        members = [(p, m) for p, links in sorted(by_project.items()) for m in resolve((), links)]
        if not members:
            return
        columns = {
            "project_id": [p for p, _ in members],
            "distinct_id": [m.distinct_id for _, m in members],
            "person_id": [m.person_id for _, m in members],
            "first_seq": [m.first_seq for _, m in members],
            "link_role": [m.link_role for _, m in members],
        }
        staged = ident(self.projector.prefix + "members")
        self.warehouse.stage(staged, IDENTITY_MAP, arrow_table(IDENTITY_MAP, columns))
        self._run(self.dialect.append(IDENTITY_MAP, self._table(IDENTITY_MAP), staged, version=version))
        self._run(
            self.dialect.rekey(
                EVENTS,
                self._table(EVENTS),
                mapping=staged,
                match=("project_id", "distinct_id"),
                target="person_id",
                version=version,
            )
        )
        self.warehouse.drop_stage(staged)

    def _insert(self, spec: TableSpec, select: Sql, version: int) -> None:
        statement = self.dialect.insert_from(
            spec, self._table(spec), ", ".join(spec.column_names), f"({select.text}) AS s", version
        )
        self.warehouse.execute(Sql(statement.text, {**statement.params, **select.params}))

    def _orders(self, version: int) -> None:
        """The first ``Order Completed`` of each order_id, in log order."""
        self._insert(
            ORDERS,
            Sql(
                f"SELECT {ORDER_COLUMNS} FROM (SELECT *, row_number() OVER "
                "(PARTITION BY project_id, order_id ORDER BY seq) AS nth "
                f"FROM {self.dialect.read(self._table(EVENTS))} WHERE transactions = 1) AS o WHERE nth = 1"
            ),
            version,
        )

    def _sessions_and_touchpoints(self, version: int) -> None:
        timeline = ident(self.projector.prefix + "timeline")
        events = self._table(EVENTS)
        self._run(
            self.dialect.materialize(timeline, derive.timeline(self.dialect, events=events, anchors=None, carried=()))
        )
        self._insert(SESSIONS, derive.sessions(timeline=timeline), version)
        self._insert(TOUCHPOINTS, derive.touchpoints(timeline=timeline, events=events, dialect=self.dialect), version)
        self._run(self.dialect.drop_table(timeline))

    def _persons(self, version: int) -> None:
        """Each person's first/last event and count, and their identify traits merged in log order."""
        events = self.dialect.read(self._table(EVENTS))
        identifies = (
            f"(SELECT project_id, person_id, seq, attributes FROM {events} "
            "WHERE event_type = 'identify' AND person_id IS NOT NULL) AS i"
        )
        traits = self.dialect.latest_values(identifies, group=("project_id", "person_id"))
        self._insert(
            PERSONS,
            Sql(
                "SELECT c.project_id AS project_id, c.person_id AS person_id, "
                "CASE WHEN substr(c.person_id, 1, 2) = 'u:' THEN substr(c.person_id, 3) END AS user_id, "
                "c.first_seen_at AS first_seen_at, c.last_seen_at AS last_seen_at, c.event_count AS event_count, "
                f"{self.dialect.or_empty_map('t.merged')} AS traits "
                "FROM (SELECT project_id, person_id, min(event_datetime) AS first_seen_at, "
                "max(event_datetime) AS last_seen_at, count(*) AS event_count "
                f"FROM {events} WHERE person_id IS NOT NULL GROUP BY project_id, person_id) AS c "
                f"LEFT JOIN ({traits}) AS t ON c.project_id = t.project_id AND c.person_id = t.person_id"
            ),
            version,
        )


def _read_events(log: EventLog, *, after_seq: int, limit: int) -> list[StoredEvent]:
    return log.read(after_seq=after_seq, limit=limit)


def _last_seq(batch: pa.Table | list[StoredEvent]) -> int | None:
    if isinstance(batch, pa.Table):
        return pc.max(batch.column("seq")).as_py() if batch.num_rows else None
    return batch[-1].seq if batch else None


def _link_columns(links: list[IdentityLink]):
    return arrow_table(
        LINKS,
        {
            "project_id": [link.project_id for link in links],
            "member": [link.member for link in links],
            "linked_user": [link.user for link in links],
            "link_role": [link.role for link in links],
            "seq": [link.seq for link in links],
        },
    )
