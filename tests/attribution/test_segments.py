"""Ragged-sequence helpers behind every model: table cases, and the sort-based fallbacks equal the fast paths."""

from __future__ import annotations

import numpy as np
import pytest

from analyticaflow.attribution import segments


def ragged(*sequences):
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    codes = np.array([c for s in sequences for c in s], dtype=np.int64)
    return segments.offsets_from_lengths(lengths), codes


@pytest.mark.parametrize("dense_cells", [segments._DENSE_CELLS, 0])
def test_counts_within_each_sequence(monkeypatch, dense_cells):
    monkeypatch.setattr(segments, "_DENSE_CELLS", dense_cells)
    offsets, codes = ragged([2, 0, 2, 2], [], [1], [0, 0])
    assert segments.count_within(offsets, codes, 3).tolist() == [3, 1, 3, 3, 1, 2, 2]
    assert segments.distinct_within(offsets, codes, 3).tolist() == [2, 0, 1, 1]


def test_positions_and_segment_reduce_with_empty_sequences():
    offsets, codes = ragged([5, 6], [], [7])
    assert segments.positions(offsets).tolist() == [0, 1, 0]
    assert segments.segment_ids(offsets).tolist() == [0, 0, 2]
    assert segments.segment_reduce(np.maximum, codes, offsets, -1).tolist() == [6, -1, 7]


@pytest.mark.parametrize("length", [3, 40])  # 40 codes of base 11 do not fit one int64: row-wise grouping
def test_group_identical(length):
    a, b = list(range(length)), [9] * length
    offsets, codes = ragged(a, b, a, [1], b, a)
    groups = segments.group_identical(offsets, codes, 10)
    distinct = [groups.codes[groups.offsets[i]:groups.offsets[i + 1]].tolist() for i in range(len(groups.offsets) - 1)]
    assert sorted(distinct) == sorted([a, b, [1]])
    assert [distinct[i] for i in groups.inverse] == [a, b, a, [1], b, a]
