"""Projections: the warehouse tables derived from the event log.

Pure handlers per event type (``event_types``), their set-based DuckDB twin (``sql_derive``), identity
resolution (``identity``), the checkpointed projector (``projector``), generations and replay (``generations``,
``replay``), and the projector service (``runtime``) behind the ``worker`` and ``replay`` commands.
Entry points for other capabilities: ``services.projections_ensure`` and ``services.projections_catch_up``.
"""
