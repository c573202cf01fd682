"""Reading daily ad spend from a CSV file (platforms without a connector), line by line.

Columns (header required, any order): ``date,source,account_id,campaign_id,campaign_name,spend,impressions,
clicks,currency``; optional ``adset_id,ad_id,platform_conversions,platform_conversion_value``. Unknown columns
are refused (a misspelt column would otherwise be silently lost). Comma, semicolon or tab separated, UTF-8
(a BOM is fine), gzip allowed; with semicolons a decimal comma is accepted (``12,50``).

Every line is validated before anything is written: a file with any bad line imports nothing and every problem
is reported with its line number and column. A valid file replaces, for each (source, account_id, date) it
contains, that day's rows of that account — so importing the same file twice, or a corrected file, is safe.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import IO, Any

import pyarrow as pa

from analyticaflow.channeldata import values
from analyticaflow.channeldata.platforms import clean_campaign_name
from analyticaflow.channeldata.tables import AD_SPEND_DAILY
from analyticaflow.channeldata.writing import arrow_rows

REQUIRED_COLUMNS = ("date", "source", "account_id", "campaign_id", "campaign_name", "spend", "impressions",
                    "clicks", "currency")
OPTIONAL_COLUMNS = ("adset_id", "ad_id", "platform_conversions", "platform_conversion_value")
MAX_ROWS = 1_000_000
MAX_LISTED_ERRORS = 100
CHUNK_ROWS = 50_000
MAX_LINE_BYTES = 64 * 1024
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "message": self.message}


class SpendFileInvalid(Exception):
    """The file has problems; nothing was imported."""

    def __init__(self, errors: list[LineError], error_count: int) -> None:
        self.errors, self.error_count = errors, error_count
        first = errors[0]
        super().__init__(f"{error_count} problem(s) in the file; nothing was imported. "
                         f"Line {first.line}, {first.field}: {first.message}")


class SpendFileTooLarge(Exception):
    pass


@dataclass(slots=True)
class AccountSpan:
    source: str
    account_id: str
    date_from: date
    date_to: date
    rows: int = 0


@dataclass(slots=True)
class ParsedSpend:
    """The valid rows of a file, as Arrow chunks, and the (source, account, date) days they replace."""

    lines: int = 0
    chunks: list[pa.Table] = field(default_factory=list)
    days: set[tuple[str, str, date]] = field(default_factory=set)
    accounts: dict[tuple[str, str], AccountSpan] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(chunk.num_rows for chunk in self.chunks)


def maybe_gunzip(stream: IO[bytes]) -> IO[bytes]:
    """A decompressing reader when the stream starts with the gzip magic (the stream must support peek/seek)."""
    peek = getattr(stream, "peek", None)
    head = peek(2)[:2] if peek else None
    if head is None:
        head = stream.read(2)
        stream.seek(0)
    return gzip.GzipFile(fileobj=stream, mode="rb") if head == GZIP_MAGIC else stream


class _Lines:
    """Decoded lines of a byte stream (UTF-8, BOM dropped), remembering which lines were not valid UTF-8."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.number = 0
        self.undecodable: set[int] = set()

    def __iter__(self) -> Iterator[str]:
        while True:
            line = self.stream.readline(MAX_LINE_BYTES + 1)
            if not line:
                return
            self.number += 1
            if self.number == 1:
                line = line.removeprefix(b"\xef\xbb\xbf")
            try:
                yield line.decode("utf-8")
            except UnicodeDecodeError:
                self.undecodable.add(self.number)
                yield line.decode("utf-8", errors="replace")


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _number(raw: str, delimiter: str) -> str:
    if delimiter == ";" and "," in raw and "." not in raw:
        return raw.replace(",", ".")
    return raw


class _Errors:
    def __init__(self) -> None:
        self.listed: list[LineError] = []
        self.count = 0

    def add(self, line: int, field_name: str, message: str) -> None:
        self.count += 1
        if len(self.listed) < MAX_LISTED_ERRORS:
            self.listed.append(LineError(line, field_name, message))


