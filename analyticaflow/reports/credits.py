"""Each order's credited touchpoint under the single-touch models, kept as derived warehouse tables.

Grouping orders by source, campaign or channel credits every order of the period to its person's last (or
first) touchpoint in the 30 days before it. Doing that per report means joining the period's orders to the
touchpoints by person (text ids) and joining the chosen touch's attributes back: hundreds of milliseconds per
period at a million orders. Instead ``report_order_touches`` holds, per project and order of the merged orders
(``channeldata.orders``): its instant, revenue, currency, whether it is its person's first-ever order, and the
touch combination (source, medium, campaign, channel, click id) credited by each single-touch model, as an
integer id into ``report_touch_combos`` (ids are stable: a combination keeps its id for good). A report then
reads a range of orders and a few thousand combinations.

The credit is computed by the models' own SQL (``attribution.MODELS``), so the table holds exactly what the
general path computes. It follows its sources the way the first-orders table does (``customers.fingerprint``):

- a new projection generation (replay) or changed shop orders: rebuilt for the project;
- only new events since the build (the live stream): brought up to date *before the report reads it* by
  recomputing the orders of the persons those events touch — new orders, new touchpoints and identity merges
  (a merge rewrites the merged rows' person, and the merging event carries it) all change only orders of
  persons that appear in the new events. No lag: every figure of the report is live.
"""

from __future__ import annotations

import threading
import time
import weakref
from datetime import UTC, datetime

from analyticaflow.channeldata.orders import merged_orders
from analyticaflow.reports.attribution import LOOKBACK_MICROS, TOUCH_COLUMNS, CreditContext, attribution_model
from analyticaflow.reports.customers import fingerprint, only_events_moved
from analyticaflow.reports.derived import derived_tables_ensure, project_lock
from analyticaflow.reports.sqlparts import bound, touch_columns
from analyticaflow.reports.touches import TouchCombo
from analyticaflow.warehouse.backends import Warehouse
from analyticaflow.warehouse.readcache import query_unchanged
from analyticaflow.warehouse.schema import FLOAT, INT, TEXT, TIMESTAMP, TableSpec, col
from analyticaflow.warehouse.sql import Sql

# The models whose credit the table keeps, and the column holding each one's credited combination.
CREDIT_COLUMNS = {"last_touch": "last_touch", "first_touch": "first_touch"}
ORDER_TOUCHES = TableSpec(
    "report_order_touches",
    (col("project_id", INT), col("order_id", TEXT), col("ordered_at", TIMESTAMP), col("revenue", FLOAT),
     col("currency", TEXT, True), col("is_first", INT), *(col(c, INT) for c in CREDIT_COLUMNS.values())),
    key=("project_id", "order_id"),  # no time in the sort key: an order's newer row must replace the older one
)
TOUCH_COMBOS = TableSpec(
    "report_touch_combos",
    (col("project_id", INT), col("combo_id", INT), *(col(name, TEXT) for name in TOUCH_COLUMNS)),
    key=("project_id", "combo_id"),
)
ORDER_TOUCHES_STATE = TableSpec(
    "report_order_touches_state",
    (col("project_id", INT), col("fingerprint", TEXT), col("checkpoint", INT), col("built_at", TIMESTAMP)),
    key=("project_id",),
)
TABLES = (ORDER_TOUCHES, TOUCH_COMBOS, ORDER_TOUCHES_STATE)


def order_touches_refresh(*, warehouse: Warehouse, project_id: int) -> str:
    """Bring a project's order touches up to date: ``"current"``, ``"updated"`` (the orders of persons with new
    events recomputed) or ``"rebuilt"``."""
    derived_tables_ensure(warehouse, TABLES)
    with project_lock(warehouse, "order_touches", project_id):
        current = fingerprint(warehouse, project_id)
        state = query_unchanged(warehouse, Sql(
            f"SELECT fingerprint, checkpoint FROM {warehouse.dialect.read(ORDER_TOUCHES_STATE.name)} "
            "WHERE project_id = {project}", {"project": project_id}))
        if state and state[0][0] == current:
            return "current"
        if state and only_events_moved(state[0][0], current):
            _write(warehouse, project_id, current, after_seq=state[0][1])
            return "updated"
        _write(warehouse, project_id, current, after_seq=None)
        return "rebuilt"


