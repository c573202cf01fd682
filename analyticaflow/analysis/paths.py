"""Top paths: the sequences of touchpoint channels (or channel groups) that lead to conversions.

The journeys are the attribution report's, read by its own steps (``reports.attribution_report``): each of the
period's conversions (orders and won CRM deals, deduplicated) has the path of its person's touchpoints within the
lookback window before it (``direct`` when there is none); each person has at most one non-converting path, the
touchpoints after their last conversion within the last lookback window of the data. A path's conversion rate
is its conversions / (its conversions + its non-converting paths).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analyticaflow.analysis.acquisition import Acquisition
from analyticaflow.attribution import JourneySet, journeys_from_columns
from analyticaflow.attribution.contracts import epoch_us
from analyticaflow.channelgroups.rules import ChannelGrouping
from analyticaflow.reports.attribution_report.inputs import EngineInputs, engine_inputs
from analyticaflow.reports.attribution_report.query import AttributionQuery
from analyticaflow.reports.attribution_report.rows import combo_keys
from analyticaflow.reports.attribution_report.runner import read_inputs
from analyticaflow.reports.attribution_report.sources import Window, conversions_sql, touchpoints_sql
from analyticaflow.reports.currency import RateBook
from analyticaflow.reports.periods import Period
from analyticaflow.reports.sqlparts import Params
from analyticaflow.reports.touches import campaign_catalog
from analyticaflow.warehouse.backends import Warehouse

PATH_GROUPINGS = ("channel", "channel_group")


@dataclass(frozen=True, slots=True)
class PathsQuery:
    project_id: int
    timezone: str
    currency: str
    period: Period
    lookback_days: int = 30
    by: str = "channel"
    limit: int = 20
    collapse_repeats: bool = False  # google, google, email → google, email
    acquired: Acquisition | None = None  # only the journeys of persons acquired through this ad account


@dataclass(frozen=True, slots=True)
class PathRow:
    path: tuple[str, ...]
    conversions: int
    value: float
    non_converting: int

    @property
    def conversion_rate(self) -> float | None:
        seen = self.conversions + self.non_converting
        return self.conversions / seen if seen else None


@dataclass(frozen=True, slots=True)
class PathsResult:
    paths: tuple[PathRow, ...]
    distinct_paths: int
    conversions: int
    value: float
    non_converting: int
    warnings: list[dict] = field(default_factory=list)


def _segments(offsets: np.ndarray, codes: np.ndarray, names: list[str], collapse: bool) -> list[tuple[str, ...]]:
    paths = []
    for start, end in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True):
        steps = [names[code] for code in codes[start:end].tolist()]
        if collapse:
            steps = [step for i, step in enumerate(steps) if i == 0 or step != steps[i - 1]]
        paths.append(tuple(steps))
    return paths


def _element_names(journeys: JourneySet, query: PathsQuery, keys: list | None) -> tuple[list[str], np.ndarray,
                                                                                      np.ndarray]:
    """Names of the path elements and, per converting and non-converting touch, its element code."""
    if query.by == "channel":
        return list(journeys.channels), journeys.touch_channel, journeys.null_channel
    # The engine's campaign label of a pair is the touch-combination code; its key is (channel group,).
    names = sorted({key[0] for key in keys if key is not None} | {"direct"})
    code_of_pair = np.array([names.index(keys[int(campaign)][0]) if campaign and keys[int(campaign)] else
                             names.index("direct") for _, campaign in journeys.pairs] or [0], dtype=np.int64)
    return names, code_of_pair[journeys.touch_pair], code_of_pair[journeys.null_pair]


def _read_inputs(warehouse: Warehouse, attribution: AttributionQuery, rates: RateBook,
                 acquired: Acquisition | None) -> tuple[Window, EngineInputs]:
    """The attribution report's inputs, only the acquired persons' conversions and touchpoints when filtered."""
    if acquired is None:
        return read_inputs(warehouse=warehouse, query=attribution, rates=rates)
    dialect, window = warehouse.dialect, Window(attribution.period, attribution.lookback)
    params = Params()
    text = acquired.persons_sql(dialect, params, project_marker=params.add(attribution.project_id, "p"))
    persons = pa.array([str(row[0]) for row in warehouse.query(params.sql(text))], type=pa.string())

    def only(table: pa.Table) -> pa.Table:
        column = table.column("person_id")
        return table.filter(pc.is_in(column.cast(pa.string()), value_set=persons))

    source = {"project_id": attribution.project_id, "currency": attribution.currency, "window": window}
    return window, engine_inputs(conversions=only(warehouse.query_arrow(conversions_sql(dialect, **source))),
                                 touchpoints=only(warehouse.query_arrow(touchpoints_sql(dialect, **source))),
                                 window=window, rates=rates)


def paths_run(*, warehouse: Warehouse, query: PathsQuery, rates: RateBook, grouping: ChannelGrouping) -> PathsResult:
    attribution = AttributionQuery(project_id=query.project_id, timezone=query.timezone, currency=query.currency,
                                   period=query.period, models=("last_touch",), lookback_days=query.lookback_days,
                                   group_by="channel_group")
    window, inputs = _read_inputs(warehouse, attribution, rates, query.acquired)
    journeys = journeys_from_columns(touchpoints=inputs.touchpoints, conversions=inputs.conversions,
                                     lookback=window.lookback, data_end_us=epoch_us(window.data_end))
    keys = None
    if query.by == "channel_group":
        catalog = campaign_catalog(warehouse=warehouse, project_id=query.project_id)
        keys = combo_keys(inputs.combos, inputs.referrers, query=attribution, catalog=catalog, grouping=grouping)
    names, touch_codes, null_codes = _element_names(journeys, query, keys)
    converting = _segments(journeys.offsets, touch_codes, names, query.collapse_repeats)
    conversions: Counter = Counter(converting)
    value: dict[tuple[str, ...], float] = defaultdict(float)
    for path, amount in zip(converting, journeys.conversion_value.tolist(), strict=True):
        value[path] += amount
    non_converting = Counter(_segments(journeys.null_offsets, null_codes, names, query.collapse_repeats))
    every = set(conversions) | set(non_converting)
    rows = sorted((PathRow(path, conversions[path], round(value[path], 6), non_converting[path]) for path in every),
                  key=lambda r: (-r.conversions, -r.value, -r.non_converting, r.path))
    return PathsResult(paths=tuple(rows[:query.limit]), distinct_paths=len(every),
                       conversions=sum(conversions.values()), value=round(float(journeys.conversion_value.sum()), 6),
                       non_converting=sum(non_converting.values()), warnings=list(inputs.warnings))
