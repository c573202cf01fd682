from __future__ import annotations

from datetime import date

import pytest

from analyticaflow.reports.touches import CampaignCatalog, TouchCombo, TouchGroup, group_of

CATALOG = CampaignCatalog([
    ("meta_ads", "act_1", "120001", " (Sale) My_Campaign_2025 | RU ", "sale_my_campaign_2025_ru", date(2026, 3, 9)),
    ("meta_ads", "act_1", "120001", "Old name", "old_name", date(2026, 1, 1)),
    ("google_ads", "123-456", "987", "Brand | Search", "brand_search", date(2026, 3, 9)),
    ("tiktok", "7001", "tt-1", "Spring", "spring", date(2026, 3, 9)),
])


def matched(source, account, campaign_id, channel):
    return TouchGroup(source, account, campaign_id, None, channel, matched=True, paid=True)


@pytest.mark.parametrize(
    ("combo", "group"),
    [
        # A cleaned name matches the platform's campaign whatever the medium.
        (TouchCombo("facebook", "cpc", "sale_my_campaign_2025_ru", "facebook"),
         matched("meta_ads", "act_1", "120001", "facebook")),
        (TouchCombo("ig", "social", "(SALE) my campaign 2025 - ru", "ig"),
         matched("meta_ads", "act_1", "120001", "ig")),
        (TouchCombo("Instagram", "", "old_name", "instagram"), matched("meta_ads", "act_1", "120001", "instagram")),
        # ... or by its id.
        (TouchCombo("facebook", "paid_social", "120001", "facebook"),
         matched("meta_ads", "act_1", "120001", "facebook")),
        (TouchCombo("google", "cpc", "987", "google"), matched("google_ads", "123-456", "987", "google")),
        # A click id alone names the platform.
        (TouchCombo("", "", "brand_search", "google", "gclid"), matched("google_ads", "123-456", "987", "google")),
        # A source that is no platform matches spend rows of the same source (CSV imports).
        (TouchCombo("TikTok", "paid", "Spring", "tiktok"), matched("tiktok", "7001", "tt-1", "tiktok")),
        # Paid but an unknown campaign: the platform, with the cleaned campaign name.
        (TouchCombo("facebook", "cpc", "Black Friday!", "facebook"),
         TouchGroup("meta_ads", None, None, "black_friday", "facebook", paid=True)),
        (TouchCombo("google", "organic", "", "google", "gclid"),
         TouchGroup("google_ads", None, None, None, "google", paid=True)),
        # Organic visits of a platform's network keep their own source.
        (TouchCombo("google", "organic", "", "google"), TouchGroup("google", None, None, None, "google")),
        (TouchCombo("facebook", "social", "", "facebook"), TouchGroup("facebook", None, None, None, "facebook")),
        # The same campaign name on another platform does not match.
        (TouchCombo("newsletter", "email", "Brand | Search", "newsletter"),
         TouchGroup("newsletter", None, None, "brand_search", "newsletter")),
        (TouchCombo("", "", "", "direct"), TouchGroup("direct", None, None, None, "direct")),
        (TouchCombo(), TouchGroup("direct", None, None, None, "direct")),  # an order with no touchpoint
    ],
)
def test_group_of_a_touchpoint(combo, group):
    assert group_of(combo, CATALOG) == group


def test_catalog_names_campaigns_by_their_latest_name():
    assert CATALOG.name("meta_ads", "act_1", "120001") == " (Sale) My_Campaign_2025 | RU "
    assert CATALOG.name("meta_ads", "act_9", "120001") is None
