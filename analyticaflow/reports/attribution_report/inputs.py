"""From the warehouse's columns to the engine's inputs, with numpy and Arrow (no loop over rows in Python).

- Persons become integer keys (dictionary encoding of both person columns): the engine sorts integers far
  faster than id strings. A conversion without a person gets a key of its own, so it has no touchpoints.
- Conversion values are converted into the reporting currency with the rate of their local day; conversions
  in a currency without a rate are left out and named in a ``missing_exchange_rate`` warning (the KPI report
  does the same for orders).
- Touchpoints of persons who did not convert in the period but converted earlier keep only what follows that
  earlier conversion: the engine sees the period's conversions only, and a non-converting path starts after a
  person's last conversion.
- Each distinct touch combination (source, medium, campaign, channel, click id) gets a code; the engine carries
  the code as the touchpoint's campaign label, so its per-campaign credit is credit per combination, which the
  report then sums into any grouping. A conversion without touchpoints is credited to ``direct`` under a
  synthetic combination of its own (with a won deal's UTM campaign), never shared with real touchpoints.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analyticaflow.attribution import DIRECT, ConversionColumns, JourneySet, TouchpointColumns
from analyticaflow.attribution.contracts import epoch_us
from analyticaflow.reports.attribution_report.sources import DEAL, ORDER, Window
from analyticaflow.reports.currency import RateBook, Uncovered, missing_rate_warnings, plan_conversion
from analyticaflow.reports.touches import TouchCombo

COMBO_COLUMNS = ("t_source", "t_medium", "t_campaign", "t_channel", "t_click", "t_referrer")
_EPOCH_DAY = date(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class ConversionSummary:
    conversions: int
    value: float
    orders: int
    deals: int
    without_person: int


@dataclass(frozen=True)
class EngineInputs:
    touchpoints: TouchpointColumns
    conversions: ConversionColumns
    combos: tuple[TouchCombo, ...]  # code → combination; the engine's campaign label is str(code)
    referrers: tuple[str, ...]  # code → the referring site of a direct visit from another site ('' for none)
    synthetic: np.ndarray  # per combination code: True for the "no touchpoint" combinations
    conversion_ids: np.ndarray  # the engine's conversion i is the order or deal conversion_ids[i]
    left_out_ids: np.ndarray  # conversions of the period left out for want of an exchange rate
    summary: ConversionSummary
    warnings: list[dict]

    def combo_code(self, label: str | None) -> int:
        return int(label) if label else -1

    def without_touchpoints(self, journeys: JourneySet) -> int:
        """How many conversions had no touchpoint in their window (their journey is the synthetic one)."""
        if journeys.n_conversions == 0:
            return 0
        first_pairs = journeys.touch_pair[journeys.offsets[:-1]]
        labels = np.array([self.combo_code(campaign) for _, campaign in journeys.pairs], dtype=np.int64)
        return int(self.synthetic[labels[first_pairs]].sum())


def _column(table: pa.Table, name: str) -> np.ndarray:
    return table.column(name).to_numpy(zero_copy_only=False)


def _encode(*columns: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Integer codes of the values of several text columns together (shared dictionary), and the dictionary."""
    chunks = [chunk.cast(pa.string()) for column in columns for chunk in column.chunks]
    joined = pa.chunked_array(chunks, type=pa.string()).combine_chunks()
    if len(joined) == 0:
        return np.zeros(0, dtype=np.int64), pa.array([], pa.string())
    encoded = pc.dictionary_encode(joined)
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), encoded.dictionary


