"""Crediting orders to touchpoints: the attribution models a report can use, set-based in SQL.

A model turns the period's orders (CTE ``po``: order_id, person_id, ordered_at), the candidate touchpoints
(CTE ``touches``: person_id, seq, touched_at) and their attributes (CTE ``touch_attributes``: seq, t_source,
t_medium, t_campaign, t_channel, t_click) into the CTE ``credited``: one or more rows per order with
``weight`` (summing to 1 per order) and the credited touch's attributes — all ``''`` for an order with no
touchpoint in the window (reported as ``direct``). Orders, revenue and new customers of a group are the
weighted sums over its credited rows.

Models are registered by name; an unknown name is a 400 listing the available ones. The fractional models
of ``analyticaflow.attribution`` (linear, time decay, Markov, Shapley...) plug in by registering a model
whose ``credited_sql`` selects from a staged relation of (order_id, weight, value_weight, touch attributes)
computed by that engine (``stage``: ``reports.attribution_report.order_credit``) — the report pipeline is the
same from ``credited`` on. ``value_weight`` is the order's share of value per unit of its revenue: equal to
``weight`` except for Markov, which credits conversions and value separately.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from analyticaflow.attribution import DEFAULT_LOOKBACK, model_names
from analyticaflow.errors import InvalidInput
from analyticaflow.reports.attribution_report.catalog import MODEL_TEXT
from analyticaflow.reports.attribution_report.order_credit import credited_from_stage, order_credit
from analyticaflow.warehouse.dialects import Dialect

LOOKBACK: timedelta = DEFAULT_LOOKBACK  # 30 days before the order, the order's own instant included
LOOKBACK_MICROS = LOOKBACK // timedelta(microseconds=1)
TOUCH_COLUMNS = ("t_source", "t_medium", "t_campaign", "t_channel", "t_click")


@dataclass(frozen=True, slots=True)
class CreditContext:
    dialect: Dialect
    lookback_marker: str  # a bound-parameter marker holding LOOKBACK_MICROS
    stage: str | None = None  # the relation ``AttributionModel.stage`` rows were staged as


@dataclass(frozen=True, slots=True)
class AttributionModel:
    name: str
    description: str
    credited_sql: Callable[[CreditContext], str]
    stage: Callable[..., dict[str, list]] | None = None  # computes the credit rows outside SQL (engine models)


def _window_touch(latest: bool) -> Callable[[CreditContext], str]:
    """The single touchpoint of the person in the window before the order: the last or the first one (ties at
    one instant: the later or earlier in the log). Chosen on numbers only (instant, then ``seq``, unique in a
    project); the chosen touch's text attributes are joined last, for the chosen rows only."""
    pick = "max" if latest else "min"

    def credited(ctx: CreditContext) -> str:
        epoch = ctx.dialect.epoch_micros
        return f"""
            WITH candidates AS (
                SELECT po.order_id AS order_id, t.seq AS seq, t.touched_at AS touched_at
                FROM po INNER JOIN touches AS t ON t.person_id = po.person_id
                WHERE t.touched_at <= po.ordered_at
                  AND {epoch("t.touched_at")} >= {epoch("po.ordered_at")} - {ctx.lookback_marker}
            )
            SELECT po.order_id AS order_id, 1.0 AS weight, 1.0 AS value_weight,
                   {", ".join(f"coalesce(a.{name}, '') AS {name}" for name in TOUCH_COLUMNS)}
            FROM po
            LEFT JOIN (
                SELECT c.order_id AS order_id, {pick}(c.seq) AS seq
                FROM candidates AS c
                INNER JOIN (
                    SELECT order_id, {pick}(touched_at) AS touched_at FROM candidates GROUP BY order_id
                ) AS w ON w.order_id = c.order_id AND w.touched_at = c.touched_at
                GROUP BY c.order_id
            ) AS k ON k.order_id = po.order_id
            LEFT JOIN touch_attributes AS a ON a.seq = k.seq
        """

    return credited


MODELS: dict[str, AttributionModel] = {
    m.name: m
    for m in (
        AttributionModel("last_touch", "The person's last touchpoint within 30 days before the order; none → "
                         "direct.", _window_touch(latest=True)),
        AttributionModel("first_touch", "The person's first touchpoint within 30 days before the order; none → "
                         "direct.", _window_touch(latest=False)),
    )
}


# Every other model of the attribution engine, computed per order in Python and staged for the SQL.
MODELS.update({
    name: AttributionModel(name, MODEL_TEXT[name][1], credited_from_stage, stage=partial(order_credit, model=name))
    for name in model_names() if name not in MODELS
})
DEFAULT_MODEL = "last_touch"


def attribution_model(name: str) -> AttributionModel:
    try:
        return MODELS[name]
    except KeyError:
        raise InvalidInput(
            f"Unknown attribution model {name!r}; available: {', '.join(MODELS)}.",
            fields={"attribution_model": [f"must be one of: {', '.join(MODELS)}"]},
        ) from None
