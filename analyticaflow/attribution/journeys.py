"""From touchpoint and conversion rows to the journeys every model reads.

Definitions (issue "Attribution"):
- a conversion's journey is its person's touchpoints with ``conversion_time - lookback <= t <= conversion_time``
  (both ends inclusive), ordered by time and then touchpoint id; a conversion with none gets one synthetic
  ``direct`` touchpoint (campaign: the conversion's own campaign, if any);
- a non-converting path is, per person, the touchpoints strictly after the person's last conversion that fall
  in the last lookback window of the data, ``data_end - lookback <= t <= data_end``; a person with no such
  touchpoint has no non-converting path. Conversions after ``data_end`` are ignored for this.

``build_journeys`` takes typed rows; ``journeys_from_columns`` takes the same data as columns (what a
warehouse query returns) and does all the work with numpy sorts and searches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

import numpy as np

from analyticaflow.attribution.contracts import (
    DEFAULT_LOOKBACK,
    DIRECT,
    MICROSECONDS_PER_DAY,
    Conversion,
    Touchpoint,
    epoch_us,
    lookback_us,
)
from analyticaflow.attribution.segments import gather, offsets_from_lengths, positions, segment_ids
from analyticaflow.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class TouchpointColumns:
    """Touchpoints as equal-length columns (numpy arrays or sequences, e.g. what a warehouse query fetches).
    Text columns become numpy strings; a missing campaign is None or ""."""

    id: np.ndarray
    person: np.ndarray
    time_us: np.ndarray
    channel: np.ndarray
    campaign: np.ndarray

    def __post_init__(self) -> None:
        _normalize(self, "touchpoints", keys=("id", "person"), strings=("channel", "campaign"),
                   numbers={"time_us": np.int64})

    @classmethod
    def from_rows(cls, rows: Iterable[Touchpoint]) -> TouchpointColumns:
        rows = list(rows)
        return cls(id=[row.id for row in rows], person=[row.person for row in rows],
                   time_us=[epoch_us(row.time) for row in rows], channel=[row.channel for row in rows],
                   campaign=[row.campaign for row in rows])


@dataclass(frozen=True, slots=True)
class ConversionColumns:
    """Conversions as equal-length columns; ``campaign`` as in ``TouchpointColumns``."""

    id: np.ndarray
    person: np.ndarray
    time_us: np.ndarray
    value: np.ndarray
    campaign: np.ndarray

    def __post_init__(self) -> None:
        _normalize(self, "conversions", keys=("id", "person"), strings=("campaign",),
                   numbers={"time_us": np.int64, "value": np.float64})

    @classmethod
    def from_rows(cls, rows: Iterable[Conversion]) -> ConversionColumns:
        rows = list(rows)
        for index, row in enumerate(rows):
            if isinstance(row.value, bool) or not isinstance(row.value, int | float):
                raise InvalidInput("Every conversion value must be a number.",
                                   fields={f"conversions[{index}].value": ["must be a finite number of 0 or more"]})
        return cls(id=[row.id for row in rows], person=[row.person for row in rows],
                   time_us=[epoch_us(row.time) for row in rows], value=[float(row.value) for row in rows],
                   campaign=[row.campaign for row in rows])


@dataclass(frozen=True)
class JourneySet:
    """Encoded journeys: conversion i's touchpoints are ``offsets[i]:offsets[i + 1]`` of the ``touch_*`` arrays
    (never empty), non-converting path j is ``null_offsets[j]:null_offsets[j + 1]`` of the ``null_*`` arrays.
    Channels and (channel, campaign) pairs are codes into ``channels`` and ``pairs``."""

    channels: tuple[str, ...]
    pairs: tuple[tuple[str, str | None], ...]
    conversion_ids: np.ndarray
    conversion_value: np.ndarray
    offsets: np.ndarray
    touch_channel: np.ndarray
    touch_pair: np.ndarray
    touch_age_days: np.ndarray
    null_offsets: np.ndarray
    null_channel: np.ndarray
    null_pair: np.ndarray

    @property
    def n_conversions(self) -> int:
        return len(self.offsets) - 1

    @property
    def n_channels(self) -> int:
        return len(self.channels)

    @property
    def n_pairs(self) -> int:
        return len(self.pairs)

    @property
    def total_value(self) -> float:
        return float(self.conversion_value.sum())

    @cached_property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    @cached_property
    def touch_conversion(self) -> np.ndarray:
        return segment_ids(self.offsets)

    @cached_property
    def touch_position(self) -> np.ndarray:
        return positions(self.offsets)

    @cached_property
    def direct_code(self) -> int:
        return self.channels.index(DIRECT) if DIRECT in self.channels else -1

    def journey(self, conversion_id: str) -> list[tuple[str, str | None]]:
        """The (channel, campaign) sequence of one conversion, for explanations and tests."""
        (index,) = np.flatnonzero(self.conversion_ids == conversion_id)
        return [self.pairs[code] for code in self.touch_pair[self.offsets[index]:self.offsets[index + 1]]]

    def null_paths(self) -> list[list[str]]:
        return [[self.channels[code] for code in self.null_channel[self.null_offsets[j]:self.null_offsets[j + 1]]]
                for j in range(len(self.null_offsets) - 1)]


def build_journeys(*, touchpoints: Iterable[Touchpoint], conversions: Iterable[Conversion],
                   lookback: timedelta = DEFAULT_LOOKBACK, data_end: datetime | None = None) -> JourneySet:
    """Journeys of every conversion and the non-converting paths, from typed rows.

    ``data_end`` is the end of the data (the report range's end); by default the latest touchpoint or
    conversion time. Pass every conversion from ``data_end - lookback`` on, so "last conversion" is known.
    """
    return journeys_from_columns(
        touchpoints=TouchpointColumns.from_rows(touchpoints),
        conversions=ConversionColumns.from_rows(conversions),
        lookback=lookback,
        data_end_us=None if data_end is None else epoch_us(data_end),
    )


def journeys_from_columns(*, touchpoints: TouchpointColumns, conversions: ConversionColumns,
                          lookback: timedelta = DEFAULT_LOOKBACK, data_end_us: int | None = None) -> JourneySet:
    """``build_journeys`` over columns: one sort of the touchpoints, then binary searches per conversion."""
    window = lookback_us(lookback)
    _check_touchpoints(touchpoints)
    _check_conversions(conversions)
    t_person, t_time = touchpoints.person, touchpoints.time_us.astype(np.int64)
    c_person, c_time = conversions.person, conversions.time_us.astype(np.int64)
    if data_end_us is None:
        every_time = np.concatenate([t_time, c_time])
        data_end_us = int(every_time.max()) if len(every_time) else 0

    if t_person.dtype.kind != c_person.dtype.kind:  # integer ids on one side, text on the other: compare as text
        t_person, c_person = t_person.astype(str), c_person.astype(str)
    persons, person_code = np.unique(np.concatenate([t_person, c_person]), return_inverse=True)
    tp_person, cv_person = person_code[:len(t_person)], person_code[len(t_person):]

    # Rank every instant that matters so (person, instant) packs into one sortable int64 key.
    instants, instant_rank = np.unique(np.concatenate([t_time, c_time - window, c_time]), return_inverse=True)
    n_instants = len(instants) + 1
    n_t, n_c = len(t_time), len(c_time)
    touch_key = tp_person * n_instants + instant_rank[:n_t]
    order = _journey_order(touch_key, touchpoints.id)
    touch_key = touch_key[order]
    lo = np.searchsorted(touch_key, cv_person * n_instants + instant_rank[n_t:n_t + n_c], side="left")
    hi = np.searchsorted(touch_key, cv_person * n_instants + instant_rank[n_t + n_c:], side="right")

    found = hi - lo
    lengths = np.maximum(found, 1)
    synthetic = np.repeat(found == 0, lengths)
    conv_of_touch = np.repeat(np.arange(n_c), lengths)
    # A conversion without touchpoints points at a real row here only to keep indices in range; the
    # synthetic mask replaces everything taken from it.
    source = order[np.minimum(gather(lo, lengths), n_t - 1)] if n_t else np.zeros(len(synthetic), dtype=np.int64)

    def touch_column(column: np.ndarray, synthetic_value: np.ndarray | str | int) -> np.ndarray:
        if not n_t:
            return np.broadcast_to(np.asarray(synthetic_value), synthetic.shape).copy()
        return np.where(synthetic, synthetic_value, column[source])

    channel_names = touch_column(touchpoints.channel, DIRECT)
    campaign_names = touch_column(touchpoints.campaign, conversions.campaign[conv_of_touch])
    age_days = (c_time[conv_of_touch] - touch_column(t_time, c_time[conv_of_touch])) / MICROSECONDS_PER_DAY

    null_source = _non_converting_touches(order=order, tp_person=tp_person[order], tp_time=t_time[order],
                                          cv_person=cv_person, cv_time=c_time, n_persons=len(persons),
                                          window_start=data_end_us - window, data_end=data_end_us)
    null_person = tp_person[null_source]
    null_lengths = np.diff(np.flatnonzero(np.r_[True, null_person[1:] != null_person[:-1], True])) \
        if len(null_source) else np.zeros(0, dtype=np.int64)

    all_channels = np.concatenate([channel_names, touchpoints.channel[null_source]])
    all_campaigns = np.concatenate([campaign_names, touchpoints.campaign[null_source]])
    channels, channel_code = _factorize_few(all_channels)
    campaigns, campaign_code = _factorize_few(all_campaigns)
    pair_keys, pair_code = np.unique(channel_code * max(len(campaigns), 1) + campaign_code, return_inverse=True)
    n_camp = max(len(campaigns), 1)
    pairs = tuple((str(channels[key // n_camp]), str(campaigns[key % n_camp]) or None) for key in pair_keys)
    n_conv_touches = len(channel_names)
    return JourneySet(
        channels=tuple(str(name) for name in channels),
        pairs=pairs,
        conversion_ids=conversions.id,
        conversion_value=conversions.value.astype(np.float64),
        offsets=offsets_from_lengths(lengths),
        touch_channel=channel_code[:n_conv_touches].astype(np.int64),
        touch_pair=pair_code[:n_conv_touches].astype(np.int64),
        touch_age_days=age_days.astype(np.float64),
        null_offsets=offsets_from_lengths(null_lengths),
        null_channel=channel_code[n_conv_touches:].astype(np.int64),
        null_pair=pair_code[n_conv_touches:].astype(np.int64),
    )


def _factorize_few(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and each value's code, for columns with few distinct values (channels,
    campaigns): a hash pass and a binary search beat sorting every string."""
    distinct = np.sort(np.unique(values, sorted=False))
    return distinct, np.searchsorted(distinct, values).astype(np.int64)


def _journey_order(touch_key: np.ndarray, touch_id: np.ndarray) -> np.ndarray:
    """Touchpoints by (person, time), ties by id. Only tied touchpoints have their ids compared: sorting
    millions of id strings would cost more than everything else."""
    order = np.argsort(touch_key, kind="stable")
    ordered_key = touch_key[order]
    tied = np.flatnonzero(ordered_key[1:] == ordered_key[:-1])
    if len(tied):
        members = np.unique(np.concatenate([tied, tied + 1]))
        group = order[members]
        order[members] = group[np.lexsort((touch_id[group], touch_key[group]))]
    return order


def _non_converting_touches(*, order, tp_person, tp_time, cv_person, cv_time, n_persons, window_start,
                            data_end) -> np.ndarray:
    """Indices (into the input touchpoints) of non-converting touches, grouped by person in journey order."""
    last_conversion = np.full(n_persons, np.iinfo(np.int64).min, dtype=np.int64)
    counted = cv_time <= data_end
    np.maximum.at(last_conversion, cv_person[counted], cv_time[counted])
    keep = (tp_time > last_conversion[tp_person]) & (tp_time >= window_start) & (tp_time <= data_end)
    return order[keep]


def _check_touchpoints(touchpoints: TouchpointColumns) -> None:
    unnamed = np.flatnonzero(touchpoints.channel == "")
    if len(unnamed):
        raise InvalidInput("Every touchpoint needs a channel.",
                           fields={f"touchpoints[{int(unnamed[0])}].channel": ["must be a non-empty string"]})


def _check_conversions(conversions: ConversionColumns) -> None:
    value = conversions.value
    if len(value) and (not np.all(np.isfinite(value)) or np.any(value < 0)):
        index = int(np.flatnonzero(~np.isfinite(value) | (value < 0))[0])
        raise InvalidInput("Conversion values must be finite and not negative.",
                           fields={f"conversions[{index}].value": ["must be a finite number of 0 or more"]})
    if len(np.unique(conversions.id)) != len(conversions.id):
        ids, counts = np.unique(conversions.id, return_counts=True)
        raise InvalidInput("Conversions must be deduplicated by id before attribution.",
                           fields={"conversions": [f"duplicate id {ids[counts > 1][0]!r}"]})


def non_converting_path(*, touchpoints: Sequence[Touchpoint], conversions: Sequence[Conversion],
                        data_end: datetime, lookback: timedelta = DEFAULT_LOOKBACK) -> list[Touchpoint]:
    """One person's non-converting path, straight from the definition (empty when the person has none)."""
    window = lookback_us(lookback)
    end = epoch_us(data_end)
    last = max((epoch_us(c.time) for c in conversions if epoch_us(c.time) <= end), default=None)
    path = [t for t in touchpoints
            if end - window <= epoch_us(t.time) <= end and (last is None or epoch_us(t.time) > last)]
    return sorted(path, key=lambda t: (epoch_us(t.time), t.id))


def _normalize(columns, name: str, *, keys: tuple[str, ...], strings: tuple[str, ...],
               numbers: dict[str, type]) -> None:
    for field in keys:
        object.__setattr__(columns, field, _key_column(getattr(columns, field)))
    for field in strings:
        object.__setattr__(columns, field, _string_column(getattr(columns, field)))
    for field, dtype in numbers.items():
        try:
            object.__setattr__(columns, field, np.asarray(getattr(columns, field), dtype=dtype).reshape(-1))
        except (TypeError, ValueError):
            raise InvalidInput(f"The {name} column {field!r} must hold numbers.",
                               fields={f"{name}.{field}": ["must hold numbers only"]}) from None
    sizes = {field: len(getattr(columns, field)) for field in (*keys, *strings, *numbers)}
    if len(set(sizes.values())) > 1:
        raise InvalidInput(f"The {name} columns differ in length.",
                           fields={name: [f"columns must have one length, got {sizes}"]})


def _key_column(values) -> np.ndarray:
    """Ids stay integers when they are integers (sorting integers is far cheaper than sorting strings),
    anything else becomes text."""
    array = np.asarray(values) if not isinstance(values, np.ndarray) else values
    if array.dtype.kind in "iu":
        return array.reshape(-1).astype(np.int64)
    return _string_column(array)


def _string_column(values) -> np.ndarray:
    """A numpy string column; None becomes "" (no campaign)."""
    array = np.asarray(values) if not isinstance(values, np.ndarray) else values
    if array.dtype.kind == "U":
        return array.reshape(-1)
    return np.array(["" if value is None else str(value) for value in array.reshape(-1).tolist()], dtype=str)