def _convert_values(conversions: pa.Table, attributed: np.ndarray, rates: RateBook) -> tuple[np.ndarray, np.ndarray,
                                                                                             list[dict]]:
    """Values in the reporting currency, which attributed conversions can be kept, and the rate warnings."""
    values = _column(conversions, "value").astype(np.float64)
    keep = attributed.copy()
    currency = conversions.column("currency").cast(pa.string())
    domestic = pc.equal(pc.fill_null(currency, rates.reporting), rates.reporting).to_numpy(zero_copy_only=False)
    foreign = attributed & ~domestic
    if not foreign.any():
        return values, keep, []
    currency_codes, dictionary = _encode(currency)
    currencies = dictionary.to_pylist()
    days = conversions.column("day").cast(pa.date32()).cast(pa.int32()).to_numpy(zero_copy_only=False)
    keys = currency_codes.astype(np.int64) * 10_000_000 + days.astype(np.int64)
    distinct, inverse = np.unique(keys[foreign], return_inverse=True)
    rows = np.bincount(inverse, minlength=len(distinct))
    amounts = np.bincount(inverse, weights=values[foreign], minlength=len(distinct))
    pending = [Uncovered(currencies[int(key // 10_000_000)], _EPOCH_DAY + timedelta(days=int(key % 10_000_000)),
                         int(count), float(amount)) for key, count, amount in zip(distinct, rows, amounts, strict=True)]
    plan = plan_conversion(rates, pending)
    rate_of = {(currency, day): rate for currency, day, rate in plan.rates}
    factor = np.array([rate_of.get((item.currency, item.day), np.nan) for item in pending])
    foreign_values = values[foreign] * factor[inverse]
    values[foreign] = foreign_values
    keep[np.flatnonzero(foreign)[np.isnan(foreign_values)]] = False
    warnings = missing_rate_warnings(plan.missing, reporting=rates.reporting, data="conversion",
                                     left_out="the attributed conversions", period="current")
    return values, keep, warnings


def _touch_combos(touchpoints: pa.Table) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Per touchpoint its combination code, and the distinct combinations (values of ``COMBO_COLUMNS``)."""
    if touchpoints.num_rows == 0:
        return np.zeros(0, dtype=np.int64), []
    codes, dictionaries = [], []
    for name in COMBO_COLUMNS:
        column_codes, dictionary = _encode(touchpoints.column(name))
        codes.append(column_codes)
        dictionaries.append(dictionary.to_pylist())
    sizes = [max(len(d), 1) for d in dictionaries]
    if float(np.prod(np.array(sizes, dtype=np.float64))) < 2.0 ** 62:
        key = np.zeros(touchpoints.num_rows, dtype=np.int64)
        for column_codes, size in zip(codes, sizes, strict=True):
            key = key * size + column_codes
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    else:  # too many distinct values to pack into one integer: group the code rows
        _, first, inverse = np.unique(np.stack(codes, axis=1), axis=0, return_index=True, return_inverse=True)
    combos = [tuple(dictionaries[i][codes[i][row]] for i in range(len(COMBO_COLUMNS))) for row in first]
    return inverse.reshape(-1).astype(np.int64), combos


def engine_inputs(*, conversions: pa.Table, touchpoints: pa.Table, window: Window, rates: RateBook) -> EngineInputs:
    """The engine's columns for one report (see the module docstring)."""
    c_time = _column(conversions, "time_us").astype(np.int64)
    attributed = c_time >= epoch_us(window.start)
    values, keep, warnings = _convert_values(conversions, attributed, rates)

    person_codes, persons = _encode(conversions.column("person_id"), touchpoints.column("person_id"))
    n_conv = conversions.num_rows
    c_person, t_person = person_codes[:n_conv], person_codes[n_conv:]
    nobody = pc.equal(persons, "").to_numpy(zero_copy_only=False).astype(bool)
    anonymous = nobody[c_person] if n_conv else np.zeros(0, dtype=bool)
    c_person = c_person.copy()
    c_person[anonymous] = len(persons) + np.arange(int(anonymous.sum()))
    n_persons = len(persons) + int(anonymous.sum())

    # The engine sees the kept conversions only. A touchpoint is of use to it when a kept conversion's journey
    # may hold it (not after the person's last kept conversion) or when it follows every conversion the engine
    # does not see (earlier ones, and those left out for want of an exchange rate): a non-converting path.
    t_time = _column(touchpoints, "time_us").astype(np.int64)
    lowest = np.iinfo(np.int64).min
    last_kept = np.full(n_persons, lowest, dtype=np.int64)
    last_unseen = np.full(n_persons, lowest, dtype=np.int64)
    np.maximum.at(last_kept, c_person[keep], c_time[keep])
    np.maximum.at(last_unseen, c_person[~keep], c_time[~keep])
    usable = (t_time <= last_kept[t_person]) | (t_time > last_unseen[t_person])

    touch_combo, distinct = _touch_combos(touchpoints)
    combos = [TouchCombo(*fields[:5]) for fields in distinct]
    referrers = [fields[5] for fields in distinct]
    n_real = len(combos)
    kept = np.flatnonzero(keep)
    campaigns = _column(conversions, "campaign")[kept]
    synthetic_codes: dict[str, int] = {}
    for campaign in campaigns.tolist():
        if campaign not in synthetic_codes:
            synthetic_codes[campaign] = len(combos)
            combos.append(TouchCombo(campaign=campaign or "", channel=DIRECT))
            referrers.append("")
    labels = np.array([str(code) for code in range(len(combos))] or [""], dtype=str)
    channels = np.array([combo.channel or DIRECT for combo in combos] or [DIRECT], dtype=str)
    synthetic = np.arange(len(combos)) >= n_real

    chosen = np.flatnonzero(usable)
    touch = TouchpointColumns(
        id=_column(touchpoints, "seq").astype(np.int64)[chosen],
        person=t_person[chosen],
        time_us=t_time[chosen],
        channel=channels[touch_combo[chosen]],
        campaign=labels[touch_combo[chosen]],
    )
    conversion_labels = np.array([synthetic_codes[campaign] for campaign in campaigns.tolist()], dtype=np.int64)
    conversion = ConversionColumns(
        id=np.arange(len(kept), dtype=np.int64),
        person=c_person[kept],
        time_us=c_time[kept],
        value=values[kept],
        campaign=labels[conversion_labels] if len(kept) else np.zeros(0, dtype=str),
    )
    kinds = _column(conversions, "kind")[kept]
    summary = ConversionSummary(
        conversions=len(kept),
        value=float(values[kept].sum()),
        orders=int((kinds == ORDER).sum()),
        deals=int((kinds == DEAL).sum()),
        without_person=int(anonymous[kept].sum()),
    )
    ids = _column(conversions, "conversion_id")
    return EngineInputs(touch, conversion, tuple(combos), tuple(referrers), synthetic, ids[kept],
                        ids[attributed & ~keep], summary, warnings)
