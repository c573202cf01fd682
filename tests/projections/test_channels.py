"""Channel derivation: the exact rule, as a table."""

from __future__ import annotations

import pytest

from analyticaflow.projections.channels import origin_of

CASES = [
    # campaign, url, referrer → channel, source, medium
    (
        {"source": "Newsletter", "medium": "email"},
        "https://shop.test/?gclid=1",
        "https://www.google.com/",
        ("newsletter", "Newsletter", "email"),
    ),
    ({}, "https://shop.test/?utm_source=partner&utm_medium=referral", None, ("partner", "partner", "referral")),
    ({}, "https://shop.test/p?gclid=abc", None, ("google", "google", "cpc")),
    ({}, "https://shop.test/p?x=1&fbclid=abc", "https://www.google.com/", ("facebook", "facebook", "cpc")),
    ({}, "https://shop.test/p?yclid=1", None, ("yahoo", "yahoo", "cpc")),
    ({}, "https://shop.test/p?twclid=1", None, ("twitter", "twitter", "cpc")),
    ({}, "https://shop.test/", "https://www.google.com/search?q=x", ("google", "google", "organic")),
    ({}, "https://shop.test/", "https://www.google.co.uk/", ("google", "google", "organic")),
    ({}, "https://shop.test/", "https://www.bing.com/search", ("bing", "bing", "organic")),
    ({}, "https://shop.test/", "https://search.yahoo.co.jp/", ("yahoo", "yahoo", "organic")),
    ({}, "https://shop.test/", "https://duckduckgo.com/", ("duckduckgo", "duckduckgo", "organic")),
    ({}, "https://shop.test/", "https://yandex.ru/search", ("yandex", "yandex", "organic")),
    ({}, "https://shop.test/", "https://l.facebook.com/l.php", ("facebook", "facebook", "social")),
    ({}, "https://shop.test/", "https://m.facebook.com/", ("facebook", "facebook", "social")),
    ({}, "https://shop.test/", "https://t.co/abc", ("twitter", "twitter", "social")),
    ({}, "https://shop.test/", "https://x.com/shop", ("twitter", "twitter", "social")),
    ({}, "https://shop.test/", "https://www.instagram.com/", ("instagram", "instagram", "social")),
    ({}, "https://shop.test/", "https://www.linkedin.com/feed", ("linkedin", "linkedin", "social")),
    ({}, "https://shop.test/", "https://blog.example.org/post", ("direct", None, None)),
    ({}, "https://shop.test/", "https://shop.test/cart", ("direct", None, None)),
    ({}, "https://shop.test/", "https://box.co/", ("direct", None, None)),  # "co" alone is no network
    ({}, "https://shop.test/", None, ("direct", None, None)),
    ({}, None, None, ("direct", None, None)),
    ({"source": "  "}, "https://shop.test/?gclid=1", None, ("google", "google", "cpc")),
]


@pytest.mark.parametrize(("campaign", "url", "referrer", "expected"), CASES)
def test_channel_source_and_medium(campaign, url, referrer, expected):
    origin = origin_of(campaign=campaign, url=url, referrer=referrer)
    assert (origin.channel, origin.source, origin.medium) == expected


def test_click_ids_and_campaign_fields_are_kept():
    origin = origin_of(
        campaign={"name": "spring", "term": "shoes", "content": "hero"},
        url="https://shop.test/?gclid=G1&fbclid=F1&yclid=Y1&twclid=T1",
        referrer="https://www.google.com/",
    )
    assert (origin.gclid, origin.fbclid, origin.yclid, origin.twclid) == ("G1", "F1", "Y1", "T1")
    assert (origin.campaign, origin.term, origin.content) == ("spring", "shoes", "hero")
    assert origin.channel == "google"  # the first click id in gclid, fbclid, yclid, twclid order
    assert origin.referrer_domain == "www.google.com"
