"""The set-based (DuckDB SQL) normalize path stores exactly the rows of the Python normalizers.

Each case loads the same raw pages twice into one DuckDB warehouse — once through the platform's Python
normalizer (the reference), once through ``sql_normalize.ad_spend_rows`` — under two account ids, and compares
the stored rows. Cases the SQL path claims must come back as an Arrow table (the fast path really ran); cases it
must leave to the Python normalizer must come back as that normalizer's rows, and still store the same.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import orjson
import pyarrow as pa
import pytest

from analyticaflow.channeldata.services import ad_spend_load
from analyticaflow.connectors.errors import MalformedResponse
from analyticaflow.connectors.raw import RawPage
from analyticaflow.connectors.registry import get_connector
from analyticaflow.connectors.sql_normalize import ad_spend_arrow, ad_spend_rows
from analyticaflow.warehouse.sql import sql
from tests.channeldata import conftest as channeldata_fixtures
from tests.connectors.harnesses import FIRST_DAY, HARNESSES, LAST_DAY
from tests.connectors.support import FakeClock

STORED = ("campaign_id, campaign_name, campaign_key, adset_id, ad_id, date, spend, impressions, clicks, "
          "platform_conversions, platform_conversion_value, currency")
D1, D2 = date(2025, 3, 1), date(2025, 3, 2)
duck = channeldata_fixtures.duck  # a fresh DuckDB warehouse with the channel-data tables
# The module ignores this notice of DuckDB's (the copy is of one chunk's result); pytest resets warning filters.
pytestmark = pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning")


def stored(warehouse, platform, account_id, rows, date_from=D1, date_to=D2):
    ad_spend_load(project_id=1, source=platform, account_id=account_id, date_from=date_from, date_to=date_to,
                  rows=rows, warehouse=warehouse)
    return warehouse.query(sql(
        f"SELECT {STORED} FROM ad_spend_daily WHERE account_id = {{account}} "
        "ORDER BY campaign_id, adset_id, ad_id, date", account=account_id))


def both_paths(warehouse, platform, pages, *, settings=None, date_from=D1, date_to=D2):
    """(rows stored by the Python path, rows stored by ad_spend_rows, what ad_spend_rows returned)."""
    connector = get_connector(platform)
    reference = stored(warehouse, platform, "python", connector.normalize(pages, settings=settings),
                       date_from, date_to)
    chosen = ad_spend_rows(connector, pages, settings=settings)
    return reference, stored(warehouse, platform, "sql", chosen, date_from, date_to), chosen


def page(platform, stream, body, *, currency="EUR", level="campaign"):
    text = body if isinstance(body, str) else orjson.dumps(body).decode()
    return RawPage(platform=platform, stream=stream, account_id="42", request="GET x",
                   fetched_at=datetime(2025, 3, 3, tzinfo=UTC), body=text,
                   context={"currency": currency, "time_zone": "Europe/Berlin", "level": level})


# --- the fake servers' pages -------------------------------------------------------------------------------

@pytest.mark.parametrize("platform", ["meta_ads", "google_ads"])
def test_fake_server_pages_store_the_same_rows(duck, platform):
    harness = next(h for h in HARNESSES if h.platform == platform)
    fake = harness.start()
    try:
        connector = harness.connector(fake, FakeClock())
        with connector.open(credentials=harness.credentials(fake)) as session:
            account = harness.account(session.list_accounts())
            result = session.fetch(account=account, date_from=FIRST_DAY, date_to=LAST_DAY)
    finally:
        fake.stop()
    pages = [RawPage.from_dict(item.to_dict()) for item in result.pages]  # re-parsed from the text
    reference, fast, chosen = both_paths(duck, platform, pages, date_from=FIRST_DAY, date_to=LAST_DAY)
    assert isinstance(chosen, pa.Table)
    assert len(reference) == harness.expected_rows == 30  # 3 campaigns x 10 days
    assert fast == reference
    # Hand-computed from fakes/data.py: Σspend = 61.35, Σconversion value = 750.00 over the 30 rows.
    assert sum(row[6] for row in fast) == Decimal("61.35")
    assert sum(row[10] for row in fast) == Decimal("750.00")


def fetched(platform, *, date_from=FIRST_DAY, date_to=LAST_DAY, serve_every_day=False):
    """A session's fetch from the platform's fake; with ``serve_every_day`` the fake ignores the requested range."""
    harness = next(h for h in HARNESSES if h.platform == platform)
    fake = harness.start()
    if serve_every_day:
        rows = fake.rows
        fake.rows = (lambda since, until, level: rows(FIRST_DAY, LAST_DAY, level)) if platform == "meta_ads" \
            else (lambda customer, resource, span: rows(customer, resource, (FIRST_DAY, LAST_DAY)))
    try:
        connector = harness.connector(fake, FakeClock())
        with connector.open(credentials=harness.credentials(fake)) as session:
            account = harness.account(session.list_accounts())
            return session.fetch(account=account, date_from=date_from, date_to=date_to)
    finally:
        fake.stop()


@pytest.mark.parametrize("platform", ["meta_ads", "google_ads"])
def test_a_fetch_holds_the_set_based_table_and_reads_the_same_rows(duck, platform):
    result = fetched(platform)
    assert isinstance(result.load_rows(), pa.Table) and result.table.num_rows == 30
    python = get_connector(platform).normalize([RawPage.from_dict(item.to_dict()) for item in result.pages])
    assert result.rows == python  # normalized on first read, from the same pages
    assert stored(duck, platform, "sql", result.load_rows(), FIRST_DAY, LAST_DAY) == \
        stored(duck, platform, "python", python, FIRST_DAY, LAST_DAY)


@pytest.mark.parametrize(("platform", "label"), [("meta_ads", "Meta"), ("google_ads", "Google Ads")])
def test_a_row_outside_the_requested_window_is_still_the_fetch_error(platform, label):
    first = FIRST_DAY.replace(day=FIRST_DAY.day + 2)
    with pytest.raises(MalformedResponse) as caught:
        fetched(platform, date_from=first, date_to=LAST_DAY, serve_every_day=True)
    assert str(caught.value) == (f"{platform}: {label} returned a row for {FIRST_DAY}, outside the requested "
                                 f"{first}..{LAST_DAY}.")


# --- Meta Ads edge pages -----------------------------------------------------------------------------------

def meta_row(campaign="c1", day="2025-03-01", **fields):
    return {"campaign_id": campaign, "campaign_name": f"Sale {campaign}", "date_start": day, "date_stop": day,
            "spend": "1.50", "impressions": "100", "clicks": "7", **fields}


def meta_page(*rows, **context):
    return page("meta_ads", "insights", {"data": list(rows), "paging": {"cursors": {"after": "x"}}}, **context)


PURCHASES = [{"action_type": "link_click", "value": "9"}, {"action_type": "purchase", "value": "2"},
             {"action_type": "omni_purchase", "value": "3"}]
META_CLAIMED = {
    "empty page": [meta_page()],
    "zero and missing numbers": [meta_page(meta_row(spend="0", impressions="0", clicks="0"),
                                           meta_row("c2", spend="", impressions="", clicks=None),
                                           {"campaign_id": "c3", "date_start": "2025-03-02"})],
    "largest values": [meta_page(meta_row(spend="999999999999.999999", impressions="999999999999999999",
                                          actions=[{"action_type": "omni_purchase", "value": "123456.123456"}]))],
    "missing optional fields use the page's currency": [
        meta_page({"campaign_id": "c1", "date_start": "2025-03-01", "spend": "2"}, currency="JPY")],
    "the row's currency wins": [meta_page(meta_row(account_currency="USD"))],
    "first configured action type, last entry of it": [meta_page(meta_row(
        actions=[*PURCHASES, {"action_type": "omni_purchase", "value": "4"}],
        action_values=[{"action_type": "omni_purchase", "value": "40.5"},
                       {"action_type": "purchase", "value": "20"}]))],
    "a type only in action_values": [meta_page(meta_row(
        actions=[{"action_type": "link_click", "value": "9"}],
        action_values=[{"action_type": "purchase", "value": "20.25"}]))],
    "paging across a day boundary": [
        meta_page(meta_row("c1", "2025-03-01"), meta_row("c2", "2025-03-01")),
        meta_page(meta_row("c3", "2025-03-01"), meta_row("c1", "2025-03-02", spend="3.25"))],
    "ad level keeps ids, empty ids become empty": [meta_page(
        meta_row(adset_id="s1", ad_id="a1"), meta_row("c2", adset_id="", ad_id=""), level="ad")],
    "campaign level drops ad set ids": [meta_page(meta_row(adset_id="s1", ad_id="a1"))],
    "names are trimmed and keyed like the reference": [meta_page(meta_row(campaign_name="  Été | Sale  "))],
}


def test_meta_hand_computed_values(duck):
    pages = META_CLAIMED["first configured action type, last entry of it"]
    _, fast, _ = both_paths(duck, "meta_ads", pages)
    # omni_purchase is configured first: its last count 4 and its value 40.5; purchase (2 / 20) is not summed.
    assert fast == [("c1", "Sale c1", "sale_c1", "", "", D1, Decimal("1.5"), 100, 7, Decimal(4),
                     Decimal("40.5"), "EUR")]


def test_meta_settings_choose_the_action_types_and_clicks(duck):
    pages = [meta_page(meta_row(actions=PURCHASES, inline_link_clicks="5"))]
    settings = {"conversion_action_types": ["purchase"], "clicks_metric": "inline_link_clicks"}
    reference, fast, chosen = both_paths(duck, "meta_ads", pages, settings=settings)
    assert isinstance(chosen, pa.Table)
    assert fast == reference
    assert (fast[0][8], fast[0][9]) == (5, Decimal(2))


META_FALLBACK = {
    "more than 6 decimals (rounded half-even by the reference)": [meta_page(meta_row(spend="1.2345675"))],
    "a bare JSON number": [page("meta_ads", "insights", '{"data": [{"campaign_id": "c1", "date_start": '
                                '"2025-03-01", "spend": 1.5}]}')],
    "a numeric campaign id": [meta_page(meta_row(campaign=12345))],
    "an action typed null": [meta_page(meta_row(actions=[{"action_type": None, "value": "3"}]))],
    "an action list that is an object": [meta_page(meta_row(actions={}))],
}


@pytest.mark.parametrize("pages", [
    [meta_page(meta_row(date_stop="2025-03-02"))],  # several days in one row
    [meta_page({"date_start": "2025-03-01"})],  # no campaign id
    [page("meta_ads", "insights", {"error": "no data"})],
    [page("meta_ads", "insights", "not json")],
    [meta_page(meta_row(actions=[{"value": "3"}]))],
], ids=["multi-day row", "no campaign id", "no data list", "not JSON", "an action without a type"])
def test_meta_malformed_pages_raise_the_reference_error(pages):
    connector = get_connector("meta_ads")
    assert ad_spend_arrow(pages, platform="meta_ads", settings=connector.validate_settings(None)) is None
    with pytest.raises(MalformedResponse):
        ad_spend_rows(connector, pages)


def test_duplicate_rows_within_a_page_are_rejected_by_both_paths(duck):
    pages = [meta_page(meta_row(), meta_row())]
    connector = get_connector("meta_ads")
    chosen = ad_spend_rows(connector, pages)
    assert isinstance(chosen, pa.Table)
    with pytest.raises(ValueError, match="repeats the key of row 0") as fast_error:
        stored(duck, "meta_ads", "acct", chosen)
    with pytest.raises(ValueError, match="repeats the key of row 0") as reference_error:
        stored(duck, "meta_ads", "acct", connector.normalize(pages))
    assert str(fast_error.value) == str(reference_error.value)


def test_a_reload_replaces_the_window(duck):
    """Restatement: loading the window again through the SQL path leaves only the new rows of its days."""
    first = ad_spend_rows(get_connector("meta_ads"), [meta_page(meta_row("c1"), meta_row("c2", "2025-03-02"))])
    stored(duck, "meta_ads", "sql", first)
    again = ad_spend_rows(get_connector("meta_ads"), [meta_page(meta_row("c1", spend="9"))])
    assert [(row[0], row[5], row[6]) for row in stored(duck, "meta_ads", "sql", again)] == [("c1", D1, Decimal(9))]


# --- Google Ads edge pages ---------------------------------------------------------------------------------

def google_result(campaign="1", day="2025-03-01", metrics=None, **extra):
    return {"segments": {"date": day}, "campaign": {"id": campaign, "name": f"Search {campaign}"},
            "customer": {"id": "42", "currencyCode": "EUR"},
            "metrics": {"costMicros": "1500000", "impressions": "100", "clicks": "7", "conversions": 2.0,
                        "conversionsValue": 30.5} if metrics is None else metrics, **extra}


def google_page(*batches, **context):
    return page("google_ads", "campaign_metrics", [{"results": list(results), "fieldMask": "x"}
                                                   for results in batches], **context)


GOOGLE_CLAIMED = {
    "empty answer": [google_page()],
    "an empty batch": [google_page([])],
    "omitted zero metrics": [google_page([google_result(metrics={}), google_result("2", metrics={"clicks": "0"})])],
    "micros to exact decimals": [google_page([google_result(metrics={"costMicros": "1"}),
                                              google_result("2", metrics={"costMicros": "999999999999999999"})])],
    "fractional conversions": [google_page([google_result(metrics={"conversions": 1.333333,
                                                                   "conversionsValue": "12.5"})])],
    "batches across a day boundary": [google_page([google_result("1"), google_result("2")],
                                                  [google_result("1", "2025-03-02")])],
    "missing currency uses the page's": [google_page([{**google_result(), "customer": {"id": "42"}}],
                                                     currency="JPY")],
    "ad level ids": [google_page([google_result(adGroup={"id": "7"}, adGroupAd={"ad": {"id": "70"}}),
                                  google_result("2", adGroup={}, adGroupAd={"ad": {}})], level="ad")],
}


CLAIMED = [("meta_ads", name, pages) for name, pages in META_CLAIMED.items()] + \
    [("google_ads", name, pages) for name, pages in GOOGLE_CLAIMED.items()]


@pytest.mark.parametrize("platform, name, pages", CLAIMED, ids=[f"{p}: {n}" for p, n, _ in CLAIMED])
def test_pages_the_sql_path_claims(duck, platform, name, pages):
    reference, fast, chosen = both_paths(duck, platform, pages)
    assert isinstance(chosen, pa.Table), name
    assert fast == reference


def test_google_hand_computed_values(duck):
    _, fast, _ = both_paths(duck, "google_ads", GOOGLE_CLAIMED["micros to exact decimals"])
    assert [(row[0], row[6]) for row in fast] == [("1", Decimal("0.000001")), ("2", Decimal("999999999999.999999"))]


GOOGLE_FALLBACK = {
    "conversions with 7 decimals": [google_page([google_result(metrics={"conversions": 0.1234565})])],
    "an exponent": [google_page([google_result(metrics={"conversions": 1e-7})])],
    "more digits than a double holds": [page(
        "google_ads", "campaign_metrics", '[{"results": [{"segments": {"date": "2025-03-01"}, "campaign": {"id": "1"}, '
        '"metrics": {"conversions": 0.1000000000000000001}}]}]')],
    "a numeric zero ad group id": [google_page([google_result(adGroup={"id": 0})], level="adgroup")],
    "a fractional campaign name": [google_page([{**google_result(), "campaign": {"id": "1", "name": 1.5}}])],
    "a boolean": [google_page([{**google_result(), "campaign": {"id": "1", "name": True}}])],
}


FALLBACK = [("meta_ads", name, pages) for name, pages in META_FALLBACK.items()] + \
    [("google_ads", name, pages) for name, pages in GOOGLE_FALLBACK.items()]


@pytest.mark.parametrize("platform, name, pages", FALLBACK, ids=[f"{p}: {n}" for p, n, _ in FALLBACK])
def test_pages_left_to_the_python_normalizer(duck, platform, name, pages):
    connector = get_connector(platform)
    assert ad_spend_arrow(pages, platform=platform, settings=connector.validate_settings(None)) is None, name
    chosen = ad_spend_rows(connector, pages)
    assert isinstance(chosen, list)
    try:
        reference = stored(duck, platform, "python", connector.normalize(pages))
    except ValueError as exc:  # the reference refuses it: so must the chosen path, with the same message
        with pytest.raises(ValueError) as error:
            stored(duck, platform, "python", chosen)
        assert str(error.value) == str(exc)
        return
    assert stored(duck, platform, "sql", chosen) == reference


def test_platforms_without_a_transform_use_the_python_normalizer():
    connector = get_connector("yahoo_ads")
    assert ad_spend_arrow([], platform="yahoo_ads", settings={}) is None
    assert ad_spend_rows(connector, []) == []
