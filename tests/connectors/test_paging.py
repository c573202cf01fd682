"""Paging helpers never lose or loop over pages silently."""

from __future__ import annotations

import pytest

from analyticaflow.connectors.errors import MalformedResponse
from analyticaflow.connectors.paging import follow_links, follow_offsets, follow_tokens


def test_links_are_followed_until_absent():
    pages = {None: ("a", "u2"), "u2": ("b", "u3"), "u3": ("c", None)}
    assert [page[0] for page in follow_links(pages.__getitem__, lambda page: page[1], platform="p")] == ["a", "b", "c"]


def test_a_repeated_token_is_a_loop_not_an_end():
    pages = {None: ("a", "t1"), "t1": ("b", "t1")}
    with pytest.raises(MalformedResponse, match="same page token twice"):
        list(follow_tokens(pages.__getitem__, lambda page: page[1], platform="p"))


def test_a_non_string_token_is_malformed():
    with pytest.raises(MalformedResponse, match="is a int"):
        list(follow_tokens(lambda token: {"next": 5}, lambda page: page["next"], platform="p"))


@pytest.mark.parametrize("total, sizes, expected_starts", [
    (5, {1: 2, 3: 2, 5: 1}, [1, 3, 5]),  # total reached exactly
    (None, {1: 2, 3: 1}, [1, 3]),  # no total: a short page ends
])
def test_offsets(total, sizes, expected_starts):
    starts = []

    def fetch(start):
        starts.append(start)
        return {"n": sizes[start], "total": total}

    list(follow_offsets(fetch, page_size=2, count=lambda page: page["n"], total=lambda page: page["total"],
                        platform="p"))
    assert starts == expected_starts


def test_an_empty_page_before_the_announced_total_is_a_gap():
    with pytest.raises(MalformedResponse, match="stopped at 2 of the 5"):
        list(follow_offsets(lambda start: {"n": 2 if start == 1 else 0}, page_size=2, count=lambda page: page["n"],
                            total=lambda page: 5, platform="p"))
