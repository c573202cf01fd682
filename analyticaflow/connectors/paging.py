"""Paging helpers: next-links, page tokens / cursors, and offsets. Each yields one page at a time.

They guard against the two ways a platform can silently lose rows: a page that repeats a cursor already
seen (a loop) and a page whose paging fields have the wrong type. Both raise ``MalformedResponse``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from analyticaflow.connectors.errors import MalformedResponse

Page = TypeVar("Page")
MAX_PAGES = 100_000


def follow_links(fetch: Callable[[str | None], Page], next_link: Callable[[Page], str | None], *,
                 platform: str) -> Iterator[Page]:
    """``fetch(None)`` is the first page; ``fetch(url)`` follows an absolute next-link until there is none."""
    yield from _walk(fetch, next_link, platform=platform, what="next link")


def follow_tokens(fetch: Callable[[str | None], Page], next_token: Callable[[Page], str | None], *,
                  platform: str) -> Iterator[Page]:
    """Page tokens or opaque cursors: ``fetch(None)`` first, then ``fetch(token)`` while one is returned."""
    yield from _walk(fetch, next_token, platform=platform, what="page token")


def _walk(fetch, advance, *, platform: str, what: str) -> Iterator[Any]:
    seen: set[str] = set()
    position: str | None = None
    for _ in range(MAX_PAGES):
        page = fetch(position)
        yield page
        position = advance(page)
        if position in (None, ""):
            return
        if not isinstance(position, str):
            raise MalformedResponse(f"The {what} in a page is a {type(position).__name__}, not a string.",
                                    platform=platform)
        if position in seen:
            raise MalformedResponse(f"The platform returned the same {what} twice; paging would loop.",
                                    platform=platform)
        seen.add(position)
    raise MalformedResponse(f"Paging did not end after {MAX_PAGES} pages.", platform=platform)


def follow_offsets(fetch: Callable[[int], Page], *, page_size: int, count: Callable[[Page], int],
                   total: Callable[[Page], int | None], platform: str, first: int = 1) -> Iterator[Page]:
    """Offset paging (``startIndex``/``numberResults`` style, 1-based by default).

    Stops when the reported total is reached, or on a short page when no total is given. A page with no items
    before the reported total is a gap, not an end: it raises.
    """
    start = first
    fetched = 0
    for _ in range(MAX_PAGES):
        page = fetch(start)
        yield page
        items = count(page)
        fetched += items
        expected = total(page)
        if expected is None:
            if items < page_size:
                return
        elif fetched >= expected:
            return
        elif items == 0:
            raise MalformedResponse(f"Paging stopped at {fetched} of the {expected} items the platform announced.",
                                    platform=platform)
        start += items
    raise MalformedResponse(f"Paging did not end after {MAX_PAGES} pages.", platform=platform)
