"""``ad_spend_load``'s fast path (typed rows → Arrow columns) stores exactly what the general per-row path stores,
and leaves every conversion, rounding and error to the general path."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime
from decimal import Decimal

import pytest

from analyticaflow.channeldata.columns import ad_spend_table
from analyticaflow.channeldata.services import ad_spend_load
from analyticaflow.channeldata.tables import AD_SPEND_DAILY
from analyticaflow.connectors.rows import AdSpendRow

D1, D2, D3 = date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)
COLUMNS = ("source, account_id, campaign_id, campaign_name, campaign_key, adset_id, ad_id, date, spend, impressions, "
           "clicks, platform_conversions, platform_conversion_value, currency")


def row(campaign_id="c1", day=D1, spend="1.5", *, name="Spring Sale", adset=None, ad=None, impressions=100,
        clicks=7, conversions="2", value="30.25", currency="EUR") -> AdSpendRow:
    return AdSpendRow("meta_ads", "act_1", campaign_id, name, adset, ad, day, money(spend), impressions, clicks,
                      money(conversions), money(value), currency)


def money(value):
    return Decimal(value) if isinstance(value, str) else value


def as_dicts(rows: list[AdSpendRow]) -> list[dict]:
    return [dataclasses.asdict(r) for r in rows]


def load(warehouse, rows, *, account="act_1", date_from=D1, date_to=D3) -> int:
    return ad_spend_load(project_id=1, source="meta_ads", account_id=account, date_from=date_from, date_to=date_to,
                         rows=rows, warehouse=warehouse)


def stored(warehouse, account="act_1") -> list[tuple]:
    return sorted(warehouse.query(f"SELECT {COLUMNS} FROM ad_spend_daily WHERE account_id = '{account}'"))


def fast(rows, date_from=D1, date_to=D3):
    fixed = {"project_id": 1, "source": "meta_ads", "account_id": "act_1", "loaded_at": datetime(2026, 3, 4)}
    return ad_spend_table(AD_SPEND_DAILY, rows, fixed=fixed, date_from=date_from, date_to=date_to)


def m(text: str) -> Decimal:
    return Decimal(text)


# Typed rows the fast path takes, and the rows both paths must store (hand-written).
FAST_CASES = {
    "currencies, ids, names and an ad-level row": (
        [row("c1", D1, "12.34", currency="EUR"), row(" c2 ", D1, "0.5", name=" (Sale) Win_2026 | RU ", adset="as1",
                                                   ad="ad9", currency="jpy")],
        [("meta_ads", "act_1", "c1", "Spring Sale", "spring_sale", "", "", D1, m("12.340000"), 100, 7, m("2.000000"),
          m("30.250000"), "EUR"),
         ("meta_ads", "act_1", "c2", "(Sale) Win_2026 | RU", "sale_win_2026_ru", "as1", "ad9", D1, m("0.500000"), 100,
          7, m("2.000000"), m("30.250000"), "JPY")]),
    "micros and zero spend": (
        [row("c1", D2, Decimal(25_000_000).scaleb(-6), conversions=Decimal(0), value=Decimal("0E-7"), clicks=0,
             impressions=0),
         row("c1", D3, Decimal(1).scaleb(-6), name="")],
        [("meta_ads", "act_1", "c1", "", "", "", "", D3, m("0.000001"), 100, 7, m("2.000000"), m("30.250000"), "EUR"),
         ("meta_ads", "act_1", "c1", "Spring Sale", "spring_sale", "", "", D2, m("25.000000"), 0, 0, m("0.000000"),
          m("0.000000"), "EUR")]),
    "the largest amount and count": (
        [row("c1", D1, "999999999999.999999", impressions=2**63 - 1)],
        [("meta_ads", "act_1", "c1", "Spring Sale", "spring_sale", "", "", D1, m("999999999999.999999"), 2**63 - 1, 7,
          m("2.000000"), m("30.250000"), "EUR")]),
}


@pytest.mark.parametrize("case", FAST_CASES)
def test_typed_rows_take_the_fast_path_and_store_what_the_general_path_stores(warehouse, case):
    rows, expected = FAST_CASES[case]
    assert fast(rows) is not None
    assert load(warehouse, rows) == len(rows)
    assert load(warehouse, as_dicts(rows), account="act_2") == len(rows)  # mappings: the general path
    assert stored(warehouse) == sorted(expected)
    assert [r[:1] + r[2:] for r in stored(warehouse, "act_2")] == [r[:1] + r[2:] for r in stored(warehouse)]


# Rows the fast path leaves to the general path, and what the general path makes of them.
ROUNDED_CASES = {
    "7 decimals round half to even": ([row("c1", D1, "0.0000005", conversions="0.0000015", value="2.5000025")],
                                      (m("0.000000"), m("0.000002"), m("2.500002"))),
    "text and int money": ([dataclasses.replace(row("c1", D1, conversions=4, value=None), spend=" 3.10 ")],
                           (m("3.100000"), m("4.000000"), m("0.000000"))),
    "a float amount": ([row("c1", D1, 0.1, conversions="1", value="1")], (m("0.100000"), m("1.000000"),
                                                                           m("1.000000"))),
}


@pytest.mark.parametrize("case", ROUNDED_CASES)
def test_values_needing_a_conversion_go_through_the_general_path(duck, case):
    rows, money = ROUNDED_CASES[case]
    assert fast(rows) is None
    load(duck, rows)
    assert [r[8] for r in stored(duck)] == [money[0]]
    assert [(r[11], r[12]) for r in stored(duck)] == [money[1:]]


ERROR_CASES = {
    "a repeated key in one page": ([row("c1", D1, "1"), row("c2", D1, "2"), row("c1", D1, "3")],
                                   "ad_spend_daily row 2 repeats the key of row 0"),
    "negative spend": ([row("c1", D1, "-1")], "ad_spend_daily row 0: spend must not be negative"),
    "a tiny negative amount": ([row("c1", D1, "-0.0000001")], "ad_spend_daily row 0: spend must not be negative"),
    "not a number": ([row("c1", D1, Decimal("NaN"))], "ad_spend_daily row 0: spend must be a finite number"),
    "too large": ([row("c1", D1, "1000000000000")], "ad_spend_daily row 0: spend must be less than"),
    "no currency": ([row("c1", D1, "1", currency=None)], "ad_spend_daily row 0: currency is required"),
    "a bad currency": ([row("c1", D1, "1", currency="euro")], "ad_spend_daily row 0: currency must be a three-letter"),
    "an empty campaign id": ([row("c1", D1), row("  ", D2)], "ad_spend_daily row 1: campaign_id must not be empty"),
    "a day outside the window": ([row("c1", D3), row("c1", date(2026, 3, 4))],
                                 "ad_spend_daily row 1: date 2026-03-04 is outside 2026-03-01..2026-03-03"),
    "a date and time": ([row("c1", datetime(2026, 3, 1, 12))], "ad_spend_daily row 0: date must be a date"),
    "a negative count": ([row("c1", D1, clicks=-1)], "ad_spend_daily row 0: clicks must not be negative"),
    "a bool count": ([row("c1", D1, impressions=True)], "ad_spend_daily row 0: impressions must be a whole number"),
    "a fractional count": ([row("c1", D1, clicks=1.5)], "ad_spend_daily row 0: clicks must be a whole number"),
}


@pytest.mark.parametrize("case", ERROR_CASES)
def test_problems_are_reported_by_the_general_path_and_nothing_is_loaded(duck, case):
    rows, message = ERROR_CASES[case]
    assert fast(rows) is None
    load(duck, [row("c9", D1, "5")])
    with pytest.raises(ValueError, match=re.escape(message)):
        load(duck, rows)
    assert [r[2] for r in stored(duck)] == ["c9"]


def test_a_restated_window_replaces_its_days_on_the_fast_path(warehouse):
    assert load(warehouse, [row("c1", D1, "1"), row("c1", D2, "2"), row("c2", D3, "3")]) == 3
    load(warehouse, [row("c1", D1, "100")], account="act_2")
    # The platform restates D2..D3: c1 on D2 changed, c2 on D3 is gone, a new campaign appeared on D3.
    assert load(warehouse, [row("c1", D2, "2.5"), row("c3", D3, "0")], date_from=D2, date_to=D3) == 2
    assert [(r[1], r[2], r[7], r[8]) for r in stored(warehouse)] == [
        ("act_1", "c1", D1, m("1.000000")), ("act_1", "c1", D2, m("2.500000")), ("act_1", "c3", D3, m("0.000000"))]
    assert [(r[2], r[8]) for r in stored(warehouse, "act_2")] == [("c1", m("100.000000"))]
    load(warehouse, [], date_from=D1, date_to=D3)
    assert stored(warehouse) == []
