"""The platforms a project can connect, as the integrations app sees them: connectors built from settings,
and the catalogue (name, label, kind, OAuth flavour, settings fields) the API and the page show."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string
from rest_framework import serializers

from analyticaflow.connectors.base import Connector
from analyticaflow.connectors.http import HttpOptions
from analyticaflow.connectors.oauth import OAuth1Settings
from analyticaflow.connectors.registry import connector_class, get_connector, platform_names
from analyticaflow.errors import InvalidInput

TABLE_KINDS = {"ad_spend_daily": "ads", "social_daily": "social"}
# The setting through which a client may name the account up front (the link then needs no picking).
ACCOUNT_SETTINGS = {
    "meta_ads": "ad_account_id",
    "instagram": "ig_user_id",
    "google_ads": "customer_id",
    "twitter_ads": "account_id",
    "yahoo_ads": "account_id",
}


def connector_label(platform: str) -> str:
    try:
        return connector_class(platform).label
    except InvalidInput:  # a platform removed from the registry still shows under its name
        return platform


def http_options() -> HttpOptions:
    """Runtime options of every connector call the jobs make (the clock is a setting so tests need not wait)."""
    return HttpOptions(clock=import_string(settings.ANALYTICAFLOW_CONNECTOR_CLOCK)())


def connector_for(platform: str) -> Connector:
    """The platform's connector configured from settings; ``InvalidInput`` naming ``type`` when unknown."""
    return get_connector(platform, options=http_options())


def _field_description(name: str, field: serializers.Field) -> dict[str, Any]:
    kinds = {
        serializers.BooleanField: "boolean",
        serializers.IntegerField: "integer",
        serializers.ChoiceField: "choice",
        serializers.ListField: "list",
    }
    kind = next((label for cls, label in kinds.items() if isinstance(field, cls)), "string")
    described: dict[str, Any] = {
        "name": name,
        "type": kind,
        "required": bool(field.required),
        "label": name.replace("_", " ").capitalize(),
    }
    default = getattr(field, "default", serializers.empty)
    if default is not serializers.empty:
        described["default"] = default() if callable(default) else default
    choices = getattr(field, "choices", None) or getattr(getattr(field, "child", None), "choices", None)
    if choices:
        described["choices"] = list(choices)
    message = getattr(field, "error_messages", {}).get("invalid")
    if message and isinstance(field, serializers.RegexField | serializers.CharField) and "Expected" in str(message):
        described["help"] = str(message)
    return described


def catalogue() -> list[dict[str, Any]]:
    """Every connectable platform with what a client needs to offer it."""
    entries = []
    for name in platform_names():
        cls = connector_class(name)
        connector = cls(options=http_options())
        fields = cls.settings_serializer().fields
        entries.append(
            {
                "type": name,
                "label": cls.label,
                "kind": TABLE_KINDS.get(cls.streams[0].table, "ads"),
                "oauth": "oauth1" if isinstance(connector.auth_settings, OAuth1Settings) else "oauth2",
                "configured": connector.app.configured,
                "restatement_days": cls.restatement_days,
                "settings": [_field_description(field_name, field) for field_name, field in fields.items()],
            }
        )
    return entries
