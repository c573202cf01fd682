"""The append-only event log and permanent event store (contract in :mod:`analyticaflow.eventlog.contracts`).

Get the process-wide log with :func:`analyticaflow.eventlog.backends.get_event_log`.
"""
