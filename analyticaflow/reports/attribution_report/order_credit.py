"""The engine's models in the KPI and time-series reports: per order, the share each touch combination gets.

The KPI report credits orders in SQL (``reports.attribution``): a model yields rows ``(order_id, touch
combination, weight, value_weight)`` that the orders fact joins to the period's orders, so every grouping,
bucket, currency conversion and new-customer count works the same for every model. For the engine's models this
module computes those rows in Python and the report stages them.

Per-order shares come from the engine itself: the journeys' (channel, campaign) pairs are relabeled so that
each pair is one (order, touch combination); the engine's credit per pair is then credit per order and
combination. The model's credit arrays are read straight from the engine's registry: a result object per
(order, combination) would cost more than everything else.

- Touchpoint models (first, last, last non-direct, linear, time decay, position based) and Shapley (whose
  exact value is an equal split over each journey's distinct channels) give each order shares that sum to 1;
  ``value_weight`` equals ``weight``. Last and first touch give exactly what the SQL models give.
- Markov credits channels as a whole: the engine splits a channel's conversions over its touchpoints on
  converting journeys, and its value over them weighted by each conversion's value. Order o's ``weight`` for a
  combination is its share of conversions, ``value_weight`` its share of value per unit of the order's value;
  summed over the orders, every channel gets exactly its Markov conversions and value. Credit of a channel seen
  only on non-converting paths has no order of its own: it is spread over all orders evenly (conversions) and
  by value (value).

Orders are the KPI report's orders (events and shop orders merged; CRM deals are not orders there), in the
reporting currency by the project's rates. An order without a rate is left out of the journeys and gets one
placeholder row (no touch, weight 1): the report's currency step leaves it out of every sum and names it in its
``missing_exchange_rate`` warning, as it does for the SQL models.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np

from analyticaflow.attribution import DEFAULT_LOOKBACK, AttributionOptions, JourneySet, journeys_from_columns
from analyticaflow.attribution.contracts import epoch_us
from analyticaflow.attribution.registry import model_named
from analyticaflow.reports.attribution_report.inputs import EngineInputs, engine_inputs
from analyticaflow.reports.attribution_report.sources import Window, conversions_sql, touchpoints_sql
from analyticaflow.reports.currency import RateBook
from analyticaflow.reports.periods import Period
from analyticaflow.warehouse.backends import Warehouse
from analyticaflow.warehouse.sql import ident

CREDIT_COLUMNS = ("order_id", "t_source", "t_medium", "t_campaign", "t_channel", "t_click", "weight", "value_weight")


def credited_from_stage(ctx) -> str:
    """The KPI report's ``credited`` relation of an engine model: its staged rows (``ctx`` is the report's
    ``CreditContext``, whose ``stage`` names them)."""
    return f"SELECT {', '.join(f's.{name} AS {name}' for name in CREDIT_COLUMNS)} FROM {ident(ctx.stage)} AS s"


def _per_order_pairs(journeys: JourneySet, inputs: EngineInputs) -> tuple[JourneySet, np.ndarray, np.ndarray]:
    """The journeys with one pair per (conversion, combination); for every new pair its conversion (or
    ``n_conversions`` for touchpoints on non-converting paths only) and its combination code."""
    n_conv, n_combos = journeys.n_conversions, max(len(inputs.combos), 1)
    combo_of_pair = np.array([inputs.combo_code(campaign) for _, campaign in journeys.pairs] or [0], dtype=np.int64)
    touch_keys = journeys.touch_conversion * n_combos + combo_of_pair[journeys.touch_pair]
    null_keys = n_conv * n_combos + combo_of_pair[journeys.null_pair]
    channels = np.concatenate([journeys.touch_channel, journeys.null_channel])
    keys, first, inverse = np.unique(np.concatenate([touch_keys, null_keys]), return_index=True,
                                     return_inverse=True)
    inverse = inverse.reshape(-1)
    names = journeys.channels
    pairs = tuple((names[channel], None) for channel in channels[first].tolist())
    n_touch = len(touch_keys)
    relabeled = replace(journeys, pairs=pairs, touch_pair=inverse[:n_touch].astype(np.int64),
                        null_pair=inverse[n_touch:].astype(np.int64))
    return relabeled, keys // n_combos, keys % n_combos


def order_credit(*, warehouse: Warehouse, project_id: int, currency: str, period: Period, rates: RateBook,
                 model: str, lookback: timedelta = DEFAULT_LOOKBACK) -> dict[str, np.ndarray]:
    """The credit rows (``CREDIT_COLUMNS``) of ``model`` for the orders of ``period``. An order without
    touchpoints in its window gets one row with an empty combination (reported as direct)."""
    window = Window(period, lookback)
    dialect = warehouse.dialect
    conversions = warehouse.query_arrow(conversions_sql(dialect, project_id=project_id, currency=currency,
                                                        window=window, deals=False))
    touchpoints = warehouse.query_arrow(touchpoints_sql(dialect, project_id=project_id, currency=currency,
                                                        window=window, deals=False))
    inputs = engine_inputs(conversions=conversions, touchpoints=touchpoints, window=window, rates=rates)
    journeys = journeys_from_columns(touchpoints=inputs.touchpoints, conversions=inputs.conversions,
                                     lookback=window.lookback, data_end_us=epoch_us(window.data_end))
    # No exchange rate: the engine leaves the order out; one placeholder row (no touch, weight 1) lets the report
    # leave it out of its sums and name it in its warning, as for every other model.
    left_out = inputs.left_out_ids.astype(str)
    parts = [_rows(left_out, np.zeros(len(left_out), dtype=np.int64), np.ones(len(left_out)),
                   np.ones(len(left_out)), inputs, placeholder=True)]
    if journeys.n_conversions:
        parts.append(_credited_rows(journeys, inputs, model))
    return {name: np.concatenate([part[name] for part in parts]) for name in CREDIT_COLUMNS}


def _credited_rows(journeys: JourneySet, inputs: EngineInputs, model: str) -> dict[str, np.ndarray]:
    relabeled, pair_conversion, pair_combo = _per_order_pairs(journeys, inputs)
    # The engine's credit as arrays per pair (its registry), not one result object per (order, combination).
    credit = model_named(model)(relabeled, AttributionOptions())
    conversions, value = credit.pair_conversions, credit.pair_value
    n_conv = journeys.n_conversions
    values = journeys.conversion_value
    credited = (conversions != 0) | (value != 0)
    own = credited & (pair_conversion < n_conv)
    order = pair_conversion[own]
    order_value = values[order]
    value_weight = np.divide(value[own], order_value, out=conversions[own].copy(), where=order_value > 0)
    parts = [_rows(inputs.conversion_ids[order].astype(str), pair_combo[own], conversions[own], value_weight,
                   inputs)]
    # A channel only on non-converting paths (Markov) has no order of its own: spread over every order.
    spread = np.flatnonzero(credited & (pair_conversion >= n_conv))
    if len(spread):
        total_value = float(values.sum())
        every = np.tile(np.arange(n_conv), len(spread))
        shares = np.repeat(value[spread] / total_value if total_value else np.zeros(len(spread)), n_conv)
        parts.append(_rows(inputs.conversion_ids[every].astype(str), np.repeat(pair_combo[spread], n_conv),
                           np.repeat(conversions[spread] / n_conv, n_conv), shares, inputs))
    return {name: np.concatenate([part[name] for part in parts]) for name in CREDIT_COLUMNS}


def _rows(order_ids: np.ndarray, combos: np.ndarray, weight: np.ndarray, value_weight: np.ndarray,
          inputs: EngineInputs, *, placeholder: bool = False) -> dict[str, np.ndarray]:
    """Credit rows; a synthetic (no touchpoint) combination, or a placeholder, has every touch column empty."""
    columns: dict[str, np.ndarray] = {"order_id": order_ids.astype(object)}
    empty = np.ones(len(combos), dtype=bool) if placeholder or not len(inputs.combos) else inputs.synthetic[combos]
    for column, field in zip(CREDIT_COLUMNS[1:6], ("source", "medium", "campaign", "channel", "click"), strict=True):
        table = np.array([getattr(combo, field) for combo in inputs.combos] or [""], dtype=object)
        columns[column] = np.where(empty, "", table[np.minimum(combos, len(table) - 1)]).astype(object)
    columns["weight"] = np.asarray(weight, dtype=np.float64)
    columns["value_weight"] = np.asarray(value_weight, dtype=np.float64)
    return columns
