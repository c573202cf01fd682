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


def report_lines(text: str, fields: Sequence[str]) -> tuple[list[list[str]], list[str] | None]:
    """(data lines as lists of cells, the summary line or None) from the CSV text."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    lines = [line for line in reader if line and any(cell.strip() for cell in line)]
    if not lines:
        raise MalformedResponse("The report file is empty (not even a header).", platform=PLATFORM)
    rows, summary = [], None
    width = len(fields)
    for number, line in enumerate(lines[1:], start=2):
        if len(line) != width:
            raise MalformedResponse(f"Report line {number} has {len(line)} columns, expected {width} "
                                    "(truncated file?).", platform=PLATFORM)
        if line[0].strip().lower() == "total":
            summary = line
        else:
            rows.append(line)
    return rows, summary


def normalize_pages(pages: Sequence[RawPage], settings: Mapping[str, Any] | None = None) -> list[AdSpendRow]:
    result: list[AdSpendRow] = []
    for page in pages:
        if page.stream != "report":
            continue
        fields = page.context.get("fields") or REPORT_FIELDS
        lines, summary = report_lines(page.body, fields)
        normalized = normalize_lines(lines, fields, account_id=page.account_id)
        check_summary(normalized, dict(zip(fields, summary, strict=True)) if summary is not None else None)
        result.extend(normalized)
    return result


def normalize_lines(lines: list[list[str]], fields: Sequence[str], *, account_id: str) -> list[AdSpendRow]:
    """The report's data lines as rows, each cell found by its requested field's position."""
    if not lines:
        return []
    at = {name: index for index, name in enumerate(fields)}
    account_at, name_at = at.get("ACCOUNT_ID"), at.get("CAMPAIGN_NAME")
    campaign_at, day_at, cost_at, imps_at, clicks_at, conversions_at, value_at = (
        at[name] for name in ("CAMPAIGN_ID", "DAY", "COST", "IMPS", "CLICKS", "CONVERSIONS", "CONV_VALUE"))
    amounts: dict[str, Decimal] = {}  # a report repeats amounts (conversions, values): each text parsed once

    def amount(text: str, field: str) -> Decimal:
        number = amounts.get(text)
        if number is None:
            number = amounts[text] = decimal_from(text, field=field, platform=PLATFORM)
        return number

    rows = []
    append = rows.append
    for line in lines:
        account = line[account_at].strip() if account_at is not None else ""
        append(AdSpendRow(PLATFORM, account or account_id, line[campaign_at].strip(),
                          line[name_at] if name_at is not None else "", None, None, parse_day(line[day_at]),
                          amount(line[cost_at].strip(), "COST"),
                          int_from(line[imps_at].strip(), field="IMPS", platform=PLATFORM),
                          int_from(line[clicks_at].strip(), field="CLICKS", platform=PLATFORM),
                          amount(line[conversions_at].strip(), "CONVERSIONS"),
                          amount(line[value_at].strip(), "CONV_VALUE"), CURRENCY))
    return rows


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
