"""Creating the channel-data tables and views (idempotent; once per warehouse object and process)."""

from __future__ import annotations

import threading
import weakref

from analyticaflow.channeldata.orders import MERGED_COLUMNS, merged_orders
from analyticaflow.channeldata.tables import CHANNEL_TABLES, ORDERS_MERGED, data_table
from analyticaflow.projections.services import projections_ensure
from analyticaflow.warehouse.backends import Warehouse
from analyticaflow.warehouse.sql import Sql, ident

_ensured: weakref.WeakSet = weakref.WeakSet()
_lock = threading.Lock()


def channel_tables_ensure(*, warehouse: Warehouse) -> None:
    """Create the projection tables (if missing), the channel-data tables, their served views and
    ``orders_merged``. Cheap after the first call for a given warehouse."""
    with _lock:
        if warehouse in _ensured:
            return
        projections_ensure(warehouse=warehouse)
        dialect = warehouse.dialect
        with warehouse.transaction():
            for spec in CHANNEL_TABLES:
                physical = data_table(spec.name)
                for statement in (*dialect.create_table(spec, physical), *dialect.create_view(spec.name, spec,
                                                                                               physical)):
                    warehouse.execute(statement)
            merged = merged_orders(dialect)
            columns = ", ".join(MERGED_COLUMNS)
            warehouse.execute(Sql(f"CREATE OR REPLACE VIEW {ident(ORDERS_MERGED)} AS SELECT {columns} FROM "
                                  f"({merged.text}) AS m", merged.params))
        _ensured.add(warehouse)
