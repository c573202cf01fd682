"""Small reads answered from memory while the warehouse has not been written since they were made.

Reports start with a few freshness checks (which projection generation is served, how far it is applied, the
state of derived tables, a fingerprint of the spend rows): each a tiny query, yet every DuckDB statement costs
milliseconds, and a dashboard asks for several reports at once. :func:`query_unchanged` keeps each such read's
rows with the warehouse's write mark at the time it was made, and answers from them while the mark stands
still. On backends other processes write (ClickHouse) there is no mark and every call queries.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict

from analyticaflow.warehouse.backends import Warehouse
from analyticaflow.warehouse.sql import Sql

MAX_ENTRIES = 512

_guard = threading.Lock()
_kept: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # warehouse → {statement key: (mark, rows)}


def query_unchanged(warehouse: Warehouse, statement: Sql) -> list[tuple]:
    """``warehouse.query(statement)``, from memory when nothing was written to the warehouse since the last
    identical read. The caller must not change the returned list."""
    mark = warehouse.write_mark()
    if mark is None:
        return warehouse.query(statement)
    key = (statement.text, tuple(sorted((name, repr(value)) for name, value in statement.params.items())))
    with _guard:
        kept = _kept.setdefault(warehouse, OrderedDict())
        found = kept.get(key)
        if found is not None and found[0] == mark:
            kept.move_to_end(key)
            return found[1]
    rows = warehouse.query(statement)  # made after reading ``mark``: at least as new as the mark says
    with _guard:
        kept[key] = (mark, rows)
        kept.move_to_end(key)
        while len(kept) > MAX_ENTRIES:
            kept.popitem(last=False)
    return rows
