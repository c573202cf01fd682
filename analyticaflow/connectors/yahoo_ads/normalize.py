"""Yahoo report CSV → ``AdSpendRow``. Pure: works on raw pages alone.

Columns are mapped by the order of the requested fields (header texts differ between Search and Display and
between languages). The report's summary row (``Total``) is checked against the sum of the rows, so a file cut
short at a line boundary is caught instead of silently missing days.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from analyticaflow.connectors.errors import MalformedResponse
from analyticaflow.connectors.raw import RawPage
from analyticaflow.connectors.rows import AdSpendRow, decimal_from, int_from

PLATFORM = "yahoo_ads"
REPORT_FIELDS = ("DAY", "ACCOUNT_ID", "CAMPAIGN_ID", "CAMPAIGN_NAME", "IMPS", "CLICKS", "COST", "CONVERSIONS",
                 "CONV_VALUE")
SUMMED = ("IMPS", "CLICKS", "COST", "CONVERSIONS", "CONV_VALUE")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d")
CURRENCY = "JPY"  # every Yahoo! JAPAN ad account bills in yen


@lru_cache(maxsize=4096)
def parse_day(text: str) -> date:
    """``2025-03-14``, ``2025/03/14`` or ``20250314`` (cached: a report repeats each day once per campaign)."""
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise MalformedResponse(f"A report row has an unreadable day {text!r}.", platform=PLATFORM)


def report_rows(text: str, fields: Sequence[str]) -> tuple[list[dict[str, str]], dict[str, str] | None]:
    """(data rows as field → cell, the summary row or None) from the CSV text."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    lines = [line for line in reader if line and any(cell.strip() for cell in line)]
    if not lines:
        raise MalformedResponse("The report file is empty (not even a header).", platform=PLATFORM)
    rows, summary = [], None
    for number, line in enumerate(lines[1:], start=2):
        if len(line) != len(fields):
            raise MalformedResponse(f"Report line {number} has {len(line)} columns, expected {len(fields)} "
                                    "(truncated file?).", platform=PLATFORM)
        row = dict(zip(fields, line, strict=True))
        if line[0].strip().lower() == "total":
            summary = row
        else:
            rows.append(row)
    return rows, summary


def normalize_pages(pages: Sequence[RawPage], settings: Mapping[str, Any] | None = None) -> list[AdSpendRow]:
    result: list[AdSpendRow] = []
    for page in pages:
        if page.stream != "report":
            continue
        fields = page.context.get("fields") or REPORT_FIELDS
        rows, summary = report_rows(page.body, fields)
        normalized = [normalize_row(row, account_id=page.account_id) for row in rows]
        check_summary(normalized, summary)
        result.extend(normalized)
    return result


def normalize_row(row: dict[str, str], *, account_id: str) -> AdSpendRow:
    return AdSpendRow(PLATFORM, row.get("ACCOUNT_ID", "").strip() or account_id, row["CAMPAIGN_ID"].strip(),
                      row.get("CAMPAIGN_NAME", ""), None, None, parse_day(row["DAY"]),
                      decimal_from(row["COST"].strip(), field="COST", platform=PLATFORM),
                      int_from(row["IMPS"].strip(), field="IMPS", platform=PLATFORM),
                      int_from(row["CLICKS"].strip(), field="CLICKS", platform=PLATFORM),
                      decimal_from(row["CONVERSIONS"].strip(), field="CONVERSIONS", platform=PLATFORM),
                      decimal_from(row["CONV_VALUE"].strip(), field="CONV_VALUE", platform=PLATFORM),
                      CURRENCY)


def check_summary(rows: list[AdSpendRow], summary: dict[str, str] | None) -> None:
    if summary is None:
        raise MalformedResponse("The report has no summary row; it may have been cut short.", platform=PLATFORM)
    sums = {"IMPS": sum(row.impressions for row in rows), "CLICKS": sum(row.clicks for row in rows),
            "COST": sum((row.spend for row in rows), Decimal(0)),
            "CONVERSIONS": sum((row.platform_conversions for row in rows), Decimal(0)),
            "CONV_VALUE": sum((row.platform_conversion_value for row in rows), Decimal(0))}
    for field in SUMMED:
        cell = summary.get(field, "--").strip()
        if cell in ("", "--"):
            continue
        if decimal_from(cell, field=f"Total {field}", platform=PLATFORM) != sums[field]:
            raise MalformedResponse(f"The report's rows add up to {sums[field]} {field} but its summary row says "
                                    f"{cell}: the file is incomplete.", platform=PLATFORM)