def parse_spend_csv(stream: IO[bytes], *, project_id: int) -> ParsedSpend:
    """Validate the whole file; the rows to load, or ``SpendFileInvalid`` listing the problems."""
    decoded = _Lines(stream)
    lines = iter(decoded)
    header_text = next(lines, None)
    if header_text is None or not header_text.strip():
        raise SpendFileInvalid([LineError(1, "header", "the file is empty; the first line must name the columns")], 1)
    delimiter = _delimiter(header_text)
    header = [name.strip().lower() for name in next(csv.reader([header_text], delimiter=delimiter))]
    errors = _Errors()
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    repeated = sorted({c for c in header if header.count(c) > 1})
    if missing:
        errors.add(1, "header", f"missing column(s): {', '.join(missing)}")
    if unknown:
        errors.add(1, "header", f"unknown column(s): {', '.join(unknown)}; allowed: "
                                f"{', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}")
    if repeated:
        errors.add(1, "header", f"repeated column(s): {', '.join(repeated)}")
    if errors.count:
        raise SpendFileInvalid(errors.listed, errors.count)

    parsed = ParsedSpend()
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    seen: dict[bytes, int] = {}
    buffer: dict[str, list[Any]] = {name: [] for name in AD_SPEND_DAILY.column_names}
    reader = csv.reader(lines, delimiter=delimiter)
    line_number = 1
    for record in _records(reader, errors):
        start_line, line_number = line_number + 1, reader.line_num + 1
        if not record or all(not cell.strip() for cell in record):
            continue
        parsed.lines += 1
        if parsed.lines > MAX_ROWS:
            raise SpendFileTooLarge(f"more than {MAX_ROWS:,} rows; split the file")
        if decoded.undecodable.intersection(range(start_line, line_number + 1)):
            errors.add(start_line, "line", "is not valid UTF-8 text; save the file as UTF-8")
            continue
        if len(record) != len(header):
            errors.add(start_line, "line", f"has {len(record)} fields, the header has {len(header)}")
            continue
        row = _row(dict(zip(header, record, strict=True)), start_line, delimiter, errors)
        if row is None:
            continue
        key = hashlib.blake2b(repr((row["source"], row["account_id"], row["campaign_id"], row["adset_id"],
                                    row["ad_id"], row["date"])).encode(), digest_size=12).digest()
        if key in seen:
            errors.add(start_line, "campaign_id", f"repeats the campaign and date of line {seen[key]}")
            continue
        seen[key] = start_line
        if errors.count:
            continue  # keep validating, but stop collecting rows: nothing will be written
        row["project_id"] = project_id
        row["loaded_at"] = loaded_at
        for name in AD_SPEND_DAILY.column_names:
            buffer[name].append(row.get(name))
        day = (row["source"], row["account_id"], row["date"])
        parsed.days.add(day)
        span = parsed.accounts.get(day[:2])
        if span is None:
            parsed.accounts[day[:2]] = AccountSpan(row["source"], row["account_id"], row["date"], row["date"], 1)
        else:
            span.date_from, span.date_to = min(span.date_from, row["date"]), max(span.date_to, row["date"])
            span.rows += 1
        if len(buffer["date"]) >= CHUNK_ROWS:
            parsed.chunks.append(arrow_rows(AD_SPEND_DAILY, buffer))
            buffer = {name: [] for name in AD_SPEND_DAILY.column_names}
    if errors.count:
        raise SpendFileInvalid(errors.listed, errors.count)
    if buffer["date"]:
        parsed.chunks.append(arrow_rows(AD_SPEND_DAILY, buffer))
    return parsed


def _records(reader, errors: _Errors) -> Iterator[list[str]]:
    """The reader's records; a line the CSV syntax cannot read ends the file with an error on that line."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            errors.add(reader.line_num + 1, "line", f"is not valid CSV: {exc}")
            return


FIELD_CONVERTERS = {
    "date": values.day,
    "source": values.source_name,
    "account_id": values.text,
    "campaign_name": lambda v: values.text(v, required=False),
    "adset_id": lambda v: values.text(v, required=False),
    "ad_id": lambda v: values.text(v, required=False),
    "currency": values.currency,
}
NUMBER_CONVERTERS = {
    "spend": values.decimal,
    "impressions": values.count,
    "clicks": values.count,
    "platform_conversions": values.decimal,
    "platform_conversion_value": values.decimal,
}


def _row(cells: dict[str, str], line: int, delimiter: str, errors: _Errors) -> dict[str, Any] | None:
    row: dict[str, Any] = {}
    ok = True
    for name, convert in FIELD_CONVERTERS.items():
        try:
            row[name] = convert(cells.get(name, ""))
        except ValueError as exc:
            errors.add(line, name, str(exc))
            ok = False
    for name, convert in NUMBER_CONVERTERS.items():
        try:
            row[name] = convert(_number(cells.get(name, "").strip(), delimiter))
        except ValueError as exc:
            errors.add(line, name, str(exc))
            ok = False
    campaign_id = cells.get("campaign_id", "").strip()
    if not campaign_id:
        campaign_id = clean_campaign_name(row.get("campaign_name"))
        if not campaign_id:
            errors.add(line, "campaign_id", "give campaign_id or campaign_name")
            ok = False
    if len(campaign_id) > values.MAX_TEXT:
        errors.add(line, "campaign_id", f"must be at most {values.MAX_TEXT} characters")
        ok = False
    if not ok:
        return None
    row["campaign_id"] = campaign_id
    row["campaign_key"] = clean_campaign_name(row["campaign_name"])
    return row