_combos_guard = threading.Lock()
_combos: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # warehouse → {project: {combination: id}}


def touch_combos(*, warehouse: Warehouse, project_id: int) -> dict[TouchCombo, int]:
    """Every touch combination of the project's order touches with its id. Ids never change and combinations
    are only added, so the process keeps them and reads only those above the highest id it knows."""
    with _combos_guard:
        known = dict(_combos.get(warehouse, {}).get(project_id, {}))
    rows = query_unchanged(warehouse, Sql(
        f"SELECT combo_id, {', '.join(TOUCH_COLUMNS)} FROM {warehouse.dialect.read(TOUCH_COMBOS.name)} "
        "WHERE project_id = {project} AND combo_id > {known}",
        {"project": project_id, "known": max(known.values(), default=0)}))
    if rows:
        known.update({TouchCombo(*attributes): combo_id for combo_id, *attributes in rows})
        with _combos_guard:
            _combos.setdefault(warehouse, {})[project_id] = known
    return known


def _checkpoint(fingerprint_text: str) -> int:
    return int(fingerprint_text.split("|", 1)[0].split("@")[1])


def _of_persons(column: str, after_seq: int | None) -> str:
    """Rows of every person, or of the persons that events after ``after_seq`` name (marker ``after``)."""
    if after_seq is None:
        return "1 = 1"
    return (f"{column} IN (SELECT DISTINCT v.person_id FROM events AS v WHERE v.project_id = {{project}} "
            "AND v.seq > {after} AND v.person_id IS NOT NULL)")


def _credited_rows(warehouse: Warehouse, *, after_seq: int | None) -> str:
    """SQL of the credited rows (text combinations) of the project's orders — all of them, or those of the
    persons with events after ``after_seq`` (markers ``project``, ``lookback``, ``after``)."""
    dialect = warehouse.dialect
    merged = merged_orders(dialect, event_where="e.project_id = {project}", shop_where="s.project_id = {project}")
    touches = f"t.project_id = {{project}} AND {_of_persons('t.person_id', after_seq)}"
    ctes = [
        f"""po AS (
            SELECT m.order_id AS order_id, m.person_id AS person_id, m.ordered_at AS ordered_at,
                   m.revenue AS revenue, m.currency AS currency,
                   CASE WHEN m.person_id IS NOT NULL AND row_number() OVER (
                       PARTITION BY m.person_id ORDER BY m.ordered_at, m.order_id) = 1 THEN 1 ELSE 0 END AS is_first
            FROM ({merged.text}) AS m
            WHERE {_of_persons('m.person_id', after_seq)}
        )""",
        f"touches AS (SELECT t.person_id AS person_id, t.seq AS seq, t.touched_at AS touched_at "
        f"FROM touchpoints AS t WHERE {touches})",
        f"touch_attributes AS (SELECT t.seq AS seq, {touch_columns('t')} FROM touchpoints AS t WHERE {touches})",
    ]
    context = CreditContext(dialect, "{lookback}")
    for model, column in CREDIT_COLUMNS.items():
        ctes.append(f"credit_{column} AS ({attribution_model(model).credited_sql(context)})")
    select = ["po.order_id AS order_id", "po.ordered_at AS ordered_at", "po.revenue AS revenue",
              "po.currency AS currency", "po.is_first AS is_first"]
    joins = []
    for column in CREDIT_COLUMNS.values():
        select += [f"{column}.{name} AS {column}_{name}" for name in TOUCH_COLUMNS]
        joins.append(f"INNER JOIN credit_{column} AS {column} ON {column}.order_id = po.order_id")
    return f"WITH {', '.join(ctes)} SELECT {', '.join(select)} FROM po {' '.join(joins)}"


