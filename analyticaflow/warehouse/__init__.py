"""The analytics warehouse: DuckDB (embedded default) and ClickHouse backends behind one small interface.

Public entry points: :func:`analyticaflow.warehouse.backends.get_warehouse` (the process-wide warehouse for
``settings.ANALYTICAFLOW_WAREHOUSE_URL``), :func:`analyticaflow.warehouse.backends.open_warehouse` (by URL),
the :class:`~analyticaflow.warehouse.sql.Sql` builder and the table definitions in
:mod:`analyticaflow.warehouse.tables`.
"""
