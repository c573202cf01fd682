"""A bare shop's Django settings: only the outbox app, none of AnalyticaFlow's own settings or apps.

SHOP_DATABASE: ``sqlite:////abs/path.sqlite3`` or ``postgres://user@host:port/name``;
SHOP_OUTBOX: the ANALYTICAFLOW_OUTBOX dict as JSON.
"""

import json
import os
from urllib.parse import urlsplit

SECRET_KEY = "a-shop-that-is-not-analyticaflow"
DEBUG = False
USE_TZ = True
TIME_ZONE = "Europe/Berlin"
INSTALLED_APPS = ["analyticaflow.outbox"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _database(url: str) -> dict:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": parts.path, "OPTIONS": {"timeout": 30}}
    return {"ENGINE": "django.db.backends.postgresql", "NAME": parts.path.lstrip("/"), "USER": parts.username,
            "PASSWORD": parts.password or "", "HOST": parts.hostname, "PORT": parts.port}


DATABASES = {"default": _database(os.environ["SHOP_DATABASE"])}
ANALYTICAFLOW_OUTBOX = json.loads(os.environ.get("SHOP_OUTBOX", "{}"))
LOGGING = {
    "version": 1,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"analyticaflow.outbox": {"handlers": ["stderr"], "level": "WARNING"}},
}