def _combos_match(left: str, right: str) -> str:
    return " AND ".join(f"{left}.{name} = {right}.{name}" for name in TOUCH_COLUMNS)


def _combo_join(known: str, new: str, column: str) -> str:
    """The combination ids of the credited rows' ``column`` combination, among known and new ones."""
    columns = ", ".join(TOUCH_COLUMNS)
    on = " AND ".join(f"{column}.{name} = r.{column}_{name}" for name in TOUCH_COLUMNS)
    return (f"INNER JOIN (SELECT project_id, combo_id, {columns} FROM {known} AS k UNION ALL "
            f"SELECT project_id, combo_id, {columns} FROM {new}) AS {column} ON {on}")


def _write(warehouse: Warehouse, project_id: int, current: str, *, after_seq: int | None) -> None:
    dialect = warehouse.dialect
    values = {"project": project_id, "lookback": LOOKBACK_MICROS, "after": after_seq}
    token = f"{project_id}_{time.time_ns()}"
    rows, combos, final = (f"order_touches_{kind}_{token}" for kind in ("rows", "combos", "final"))
    scope, state = f"order_touches_scope_{token}", f"order_touches_state_{token}"
    known = f"(SELECT * FROM {dialect.read(TOUCH_COMBOS.name)} WHERE project_id = {{project}})"
    distinct = " UNION DISTINCT ".join(
        f"SELECT DISTINCT {', '.join(f'r.{c}_{n} AS {n}' for n in TOUCH_COLUMNS)} FROM {rows} AS r"
        for c in CREDIT_COLUMNS.values())
    statements = [
        (rows, _credited_rows(warehouse, after_seq=after_seq)),
        (combos, f"""SELECT {{project}} AS project_id,
                            (SELECT coalesce(max(k.combo_id), 0) FROM {known} AS k)
                            + row_number() OVER (ORDER BY {', '.join(f'n.{c}' for c in TOUCH_COLUMNS)}) AS combo_id,
                            {', '.join(f'n.{c} AS {c}' for c in TOUCH_COLUMNS)}
                     FROM ({distinct}) AS n
                     LEFT JOIN {known} AS k ON {_combos_match('k', 'n')}
                     WHERE k.combo_id IS NULL"""),
        (final, f"""SELECT {{project}} AS project_id, r.order_id AS order_id, r.ordered_at AS ordered_at,
                           r.revenue AS revenue, r.currency AS currency, r.is_first AS is_first,
                           {', '.join(f'{c}.combo_id AS {c}' for c in CREDIT_COLUMNS.values())}
                    FROM {rows} AS r
                    {' '.join(_combo_join(known, combos, c) for c in CREDIT_COLUMNS.values())}
                    ORDER BY r.ordered_at"""),
        (scope, "SELECT {project} AS project_id"),
        (state, "SELECT {project} AS project_id, {fingerprint} AS fingerprint, {checkpoint} AS checkpoint, "
                "{now} AS built_at"),
    ]
    values.update(fingerprint=current, checkpoint=_checkpoint(current), now=datetime.now(UTC).replace(tzinfo=None))
    version = time.time_ns()
    try:
        for name, text in statements:
            for statement in dialect.materialize(name, bound(text, values)):
                warehouse.execute(statement)
        if after_seq is None:
            replace = dialect.replace_scope(ORDER_TOUCHES, ORDER_TOUCHES.name, new_rows=final, scope=scope,
                                            scope_columns=("project_id",), version=version)
        else:
            replace = dialect.upsert(ORDER_TOUCHES, ORDER_TOUCHES.name, final, version=version)
        with warehouse.transaction():
            for statement in (*dialect.append(TOUCH_COMBOS, TOUCH_COMBOS.name, combos, version=version), *replace,
                              *dialect.upsert(ORDER_TOUCHES_STATE, ORDER_TOUCHES_STATE.name, state, version=version)):
                warehouse.execute(statement)
    finally:
        for name, _ in statements:
            for statement in dialect.drop_table(name):
                warehouse.execute(statement)

