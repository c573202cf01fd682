"""WSGI entry point used by the production server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "analyticaflow.settings")
application = get_wsgi_application()
