"""Background services that run inside the serving process (embedded mode).

Capabilities register a start function in ``settings.ANALYTICAFLOW_BACKGROUND_SERVICES`` (dotted paths);
the server calls :func:`start_background_services` once the worker process is ready.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def start_background_services() -> list[str]:
    started = []
    for dotted in getattr(settings, "ANALYTICAFLOW_BACKGROUND_SERVICES", []):
        import_string(dotted)()
        started.append(dotted)
        logger.info("started background service %s", dotted)
    return started
