"""WSGI entry point used by the production server.

The capture endpoints (``/v1/...``) are answered by a lean application before Django's middleware stack;
every other path goes to Django.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "analyticaflow.settings")
django_application = get_wsgi_application()

from analyticaflow.ingest.app import with_capture  # noqa: E402 - needs Django set up first

application = with_capture(django_application)
