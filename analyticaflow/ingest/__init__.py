"""Capture: parse → validate → stamp → append to the event log → answer. Nothing else in the request path.

The Segment-compatible endpoints (``/v1/...``) are the lean WSGI application in :mod:`analyticaflow.ingest.app`;
history is backfilled with ``analyticaflow import events`` or ``POST /api/v1/projects/{id}/events/import``.
"""
