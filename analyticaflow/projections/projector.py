"""The checkpointed projector: applies the log, chunk by chunk in seq order, to one generation of tables.

One chunk, in order:
1. every event through its pure handler (:func:`event_types.project`);
2. the archive row (``raw_events``, the served generation only);
3. identity links → the touched components are resolved again and stored; rows of their members in
   ``events`` and ``orders`` get the new ``person_id`` (merges are retroactive);
4. the chunk's ``events`` rows with their person, and its new orders (first ``Order Completed`` per order_id);
5. persons, sessions and touchpoints recomputed for every person the chunk touched, and removed for the
   persons merged away;
6. the checkpoint.

Exactly-once effect: on DuckDB steps 2-6 are one transaction. On ClickHouse every write is an idempotent
versioned insert (version = the chunk's last seq) and each step depends only on the log and on stored state
that a repeated attempt rewrites identically, so a crash anywhere followed by a retry of the chunk gives the
same tables; the checkpoint moves last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from analyticaflow.eventlog.contracts import StoredEvent
from analyticaflow.projections import derive, sql_derive
from analyticaflow.projections.event_types import IdentityLink, ProjectedEvent, link_facts, project, utc_naive
from analyticaflow.projections.generations import Generation, archive_name, save_checkpoint, with_changes
from analyticaflow.projections.identity import Member, resolve
from analyticaflow.warehouse.backends import Warehouse, arrow_table
from analyticaflow.warehouse.schema import INT, TEXT, TIMESTAMP, TableSpec, col
from analyticaflow.warehouse.sql import Sql, ident
from analyticaflow.warehouse.tables import EVENTS, IDENTITY_MAP, ORDERS, PERSONS, RAW_EVENTS, SESSIONS, TOUCHPOINTS

PERSON_KEYS = TableSpec(
    "person_keys", (col("project_id", INT), col("person_id", TEXT)), key=("project_id", "person_id")
)
DISTINCT_KEYS = TableSpec(
    "distinct_keys", (col("project_id", INT), col("distinct_id", TEXT)), key=("project_id", "distinct_id")
)
PERSON_SCOPE = ("project_id", "person_id")
# Persons a chunk touched; ``since`` is the earliest of their new events, NULL to recompute them whole.
AFFECTED = TableSpec(
    "affected_persons",
    (col("project_id", INT), col("person_id", TEXT), col("since", TIMESTAMP, True)),
    key=("project_id", "person_id"),
)


@dataclass(frozen=True, slots=True)
class ChunkResult:
    events: int
    checkpoint_seq: int


class Projector:
    """Applies chunks of the log to ``generation``'s tables and moves its checkpoint."""

    def __init__(self, warehouse: Warehouse, generation: Generation, *, archive: bool) -> None:
        self.warehouse = warehouse
        self.dialect = warehouse.dialect
        self.generation = generation
        self.archive = archive  # write raw_events too (the served generation's projector does)
        self.prefix = f"stage_g{generation.generation}_"

    # -- helpers ------------------------------------------------------------------------------------------
    def _table(self, spec: TableSpec) -> str:
        return self.generation.table(spec)

    def _run(self, statements: Sequence[Sql]) -> None:
        for statement in statements:
            self.warehouse.execute(statement)

    def _stage(self, name: str, spec: TableSpec, columns: dict[str, list]) -> str:
        staged = ident(self.prefix + name)
        self.warehouse.stage(staged, spec, arrow_table(spec, columns))
        return staged

    def _drop(self, *names: str) -> None:
        for name in names:
            self.warehouse.drop_stage(name)

    def _keeps(self, stored: StoredEvent) -> bool:
        # A one-project replay takes the other projects' rows as copied, up to base_seq.
        generation = self.generation
        if generation.project_id is None or stored.seq > generation.base_seq:
            return True
        return stored.record.project_id == generation.project_id

    # -- one chunk ----------------------------------------------------------------------------------------
    def apply(self, chunk: Sequence[StoredEvent]) -> ChunkResult:
        """Apply ``chunk`` (consecutive log events after the checkpoint, in seq order)."""
        if not chunk:
            return ChunkResult(0, self.generation.checkpoint_seq)
        last_seq = chunk[-1].seq
        if last_seq <= self.generation.checkpoint_seq:
            return ChunkResult(0, self.generation.checkpoint_seq)
        fresh = [e for e in chunk if e.seq > self.generation.checkpoint_seq]
        kept = [e for e in fresh if self._keeps(e)]
        projected = [project(e) for e in kept]
        with self.warehouse.transaction():
            if self.archive:
                self._archive(fresh, version=last_seq)
            if projected:
                self._project(projected, version=last_seq)
            advanced = with_changes(self.generation, checkpoint_seq=last_seq)
            save_checkpoint(self.warehouse, advanced)
        self.generation = advanced
        return ChunkResult(len(kept), last_seq)

    def apply_columns(self, chunk: pa.Table) -> ChunkResult:
        """The set-based path (DuckDB): ``chunk`` as read by :func:`reading.read_columns`."""
        if chunk.num_rows == 0:
            return ChunkResult(0, self.generation.checkpoint_seq)
        seqs = chunk.column("seq")
        last_seq = pc.max(seqs).as_py()
        if last_seq <= self.generation.checkpoint_seq:
            return ChunkResult(0, self.generation.checkpoint_seq)
        fresh = chunk.filter(pc.greater(seqs, self.generation.checkpoint_seq))
        kept = fresh
        generation = self.generation
        if generation.project_id is not None:
            kept = fresh.filter(
                pc.or_(
                    pc.greater(fresh.column("seq"), generation.base_seq),
                    pc.equal(fresh.column("project_id"), generation.project_id),
                )
            )
        with self.warehouse.transaction():
            raw = self.prefix + "raw"
            if self.archive:
                self.warehouse.stage(raw, RAW_EVENTS, fresh)
                self._run(
                    [
                        self.dialect.insert_from(
                            RAW_EVENTS,
                            archive_name(RAW_EVENTS.name),
                            "project_id, seq, message_id, type, name, anonymous_id, user_id, "
                            "CAST(event_datetime AS DATE), event_datetime, received_at, payload",
                            ident(raw),
                            last_seq,
                        )
                    ]
                )
            if kept.num_rows:
                self.warehouse.stage(raw, RAW_EVENTS, kept)
                self._project_columns(raw, first_seq=pc.min(kept.column("seq")).as_py(), version=last_seq)
            self._drop(raw)
            advanced = with_changes(self.generation, checkpoint_seq=last_seq)
            save_checkpoint(self.warehouse, advanced)
        self.generation = advanced
        return ChunkResult(kept.num_rows, last_seq)

    def parse_columns(self, raw: str) -> tuple[str, list[IdentityLink]]:
        """The staged raw chunk parsed once (a scratch table, dropped by :meth:`insert_parsed_events`), and
        the identity links its identify/alias events state."""
        parsed = ident(self.prefix + "parsed")
        self._run(self.dialect.materialize(parsed, sql_derive.parse_chunk(raw=raw)))
        links = []
        for row in self.warehouse.query(sql_derive.identity_facts(parsed=parsed)):
            links.extend(link_facts(*row))
        return parsed, links

    def _project_columns(self, raw: str, *, first_seq: int, version: int) -> None:
        parsed, links = self.parse_columns(raw)
        members = self._merge_identities(links, version=version) if links else []
        self.insert_parsed_events(parsed, version=version)
        # The chunk's rows are the events with seqs in (first_seq - 1, version]: appended in seq order.
        events = self._table(EVENTS)
        chunk_rows = Sql(
            f"SELECT * FROM {self.dialect.read(events)} WHERE seq >= {{first_seq}} AND seq <= {{last_seq}}",
            {"first_seq": first_seq, "last_seq": version},
        )
        if self.generation.project_id is not None:
            # A one-project replay: the other projects' rows in this seq range were copied, not projected now.
            chunk_rows = Sql(
                f"{chunk_rows.text} AND (project_id = {{only_project}} OR seq > {{base_seq}})",
                {**chunk_rows.params, "only_project": self.generation.project_id, "base_seq": self.generation.base_seq},
            )
        orders = ident(self.prefix + "new_orders")
        self._run(
            self.dialect.materialize(
                orders,
                Sql(
                    "SELECT project_id, order_id, seq, message_id, person_id, distinct_id, event_date AS order_date, "
                    "event_datetime AS ordered_at, revenue, currency FROM ("
                    "SELECT *, row_number() OVER (PARTITION BY project_id, order_id ORDER BY seq) AS nth "
                    f"FROM ({chunk_rows.text}) AS c WHERE transactions = 1) AS o WHERE nth = 1",
                    chunk_rows.params,
                ),
            )
        )
        self._run(self.dialect.insert_missing(ORDERS, self._table(ORDERS), orders, version=version))
        self._run(self.dialect.drop_table(orders))
        since = {
            (project_id, person_id): moment
            for project_id, person_id, moment in self.warehouse.query(
                Sql(
                    f"SELECT project_id, person_id, min(event_datetime) FROM ({chunk_rows.text}) AS c "
                    "WHERE person_id IS NOT NULL GROUP BY project_id, person_id",
                    chunk_rows.params,
                )
            )
        }
        self._recompute_persons(since, members, version=version)

    def insert_parsed_events(self, parsed: str, *, version: int) -> None:
        """The parsed chunk's ``events`` rows, each with its person from the identity map (its own id when
        unlinked); drops ``parsed``."""
        distinct = [row[0] for row in self.warehouse.query(sql_derive.distinct_referrers(parsed=parsed))]
        referrers = self._stage("referrers", sql_derive.REFERRERS, sql_derive.referrer_rows(distinct))
        identity = self._table(IDENTITY_MAP)
        columns = ", ".join(
            "CASE WHEN d.distinct_id IS NULL THEN NULL ELSE coalesce(m.person_id, d.distinct_id) END"
            if name == "person_id"
            else f"d.{ident(name)}"
            for name in EVENTS.column_names
        )
        derived = sql_derive.derive_events(parsed=parsed, referrers=referrers)
        source = (
            f"({derived.text}) AS d LEFT JOIN {self.dialect.read_as(identity, 'm')} "
            "ON d.project_id = m.project_id AND d.distinct_id = m.distinct_id"
        )
        insert = self.dialect.insert_from(EVENTS, self._table(EVENTS), columns, source, version)
        self.warehouse.execute(Sql(insert.text, {**insert.params, **derived.params}))
        self._drop(referrers)
        self._run(self.dialect.drop_table(parsed))

    def _archive(self, chunk: Sequence[StoredEvent], *, version: int) -> None:
        records = [e.record for e in chunk]
        times = [utc_naive(r.timestamp) for r in records]
        name = self._stage(
            "raw",
            RAW_EVENTS,
            {
                "project_id": [r.project_id for r in records],
                "seq": [e.seq for e in chunk],
                "message_id": [r.message_id for r in records],
                "type": [r.type for r in records],
                "name": [r.name for r in records],
                "anonymous_id": [r.anonymous_id for r in records],
                "user_id": [r.user_id for r in records],
                "event_date": [t.date() for t in times],
                "event_datetime": times,
                "received_at": [utc_naive(r.received_at) for r in records],
                "payload": [bytes(r.payload).decode("utf-8", "replace") for r in records],
            },
        )
        self._run(self.dialect.append(RAW_EVENTS, archive_name(RAW_EVENTS.name), name, version=version))
        self._drop(name)

    def _project(self, projected: list[ProjectedEvent], *, version: int) -> None:
        links = [link for p in projected for link in p.links]
        rows = [p.row for p in projected]
        members = self._merge_identities(links, version=version) if links else []
        persons = self._person_ids(rows, members)
        for row in rows:
            distinct = row["distinct_id"]
            row["person_id"] = None if distinct is None else persons.get((row["project_id"], distinct), distinct)
        events = self._stage("events", EVENTS, {c: [r[c] for r in rows] for c in EVENTS.column_names})
        self._run(self.dialect.append(EVENTS, self._table(EVENTS), events, version=version))
        self._drop(events)
        self._add_orders(projected, version=version)

        since: dict[tuple[int, str], datetime] = {}
        for row in rows:
            if row["person_id"] is not None:
                key = (row["project_id"], row["person_id"])
                moment = row["event_datetime"]
                if key not in since or moment < since[key]:
                    since[key] = moment
        self._recompute_persons(since, members, version=version)

    # -- identities ---------------------------------------------------------------------------------------
    def _merge_identities(self, links: list[IdentityLink], *, version: int) -> list[ProjectMember]:
        by_project: dict[int, list[IdentityLink]] = {}
        for link in links:
            by_project.setdefault(link.project_id, []).append(link)
        named = sorted({(p, d) for p, group in by_project.items() for link in group for d in (link.member, link.user)})
        keys = self._stage(
            "link_ids", DISTINCT_KEYS, {"project_id": [p for p, _ in named], "distinct_id": [d for _, d in named]}
        )
        identity = self._table(IDENTITY_MAP)
        stored = self.warehouse.query(
            Sql(
                f"""
                SELECT m.project_id, m.distinct_id, m.person_id, m.first_seq, m.link_role
                FROM {self.dialect.read_as(identity, "m")}
                INNER JOIN (
                    SELECT DISTINCT k.project_id, k.person_id
                    FROM {self.dialect.read_as(identity, "k")}
                    INNER JOIN {keys} AS s ON k.project_id = s.project_id AND k.distinct_id = s.distinct_id
                ) AS p ON m.project_id = p.project_id AND m.person_id = p.person_id
                """
            )
        )
        self._drop(keys)
        existing: dict[int, list[Member]] = {}
        for project_id, distinct_id, person_id, first_seq, role in stored:
            existing.setdefault(project_id, []).append(Member(distinct_id, person_id, first_seq, role))
        resolved: list[ProjectMember] = []
        for project_id, group in by_project.items():
            resolved.extend(ProjectMember(project_id, m) for m in resolve(existing.get(project_id, []), group))
        columns = {
            "project_id": [m.project_id for m in resolved],
            "distinct_id": [m.distinct_id for m in resolved],
            "person_id": [m.person_id for m in resolved],
            "first_seq": [m.member.first_seq for m in resolved],
            "link_role": [m.member.link_role for m in resolved],
        }
        staged = self._stage("members", IDENTITY_MAP, columns)
        self._run(self.dialect.upsert(IDENTITY_MAP, identity, staged, version=version))
        match = ("project_id", "distinct_id")
        for spec in (EVENTS, ORDERS):
            self._run(
                self.dialect.rekey(
                    spec, self._table(spec), mapping=staged, match=match, target="person_id", version=version
                )
            )
        self._drop(staged)
        return resolved

    def _person_ids(self, rows: list[dict], members: list[ProjectMember]) -> dict[tuple[int, str], str]:
        """(project_id, distinct_id) → person_id for the chunk's ids that belong to a linked person."""
        known = {(m.project_id, m.distinct_id): m.person_id for m in members}
        wanted = sorted(
            {(r["project_id"], r["distinct_id"]) for r in rows if r["distinct_id"] is not None} - set(known)
        )
        if not wanted:
            return known
        keys = self._stage(
            "ids", DISTINCT_KEYS, {"project_id": [p for p, _ in wanted], "distinct_id": [d for _, d in wanted]}
        )
        found = self.warehouse.query(
            Sql(
                f"SELECT m.project_id, m.distinct_id, m.person_id "
                f"FROM {self.dialect.read_as(self._table(IDENTITY_MAP), 'm')} "
                f"INNER JOIN {keys} AS s ON m.project_id = s.project_id AND m.distinct_id = s.distinct_id"
            )
        )
        self._drop(keys)
        known.update({(p, d): person for p, d, person in found})
        return known

    # -- orders -------------------------------------------------------------------------------------------
    def _add_orders(self, projected: list[ProjectedEvent], *, version: int) -> None:
        first: dict[tuple[int, str], dict] = {}
        for item in projected:
            if item.order is not None:
                first.setdefault((item.row["project_id"], item.order.order_id), item.row)
        if not first:
            return
        rows = list(first.values())
        staged = self._stage(
            "orders",
            ORDERS,
            {
                "project_id": [r["project_id"] for r in rows],
                "order_id": [r["order_id"] for r in rows],
                "seq": [r["seq"] for r in rows],
                "message_id": [r["message_id"] for r in rows],
                "person_id": [r["person_id"] for r in rows],
                "distinct_id": [r["distinct_id"] for r in rows],
                "order_date": [r["event_date"] for r in rows],
                "ordered_at": [r["event_datetime"] for r in rows],
                "revenue": [r["revenue"] for r in rows],
                "currency": [r["currency"] for r in rows],
            },
        )
        self._run(self.dialect.insert_missing(ORDERS, self._table(ORDERS), staged, version=version))
        self._drop(staged)

    # -- per-person tables --------------------------------------------------------------------------------
    def _recompute_persons(
        self, since: dict[tuple[int, str], datetime], members: list[ProjectMember], *, version: int
    ) -> None:
        """Sessions, touchpoints and persons of every person the chunk touched.

        ``since``: person → the earliest time among their new events; only their sessions from the one that
        time can change are recomputed. Persons whose identity changed are recomputed whole, and those merged
        into another person removed.
        """
        whole: dict[tuple[int, str], None] = {}
        for member in members:
            whole[(member.project_id, member.person_id)] = None
            if member.distinct_id != member.person_id:
                whole[(member.project_id, member.distinct_id)] = None
        affected = {**since, **whole}
        if not affected:
            return
        if self.dialect.versioned:
            # Without transactions a retried chunk may find another attempt's partial writes: recompute whole.
            affected = dict.fromkeys(affected)
        keys = sorted(affected)
        affected_name = self._stage(
            "affected",
            AFFECTED,
            {
                "project_id": [p for p, _ in keys],
                "person_id": [x for _, x in keys],
                "since": [affected[k] for k in keys],
            },
        )
        events, sessions = self._table(EVENTS), self._table(SESSIONS)
        anchors = ident(self.prefix + "anchors")
        timeline = ident(self.prefix + "timeline")
        new_sessions = ident(self.prefix + "new_sessions")
        new_touchpoints = ident(self.prefix + "new_touchpoints")
        self._run(
            self.dialect.materialize(anchors, derive.anchors(self.dialect, affected=affected_name, sessions=sessions))
        )
        self._run(self.dialect.materialize(timeline, derive.timeline(self.dialect, events=events, anchors=anchors)))
        self._run(self.dialect.materialize(new_sessions, derive.sessions(timeline=timeline)))
        self._run(self.dialect.materialize(new_touchpoints, derive.touchpoints(timeline=timeline)))
        for spec, rows, since_column in (
            (SESSIONS, new_sessions, "started_at"),
            (TOUCHPOINTS, new_touchpoints, "touched_at"),
        ):
            self._run(
                self.dialect.replace_scope(
                    spec,
                    self._table(spec),
                    new_rows=rows,
                    scope=anchors,
                    scope_columns=PERSON_SCOPE,
                    version=version,
                    since_column=since_column,
                )
            )
        for name in (timeline, new_sessions, new_touchpoints, anchors):
            self._run(self.dialect.drop_table(name))
        persons = self._person_rows(affected_name, incremental=[k for k in keys if affected[k] is not None])
        self._run(
            self.dialect.replace_scope(
                PERSONS,
                self._table(PERSONS),
                new_rows=persons,
                scope=affected_name,
                scope_columns=PERSON_SCOPE,
                version=version,
            )
        )
        self._drop(persons, affected_name)

    def _person_rows(self, affected: str, *, incremental: list[tuple[int, str]]) -> str:
        """The persons rows of the affected persons: the stored row plus the chunk's events for persons whose
        identity did not change (``incremental``), a full aggregate over their events for the others."""
        events, persons = self._table(EVENTS), self._table(PERSONS)
        checkpoint = self.generation.checkpoint_seq
        rows: dict[tuple[int, str], list] = {}
        traits: dict[tuple[int, str], dict[str, str]] = {}
        incremental_keys = set(incremental)
        for project_id, person_id, first, last, count in self.warehouse.query(
            derive.person_summaries(self.dialect, events=events, affected=affected, after_seq=checkpoint)
        ):
            rows[(project_id, person_id)] = [first, last, count]
        for project_id, person_id, first, last, count, stored_traits in self.warehouse.query(
            derive.stored_persons(self.dialect, persons=persons, affected=affected)
        ):
            key = (project_id, person_id)
            if key not in incremental_keys:
                continue
            traits[key] = dict(stored_traits or {})
            if key in rows:
                new_first, new_last, new_count = rows[key]
                rows[key] = [min(first, new_first), max(last, new_last), count + new_count]
            else:
                rows[key] = [first, last, count]
        for project_id, person_id, attributes in self.warehouse.query(
            derive.person_traits(self.dialect, events=events, affected=affected, after_seq=checkpoint)
        ):
            traits.setdefault((project_id, person_id), {}).update(attributes or {})
        keys = sorted(rows)
        return self._stage(
            "persons",
            PERSONS,
            {
                "project_id": [k[0] for k in keys],
                "person_id": [k[1] for k in keys],
                "user_id": [k[1][2:] if k[1].startswith("u:") else None for k in keys],
                "first_seen_at": [rows[k][0] for k in keys],
                "last_seen_at": [rows[k][1] for k in keys],
                "event_count": [rows[k][2] for k in keys],
                "traits": [sorted(traits.get(k, {}).items()) for k in keys],
            },
        )


@dataclass(frozen=True, slots=True)
class ProjectMember:
    project_id: int
    member: Member

    @property
    def distinct_id(self) -> str:
        return self.member.distinct_id

    @property
    def person_id(self) -> str:
        return self.member.person_id
