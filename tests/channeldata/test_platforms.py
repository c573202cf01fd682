from __future__ import annotations

import pytest

from analyticaflow.channeldata.platforms import (
    PLATFORMS,
    clean_campaign_name,
    is_paid,
    platform_channel,
    platform_of_utm,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" (Sale) My_Campaign_2025 | RU ", "sale_my_campaign_2025_ru"),
        ("sale_my_campaign_2025_ru", "sale_my_campaign_2025_ru"),
        ("Black Friday -- 50%!", "black_friday_50"),
        ("  __Spring__  ", "spring"),
        ("Новогодняя распродажа 2025", "новогодняя_распродажа_2025"),
        ("\uff33\uff41\uff4c\uff45\u3000\uff12\uff10\uff12\uff15", "sale_2025"),  # full-width "Sale 2025"
        ("Café-Crème", "café_crème"),
        ("", ""),
        (None, ""),
        ("!!!", ""),
    ],
)
def test_clean_campaign_name(raw, expected):
    assert clean_campaign_name(raw) == expected


@pytest.mark.parametrize(
    ("utm_source", "platform"),
    [("facebook", "meta_ads"), (" IG ", "meta_ads"), ("Instagram", "meta_ads"), ("google", "google_ads"),
     ("adwords", "google_ads"), ("x", "twitter_ads"), ("yahoo", "yahoo_ads"), ("newsletter", None), ("", None)],
)
def test_platform_of_utm_source(utm_source, platform):
    found = platform_of_utm(utm_source)
    assert (found.name if found else None) == platform


@pytest.mark.parametrize(
    ("source", "medium", "click", "paid"),
    [
        ("facebook", "cpc", "", True),
        ("facebook", "Paid_Social", "", True),
        ("facebook", "social", "", False),  # an organic post
        ("facebook", "social", "fbclid", True),  # ... but the ad's click id says paid
        ("facebook", "social", "gclid", False),
        ("meta_ads", "", "", True),  # the platform's own name as source
    ],
)
def test_paid_traffic_of_a_platform(source, medium, click, paid):
    assert is_paid(platform=PLATFORMS["meta_ads"], source=source, medium=medium, click_id=click) is paid


def test_spend_sources_map_to_the_channel_of_their_visits():
    assert platform_channel("meta_ads") == "facebook"
    assert platform_channel("google_ads") == "google"
    assert platform_channel("tiktok") == "tiktok"
