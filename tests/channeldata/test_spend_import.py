"""Importing daily spend from CSV: validation with line numbers, idempotent replacement, API and command."""

from __future__ import annotations

import gzip
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from analyticaflow.channeldata.services import spend_import
from analyticaflow.channeldata.spend_csv import SpendFileInvalid, maybe_gunzip
from tests.factories import add_member, make_user

HEADER = "date,source,account_id,campaign_id,campaign_name,spend,impressions,clicks,currency\n"
GOOD = HEADER + (
    "2026-03-01,tiktok,7001,tt-1,Creators,12.50,1000,20,EUR\n"
    '2026-03-02,tiktok,7001,tt-1,"Creators, spring",7.25,500,10,EUR\n'
    "2026-03-01,tiktok,7002,tt-9,Other,1,10,1,USD\n"
)


def stored(warehouse) -> list[tuple]:
    return sorted(warehouse.query("SELECT account_id, campaign_id, campaign_name, date, spend, currency "
                                  "FROM ad_spend_daily"))


def run(warehouse, text: str | bytes, project_id: int = 1):
    data = text.encode() if isinstance(text, str) else text
    return spend_import(project_id=project_id, stream=io.BytesIO(data), warehouse=warehouse)


def test_a_file_loads_and_reports_per_account(duck):
    report = run(duck, GOOD)
    assert (report.lines, report.rows, report.days_replaced) == (3, 3, 3)
    assert report.accounts == [
        {"source": "tiktok", "account_id": "7001", "date_from": "2026-03-01", "date_to": "2026-03-02", "rows": 2},
        {"source": "tiktok", "account_id": "7002", "date_from": "2026-03-01", "date_to": "2026-03-01", "rows": 1}]
    assert stored(duck) == [
        ("7001", "tt-1", "Creators", date(2026, 3, 1), Decimal("12.500000"), "EUR"),
        ("7001", "tt-1", "Creators, spring", date(2026, 3, 2), Decimal("7.250000"), "EUR"),
        ("7002", "tt-9", "Other", date(2026, 3, 1), Decimal("1.000000"), "USD"),
    ]


def test_importing_again_changes_nothing_and_a_corrected_file_replaces_its_days(warehouse):
    run(warehouse, GOOD)
    run(warehouse, GOOD)
    assert len(stored(warehouse)) == 3
    run(warehouse, HEADER + "2026-03-01,tiktok,7001,tt-2,Renamed,3,1,1,EUR\n")
    # 7001 on 1 March is replaced (tt-1 gone, tt-2 in); its 2 March and account 7002 are untouched.
    assert [(r[0], r[1], r[3]) for r in stored(warehouse)] == [
        ("7001", "tt-1", date(2026, 3, 2)), ("7001", "tt-2", date(2026, 3, 1)), ("7002", "tt-9", date(2026, 3, 1))]


def test_spreadsheet_exports_semicolons_decimal_commas_bom_and_optional_columns(duck):
    text = ("\ufeffDate;Source;Account_ID;Campaign_ID;Campaign_Name;Spend;Impressions;Clicks;Currency;"
            "platform_conversions\n"
            "2026-03-01;tiktok;7001;;Spring Sale!;1.234,5;;;eur;2,5\n")
    with pytest.raises(SpendFileInvalid) as raised:  # 1.234,5 is ambiguous: refused, not guessed
        run(duck, text)
    assert raised.value.errors[0].field == "spend"
    run(duck, text.replace("1.234,5", "1234,5"))
    assert duck.query("SELECT campaign_id, campaign_key, spend, impressions, currency, platform_conversions "
                      "FROM ad_spend_daily") == [
        ("spring_sale", "spring_sale", Decimal("1234.500000"), 0, "EUR", Decimal("2.500000"))]


def test_gzip_files_are_read(duck):
    spend_import(project_id=1, stream=maybe_gunzip(io.BytesIO(gzip.compress(GOOD.encode()))), warehouse=duck)
    assert len(stored(duck)) == 3


