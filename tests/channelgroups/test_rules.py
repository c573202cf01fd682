"""The channel-group classification: the built-in rules, and a project's rules over them."""

from __future__ import annotations

import pytest

from analyticaflow.channelgroups.rules import ChannelGrouping, validate_rules

BUILT_IN = ChannelGrouping()


@pytest.mark.parametrize(("channel", "medium", "paid", "referrer", "group"), [
    ("direct", "", False, "", "direct"),
    ("direct", "", False, "sneaker-blog.example", "referral"),  # a link on another site
    ("newsletter", "email", False, "", "email"),
    ("mailchimp", "", False, "", "email"),
    ("partner", "newsletter", False, "", "email"),
    ("google", "cpc", False, "", "paid_search"),  # a paid medium
    ("google", "", True, "", "paid_search"),  # a gclid, or a source with spend
    ("google", "organic", False, "", "organic"),
    ("bing", "", False, "", "organic"),  # a search engine referrer
    ("facebook", "paid_social", False, "", "paid_social"),
    ("ig", "", True, "", "paid_social"),  # Meta's UTM alias
    ("instagram", "social", False, "", "organic"),
    ("tiktok", "cpc", False, "", "paid_social"),
    ("criteo", "display", False, "", "paid_search"),  # paid, of no known kind
    ("partner", "referral", False, "", "referral"),
    ("some-site", "", False, "", "referral"),
])
def test_the_built_in_classification(channel, medium, paid, referrer, group):
    assert BUILT_IN.visit_group(channel=channel, medium=medium, paid=paid, referrer=referrer) == group


@pytest.mark.parametrize(("source", "group"), [
    ("meta_ads", "paid_social"), ("twitter_ads", "paid_social"), ("google_ads", "paid_search"),
    ("yahoo_ads", "paid_search"), ("tiktok", "paid_social"), ("criteo", "paid_search"), ("newsletter", "email"),
])
def test_spend_is_paid_by_the_platforms_network(source, group):
    assert BUILT_IN.spend_group(source=source) == group


def test_a_source_and_medium_rule_wins_over_a_source_rule_and_both_over_the_built_in():
    grouping = ChannelGrouping(rules={"google": "referral", "google/cpc": "paid_social", "facebook": "email"})
    assert grouping.visit_group(channel="google", medium="cpc") == "paid_social"
    assert grouping.visit_group(channel="Google", medium="organic") == "referral"
    assert grouping.visit_group(channel="facebook", medium="cpc", paid=True) == "email"
    assert grouping.visit_group(channel="bing") == "organic"
    # Spend rows follow the rule of their source, or of the channel their platform's visits get.
    assert grouping.spend_group(source="meta_ads") == "email"
    assert grouping.spend_group(source="google_ads") == "referral"


def test_a_rule_can_name_a_referring_site():
    grouping = ChannelGrouping(rules={"partner-shop.example": "paid_search"})
    assert grouping.visit_group(channel="direct", referrer="www.partner-shop.example") == "paid_search"
    assert grouping.visit_group(channel="direct", referrer="other.example") == "referral"


@pytest.mark.parametrize(("rules", "field", "reason"), [
    ({"tiktok": "paid_video"}, "rules.tiktok", "must be one of"),
    ({"": "email"}, "rules.", "a rule is named by a source"),
    ({"/cpc": "email"}, "rules./cpc", "a rule is named by a source"),
    ({"TikTok": "email", "tiktok": "organic"}, "rules.tiktok", "repeats the rule"),
    ({"x" * 201: "email"}, "rules." + "x" * 201, "1 to 200 characters"),
    (["tiktok"], "rules", "must be an object"),
])
def test_invalid_rules_are_named(rules, field, reason):
    _normalized, errors = validate_rules(rules)
    assert reason in errors[field][0]


def test_rules_are_stored_lower_case_and_trimmed():
    normalized, errors = validate_rules({" TikTok ": "paid_social", "Google/CPC": "paid_search", "google/": "organic"})
    assert errors == {}
    assert normalized == {"tiktok": "paid_social", "google/cpc": "paid_search", "google": "organic"}
