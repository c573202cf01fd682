"""``ad_spend_load`` given an Arrow table of row columns (the set-based normalizer's output): the same stored
rows and the same errors as the same rows given as mappings (the general path)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pyarrow as pa
import pytest

from analyticaflow.channeldata.services import ad_spend_load
from analyticaflow.warehouse.sql import sql

D1, D2 = date(2025, 3, 1), date(2025, 3, 2)
MONEY = pa.decimal128(18, 6)
SCHEMA = pa.schema([("campaign_id", pa.string()), ("campaign_name", pa.string()), ("adset_id", pa.string()),
                    ("ad_id", pa.string()), ("date", pa.date32()), ("spend", MONEY), ("impressions", pa.int64()),
                    ("clicks", pa.int64()), ("platform_conversions", MONEY),
                    ("platform_conversion_value", MONEY), ("currency", pa.string())])


def row(campaign="c1", day=D1, **fields):
    return {"campaign_id": campaign, "campaign_name": "Spring Sale!", "adset_id": None, "ad_id": None, "date": day,
            "spend": Decimal("1.5"), "impressions": 10, "clicks": 2, "platform_conversions": Decimal(0),
            "platform_conversion_value": Decimal("0.25"), "currency": "EUR", **fields}


def load(warehouse, account_id, rows):
    ad_spend_load(project_id=1, source="meta_ads", account_id=account_id, date_from=D1, date_to=D2, rows=rows,
                  warehouse=warehouse)
    return warehouse.query(sql(
        "SELECT campaign_id, campaign_name, campaign_key, adset_id, ad_id, date, spend, impressions, clicks, "
        "platform_conversions, platform_conversion_value, currency FROM ad_spend_daily "
        "WHERE account_id = {account} ORDER BY campaign_id, date", account=account_id))


@pytest.mark.parametrize("rows", [
    [row(), row("c2", D2, adset_id="s1", ad_id="a1")],
    [row(campaign_name=" padded ", currency="usd")],  # converted by the general path: trimmed, upper-cased
    [row(campaign_name=None)],
], ids=["as is", "needs converting", "no name"])
def test_arrow_rows_store_what_mappings_store(warehouse, rows):
    fast = load(warehouse, "arrow", pa.Table.from_pylist(rows, schema=SCHEMA))
    assert fast == load(warehouse, "mappings", rows)
    assert fast[0][2] == {"Spring Sale!": "spring_sale", " padded ": "padded", None: ""}[rows[0]["campaign_name"]]


def test_hand_computed_stored_row(duck):
    assert load(duck, "a", pa.Table.from_pylist([row()], schema=SCHEMA)) == [
        ("c1", "Spring Sale!", "spring_sale", "", "", D1, Decimal("1.5"), 10, 2, Decimal(0), Decimal("0.25"), "EUR")]


@pytest.mark.parametrize("rows, message", [
    ([row(day=date(2025, 3, 3))], "ad_spend_daily row 0: date 2025-03-03 is outside 2025-03-01..2025-03-02"),
    ([row(), row()], "ad_spend_daily row 1 repeats the key of row 0"),
    ([row(currency="EURO")], "ad_spend_daily row 0: currency must be a three-letter ISO 4217 currency code"),
    ([row(campaign_id=" ")], "ad_spend_daily row 0: campaign_id must not be empty"),
], ids=["outside the window", "repeated key", "bad currency", "empty campaign id"])
def test_arrow_rows_are_refused_like_mappings(duck, rows, message):
    with pytest.raises(ValueError, match=message):
        load(duck, "a", pa.Table.from_pylist(rows, schema=SCHEMA))
    with pytest.raises(ValueError, match=message):
        load(duck, "a", rows)
