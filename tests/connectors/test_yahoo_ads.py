"""Yahoo! JAPAN Ads specifics: Search and Display accounts, report job flow, CSV variants, summary check."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from analyticaflow.connectors.base import Endpoints
from analyticaflow.connectors.credentials import AppCredentials, Credentials
from analyticaflow.connectors.errors import MalformedResponse, PermanentError, TransientError
from analyticaflow.connectors.raw import RawPage
from analyticaflow.connectors.registry import get_connector
from analyticaflow.connectors.secret import Secret
from tests.connectors.fakes import yahoo_ads
from tests.connectors.support import FakeClock, make_options


@pytest.fixture
def fake():
    with yahoo_ads.FakeYahooAds(days=10) as server:
        yield server


@pytest.fixture
def clock():
    return FakeClock()


def session_for(fake, clock, **settings):
    connector = get_connector("yahoo_ads", options=make_options(clock),
                              endpoints=Endpoints(api_url=f"{fake.url}/search", oauth_url=fake.url, version="v20",
                                                  extra={"DISPLAY_API_URL": f"{fake.url}/display"}),
                              app=AppCredentials(client_id=yahoo_ads.CLIENT_ID,
                                                 client_secret=Secret(yahoo_ads.CLIENT_SECRET)))
    credentials = Credentials(access_token=Secret(fake.access_token), refresh_token=Secret(fake.refresh_token))
    return connector.open(credentials=credentials, settings=settings)


def fetch(fake, clock, account_id, date_from=date(2025, 3, 1), date_to=date(2025, 3, 10)):
    with session_for(fake, clock) as session:
        account = next(a for a in session.list_accounts() if a.account_id == account_id)
        return session.fetch(account=account, date_from=date_from, date_to=date_to)


def test_accounts_of_both_products_in_yen_and_tokyo_time(fake, clock):
    with session_for(fake, clock) as session:
        accounts = session.list_accounts()
    assert [(a.account_id, a.active, a.currency, a.time_zone, a.details["product"], a.details["base_account_id"])
            for a in accounts] == [
        ("1002345678", True, "JPY", "Asia/Tokyo", "search", "1000000001"),
        ("1002345679", False, "JPY", "Asia/Tokyo", "search", "1000000001"),
        ("1009876543", True, "JPY", "Asia/Tokyo", "display", "1009876543"),
    ]
    # The fake answers one account per page: two offset pages under the search MCC.
    starts = [call.json()["startIndex"] for call in fake.calls(r"/search/.*/AccountService/get$")]
    assert starts == [1, 2]


def test_display_reports_parse_their_own_csv_variant(fake, clock):
    result = fetch(fake, clock, "1009876543")
    add = fake.calls(r"/display/.*/ReportDefinitionService/add$")[0].json()["operand"][0]
    assert "reportType" not in add and add["reportDownloadEncode"] == "UTF8"
    assert result.pages[0].body.startswith("\ufeff")  # kept verbatim; the BOM is skipped when parsing
    # Display COST is a DOUBLE ("100.0"), days are 2025/03/01: the same yen totals as Search.
    assert sum(row.spend for row in result.rows) == Decimal(6135)
    assert min(row.date for row in result.rows) == date(2025, 3, 1)


def test_report_jobs_are_removed_after_download(fake, clock):
    fetch(fake, clock, "1002345678")
    assert fake.jobs == {}
    search_add = fake.calls(r"/search/.*/ReportDefinitionService/add$")[0]
    assert search_add.headers["x-z-base-account-id"] == "1000000001"
    operand = search_add.json()["operand"][0]
    assert operand["dateRange"] == {"startDate": "20250301", "endDate": "20250310"}
    assert operand["reportType"] == "CAMPAIGN" and operand["reportDownloadEncode"] == "UTF8"


def test_a_failed_report_job_is_transient_and_still_removed(fake, clock):
    fake.inject("job_failed", path=r"ReportDefinitionService/get$")
    with pytest.raises(TransientError, match="ended FAILED: INTERNAL_ERROR"):
        fetch(fake, clock, "1002345678")
    assert fake.jobs == {}


def test_a_file_cut_at_a_line_boundary_is_caught_by_the_summary_row(fake, clock):
    fake.inject("cut_at_line", path=r"ReportDefinitionService/download$")
    # Kept: day 1 of campaigns 1-3 and day 2 of campaign 1 = 1000 + 2000 + 3000 + 1001 impressions.
    with pytest.raises(MalformedResponse, match="add up to 7001 IMPS but its summary row says 60135"):
        fetch(fake, clock, "1002345678")


def test_operation_errors_inside_a_200_answer_are_permanent(fake, clock):
    fake.inject("operation_error", path=r"ReportDefinitionService/add$")
    with pytest.raises(PermanentError, match="LT001 Over limit"):
        fetch(fake, clock, "1002345678")


def test_malformed_cells_name_the_field(fake, clock):
    fake.inject("malformed", path=r"ReportDefinitionService/download$")
    with pytest.raises(MalformedResponse, match="Field 'COST' should be a number, got '¥48230'"):
        fetch(fake, clock, "1002345678")


def test_a_business_id_with_one_product_lists_that_product(fake, clock):
    fake.denied_products = {"display"}
    with session_for(fake, clock) as session:
        assert {a.details["product"] for a in session.list_accounts()} == {"search"}
    fake.denied_products = {"display", "search"}
    with session_for(fake, clock) as session, pytest.raises(PermanentError, match="0098 Permission denied"):
        session.list_accounts()


def report_page(body: str, fields: list[str]) -> RawPage:
    return RawPage(platform="yahoo_ads", stream="report", account_id="1002345678", request="POST download",
                   fetched_at=datetime(2025, 3, 20), body=body, content_type="csv", context={"fields": fields})


def test_cells_are_read_by_the_requested_fields_order_whatever_the_headers_say():
    fields = ["CAMPAIGN_NAME", "CONV_VALUE", "DAY", "COST", "CAMPAIGN_ID", "IMPS", "CLICKS", "CONVERSIONS"]
    body = ("\ufeffキャンペーン名,コンバージョンの価値,日,コスト,キャンペーンID,"
            "インプレッション数,クリック数,コンバージョン数\n"
            "Spring,1250.00,2025/03/01,100, 55501 ,1000,10,1.00\n"
            "Spring,1250.00,20250302,100,55501,900,9,1.00\n"
            "\n"
            "Total,2500.00,--,200,--,1900,19,2.00\n")
    rows = get_connector("yahoo_ads").normalize([report_page(body, fields)])
    assert [(r.account_id, r.campaign_id, r.campaign_name, r.date, r.spend, r.impressions, r.clicks,
             r.platform_conversions, r.platform_conversion_value, r.currency) for r in rows] == [
        ("1002345678", "55501", "Spring", date(2025, 3, 1), Decimal(100), 1000, 10, Decimal("1.00"),
         Decimal("1250.00"), "JPY"),
        ("1002345678", "55501", "Spring", date(2025, 3, 2), Decimal(100), 900, 9, Decimal("1.00"),
         Decimal("1250.00"), "JPY")]


def test_a_repeated_amount_that_is_no_number_names_its_field_each_time():
    fields = ["DAY", "CAMPAIGN_ID", "IMPS", "CLICKS", "COST", "CONVERSIONS", "CONV_VALUE"]
    body = "h\n2025-03-01,1,10,1,5,1,x\nTotal,--,10,1,5,1,--\n"
    with pytest.raises(MalformedResponse, match="Field 'CONV_VALUE' should be a number, got 'x'"):
        get_connector("yahoo_ads").normalize([report_page(body, fields)])
    body = "h\n2025-03-01,1,10,1,5,x,5\nTotal,--,10,1,5,--,--\n"
    with pytest.raises(MalformedResponse, match="Field 'CONVERSIONS' should be a number, got 'x'"):
        get_connector("yahoo_ads").normalize([report_page(body, fields)])
