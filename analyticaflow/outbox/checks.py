"""``manage.py check`` reports a broken ``ANALYTICAFLOW_OUTBOX`` before the relay needs it."""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from analyticaflow.outbox import conf


@checks.register()
def check_outbox_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if getattr(settings, conf.SETTING_NAME, None) is None:
        return []  # not configured: emit() still queues, and the relay command says what is missing
    try:
        conf.load_config()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), hint="See the 'Outbox for your shop' section of the AnalyticaFlow README.",
                             id="analyticaflow_outbox.E001")]
    return []
