"""Instagram: settings, restatement window (insights lag up to 48 h), streams."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rest_framework import serializers

from analyticaflow.connectors.base import Endpoints
from analyticaflow.connectors.instagram.normalize import normalize_pages
from analyticaflow.connectors.instagram.sync import InstagramSession
from analyticaflow.connectors.meta_ads.login import FacebookLoginConnector
from analyticaflow.connectors.raw import RawPage
from analyticaflow.connectors.streams import social_stream

# Instagram's day buckets follow Pacific time in practice; a setting in case an account reports otherwise.
DEFAULT_TIME_ZONE = "America/Los_Angeles"


def validate_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise serializers.ValidationError(f"{value!r} is not an IANA time zone.") from exc
    return value


class InstagramSettings(serializers.Serializer):
    ig_user_id = serializers.RegexField(r"^\d{5,25}$", required=False,
                                       error_messages={"invalid": "Expected the numeric Instagram account id."})
    time_zone = serializers.CharField(default=DEFAULT_TIME_ZONE, validators=[validate_zone])
    include_posts = serializers.BooleanField(default=True)
    media_lookback_days = serializers.IntegerField(min_value=1, max_value=730, default=30)
    page_size = serializers.IntegerField(min_value=1, max_value=100, default=50)


class InstagramConnector(FacebookLoginConnector):
    name = "instagram"
    label = "Instagram"
    settings_prefix = "INSTAGRAM"
    default_endpoints = Endpoints(api_url="https://graph.facebook.com", oauth_url="https://www.facebook.com",
                                  version="v25.0")
    restatement_days = 3  # account insights can lag up to 48 hours
    backfill_chunk_days = 30  # account insights allow at most 30 days per request
    streams = (social_stream("insights"),)
    settings_serializer = InstagramSettings
    session_class = InstagramSession
    scopes = ("instagram_basic", "instagram_manage_insights", "pages_show_list", "pages_read_engagement")

    def normalize(self, pages: Sequence[RawPage], *, settings: Mapping[str, Any] | None = None) -> list[Any]:
        return normalize_pages(pages)