@pytest.mark.parametrize(
    ("text", "errors"),
    [
        ("", [(1, "header", "the file is empty")]),
        ("date,source,spend\n", [(1, "header", "missing column(s): account_id, campaign_id")]),
        (HEADER.strip() + ",spend_usd\n", [(1, "header", "unknown column(s): spend_usd")]),
        (HEADER + "2026-02-30,tiktok,7001,c,C,1,1,1,EUR\n", [(2, "date", "must be a date as YYYY-MM-DD")]),
        (HEADER + "2026-03-01,tiktok,7001,c,C,-5,1,1,EUR\n", [(2, "spend", "must not be negative")]),
        (HEADER + "2026-03-01,tiktok,7001,c,C,abc,1,1,EUR\n", [(2, "spend", "must be a number")]),
        (HEADER + "2026-03-01,tiktok,7001,c,C,1,1.5,1,EUR\n", [(2, "impressions", "must be a whole number")]),
        (HEADER + "2026-03-01,Tik Tok,7001,c,C,1,1,1,EUR\n", [(2, "source", "must be a platform name")]),
        (HEADER + "2026-03-01,tiktok,,c,C,1,1,1,EUR\n", [(2, "account_id", "must not be empty")]),
        (HEADER + "2026-03-01,tiktok,7001,,,1,1,1,EUR\n", [(2, "campaign_id", "give campaign_id or campaign_name")]),
        (HEADER + "2026-03-01,tiktok,7001,c,C,1,1,1,EURO\n", [(2, "currency", "three-letter")]),
        (HEADER + "2026-03-01,tiktok,7001,c,C,1,1,1\n", [(2, "line", "has 8 fields, the header has 9")]),
        (HEADER + "2026-03-01,tiktok,7001,c,C,1,1,1,EUR\n\n2026-03-01,tiktok,7001,c,C2,2,1,1,EUR\n",
         [(4, "campaign_id", "repeats the campaign and date of line 2")]),
        (HEADER.encode() + b"2026-03-01,tiktok,7001,c,Caf\xe9,1,1,1,EUR\n", [(2, "line", "not valid UTF-8")]),
        (HEADER + '2026-03-01,tiktok,7001,c,"two\nlines",1,1,1,EUR\n2026-03-01,tiktok,7001,d,D,x,1,1,EUR\n',
         [(4, "spend", "must be a number")]),  # a quoted newline: the next record starts on line 4
        (HEADER + '2026-03-01,tiktok,7001,c,C\r,1,1,1,EUR\n', [(2, "line", "is not valid CSV")]),
    ],
)
def test_bad_files_name_line_and_field_and_import_nothing(duck, text, errors):
    with pytest.raises(SpendFileInvalid) as raised:
        run(duck, text)
    found = [(e.line, e.field, e.message) for e in raised.value.errors]
    assert len(found) == len(errors)
    for (line, field, message), (want_line, want_field, want_text) in zip(found, errors, strict=True):
        assert (line, field) == (want_line, want_field) and want_text in message
    assert stored(duck) == []


def test_every_problem_is_listed(duck):
    lines = [f"2026-03-0{n},tiktok,7001,c{n},C,oops,1,1,EUR" for n in range(1, 4)]
    with pytest.raises(SpendFileInvalid) as raised:
        run(duck, HEADER + GOOD.split("\n", 1)[1] + "\n".join(lines) + "\n")
    assert [e.line for e in raised.value.errors] == [5, 6, 7] and raised.value.error_count == 3
    assert stored(duck) == []


# --- over HTTP and from the command line ------------------------------------------------------------------------
URL = "/api/v1/projects/{}/spend/import"


@pytest.mark.django_db
def test_upload_as_multipart_or_body(as_user, owner, project, process_warehouse):
    client = as_user(owner)
    upload = io.BytesIO(GOOD.encode())
    upload.name = "spend.csv"
    response = client.post(URL.format(project.id), {"file": upload}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["rows"] == 3 and response.json()["days_replaced"] == 3
    response = client.generic("POST", URL.format(project.id), GOOD.encode(), content_type="text/csv")
    assert response.status_code == 200, response.content
    response = client.generic("POST", URL.format(project.id), gzip.compress(GOOD.encode()), content_type="text/csv",
                              HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 200, response.content
    assert len(stored(process_warehouse)) == 3


@pytest.mark.django_db
def test_a_bad_upload_is_400_naming_line_and_field(as_user, owner, project, process_warehouse):
    text = HEADER + "2026-03-01,tiktok,7001,c,C,1,1,1,EUR\n2026-03-02,tiktok,7001,c,C,ten,1,1,EUR\n"
    response = as_user(owner).generic("POST", URL.format(project.id), text.encode(), content_type="text/csv")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_file"
    assert error["fields"] == {"line 3: spend": ["must be a number, got 'ten'"]}
    assert "Line 3, spend" in error["message"] and "nothing was imported" in error["message"]
    assert stored(process_warehouse) == []


@pytest.mark.django_db
def test_viewers_cannot_import(as_user, project, process_warehouse):
    viewer = make_user("viewer@shop.test")
    add_member(project, viewer, "viewer")
    response = as_user(viewer).generic("POST", URL.format(project.id), GOOD.encode(), content_type="text/csv")
    assert response.status_code == 403


@pytest.mark.django_db
def test_import_spend_command(project, process_warehouse, tmp_path, capsys):
    path = tmp_path / "spend.csv"
    path.write_text(GOOD)
    call_command("import", "spend", str(path), "--project", str(project.id))
    out = capsys.readouterr().out
    assert "3 lines: 3 rows loaded, 3 account-days replaced" in out
    assert "tiktok 7001: 2 rows, 2026-03-01 to 2026-03-02" in out
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "2026-03-01,tiktok,7001,c,C,1,1,1,EURO\n")
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import", "spend", str(bad), "--project", str(project.id))
    assert "line 2, currency: must be a three-letter" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No project with id 999"):
        call_command("import", "spend", str(path), "--project", "999")
