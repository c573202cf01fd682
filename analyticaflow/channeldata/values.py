"""Converting loader input into exact warehouse values. Each converter returns the value or raises
``ValueError`` with the reason (callers add the field and line)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from analyticaflow.warehouse.schema import DECIMAL_PRECISION, DECIMAL_SCALE

QUANTUM = Decimal(1).scaleb(-DECIMAL_SCALE)
MAX_DECIMAL = Decimal(10) ** (DECIMAL_PRECISION - DECIMAL_SCALE)
MAX_TEXT = 1000
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
SOURCE_RE = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,63}$")
MAX_INT = 2**63 - 1


def text(value: Any, *, required: bool = True) -> str:
    """Trimmed text; ``''`` for a missing optional value."""
    if value is None:
        if required:
            raise ValueError("is required")
        return ""
    if not isinstance(value, str | int):
        raise ValueError(f"must be text, got {type(value).__name__}")
    result = str(value).strip()
    if required and not result:
        raise ValueError("must not be empty")
    if len(result) > MAX_TEXT:
        raise ValueError(f"must be at most {MAX_TEXT} characters")
    return result


def optional_text(value: Any) -> str | None:
    result = text(value, required=False)
    return result or None


def source_name(value: Any) -> str:
    """A platform name: lower-case letters, digits, '_', '.', '-' (e.g. meta_ads, tiktok)."""
    result = text(value).lower()
    if not SOURCE_RE.match(result):
        raise ValueError("must be a platform name of lower-case letters, digits, '_', '.' or '-' (at most 64)")
    return result


def currency(value: Any) -> str:
    result = text(value).upper()
    if not CURRENCY_RE.match(result):
        raise ValueError("must be a three-letter ISO 4217 currency code such as EUR")
    return result


def decimal(value: Any, *, allow_negative: bool = False) -> Decimal:
    """An exact amount (never through a float's binary rounding); missing → 0; at most 6 decimals kept."""
    if value is None or value == "":
        return Decimal(0).quantize(QUANTUM)
    if isinstance(value, bool):
        raise ValueError("must be a number")
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"must be a number, got {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"must be a finite number, got {value!r}")
    if number < 0 and not allow_negative:
        raise ValueError(f"must not be negative, got {value!r}")
    if abs(number) >= MAX_DECIMAL:
        raise ValueError(f"must be less than {MAX_DECIMAL:,}")
    return number.quantize(QUANTUM, rounding=ROUND_HALF_EVEN)


def count(value: Any, *, nullable: bool = False) -> int | None:
    """A non-negative whole number; missing → 0 (or None when ``nullable``)."""
    if value is None or value == "":
        return None if nullable else 0
    if isinstance(value, bool):
        raise ValueError("must be a whole number")
    if isinstance(value, int):
        number = value
    else:
        try:
            exact = Decimal(value.strip() if isinstance(value, str) else value)
        except (InvalidOperation, TypeError, ValueError):
            raise ValueError(f"must be a whole number, got {value!r}") from None
        if not exact.is_finite() or exact != exact.to_integral_value():
            raise ValueError(f"must be a whole number, got {value!r}")
        number = int(exact)
    if number < 0:
        raise ValueError(f"must not be negative, got {value!r}")
    if number > MAX_INT:
        raise ValueError("is too large")
    return number


def day(value: Any) -> date:
    if isinstance(value, datetime):
        raise ValueError("must be a date, not a date and time")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"must be a date as YYYY-MM-DD, got {value!r}")


def instant(value: Any) -> datetime:
    """A moment as naive UTC (the warehouse's timestamps); naive input is taken as UTC."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"must be an ISO 8601 date and time, got {value!r}") from None
    if not isinstance(value, datetime):
        raise ValueError("must be a date and time")
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def optional_instant(value: Any) -> datetime | None:
    return None if value is None or value == "" else instant(value)
