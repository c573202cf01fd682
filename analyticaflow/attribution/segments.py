"""Vectorized helpers over ragged sequences stored as (offsets, values): sequence i is
``values[offsets[i]:offsets[i + 1]]``. Every attribution model works on this layout with numpy, so no
model loops over journeys in Python."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def segment_ids(offsets: np.ndarray) -> np.ndarray:
    """For every element, the index of the sequence it belongs to."""
    return np.repeat(np.arange(len(offsets) - 1, dtype=np.int64), np.diff(offsets))


def positions(offsets: np.ndarray) -> np.ndarray:
    """For every element, its position inside its own sequence (0 = first)."""
    total = int(offsets[-1]) if len(offsets) else 0
    return np.arange(total, dtype=np.int64) - np.repeat(offsets[:-1], np.diff(offsets))


def offsets_from_lengths(lengths: np.ndarray) -> np.ndarray:
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return offsets


def gather(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Indices ``starts[i] .. starts[i] + lengths[i] - 1`` for every i, concatenated."""
    offsets = offsets_from_lengths(lengths)
    return np.repeat(starts.astype(np.int64), lengths) + positions(offsets)


def segment_reduce(ufunc: np.ufunc, values: np.ndarray, offsets: np.ndarray, empty) -> np.ndarray:
    """``ufunc`` folded over each sequence; empty sequences get ``empty``."""
    lengths = np.diff(offsets)
    out = np.full(len(lengths), empty, dtype=values.dtype)
    filled = lengths > 0
    if filled.any():
        out[filled] = ufunc.reduceat(values, offsets[:-1][filled])
    return out


# Up to this many (sequence, code) cells, per-sequence code counts use a dense table instead of a sort.
_DENSE_CELLS = 1 << 25


def count_within(offsets: np.ndarray, codes: np.ndarray, n_codes: int) -> np.ndarray:
    """For every element, how many times its code occurs in its own sequence."""
    if len(codes) == 0:
        return np.zeros(0, dtype=np.int64)
    keys = segment_ids(offsets) * n_codes + codes
    if (len(offsets) - 1) * n_codes <= _DENSE_CELLS:
        return np.bincount(keys, minlength=(len(offsets) - 1) * n_codes)[keys]
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    return counts[inverse]


def distinct_within(offsets: np.ndarray, codes: np.ndarray, n_codes: int) -> np.ndarray:
    """For every sequence, how many distinct codes it holds."""
    n_sequences = len(offsets) - 1
    if len(codes) == 0:
        return np.zeros(n_sequences, dtype=np.int64)
    keys = segment_ids(offsets) * n_codes + codes
    if n_sequences * n_codes <= _DENSE_CELLS:
        present = np.bincount(keys, minlength=n_sequences * n_codes).reshape(n_sequences, n_codes) > 0
        return present.sum(axis=1)
    keys = np.unique(keys)
    return np.bincount(keys // n_codes, minlength=n_sequences)


@dataclass(frozen=True, slots=True)
class GroupedPaths:
    """Distinct sequences, and for every input sequence the index of its distinct sequence."""

    offsets: np.ndarray
    codes: np.ndarray
    inverse: np.ndarray


def group_identical(offsets: np.ndarray, codes: np.ndarray, n_codes: int) -> GroupedPaths:
    """Group identical sequences. Sequences are packed into one int64 key (base ``n_codes + 1``) when
    that fits, which makes grouping a single 1-d sort; longer sequences fall back to row-wise unique."""
    n_paths = len(offsets) - 1
    lengths = np.diff(offsets)
    max_len = int(lengths.max()) if n_paths else 0
    base = n_codes + 1
    if n_paths == 0:
        return GroupedPaths(offsets=offsets.copy(), codes=codes.copy(), inverse=np.zeros(0, dtype=np.int64))
    if max_len * np.log2(base) < 62:
        digit = (codes.astype(np.int64) + 1) * np.power(base, positions(offsets), dtype=np.int64)
        keys = segment_reduce(np.add, digit, offsets, 0)
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    else:
        padded = np.full((n_paths, max_len), -1, dtype=np.int64)
        padded[segment_ids(offsets), positions(offsets)] = codes
        _, first, inverse = np.unique(padded, axis=0, return_index=True, return_inverse=True)
    unique_lengths = lengths[first]
    unique_offsets = offsets_from_lengths(unique_lengths)
    unique_codes = codes[gather(offsets[first], unique_lengths)]
    return GroupedPaths(offsets=unique_offsets, codes=unique_codes, inverse=inverse.reshape(-1))
