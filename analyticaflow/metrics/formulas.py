"""Pure metric arithmetic: ratios that give ``None`` (never an error) on a zero or missing denominator."""

from __future__ import annotations

from decimal import Decimal

Number = int | float | Decimal


def safe_ratio(numerator: Number | None, denominator: Number | None, *, scale: Number = 1) -> float | None:
    """``scale · numerator / denominator``; None when either is missing or the denominator is zero."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return float(scale) * float(numerator) / float(denominator)


def calculate_romi(*, revenue: Number | None, cost: Number | None) -> float | None:
    """Return on marketing investment: ``(revenue - cost) / cost``. No cost (zero or unknown) → None.

    ``calculate_romi(revenue=1500, cost=1000)`` → 0.5 (50 %); ``calculate_romi(revenue=1000, cost=0)`` → None.
    """
    if revenue is None:
        return None
    return safe_ratio(Decimal(str(revenue)) - Decimal(str(cost)) if cost is not None else None, cost)


def calculate_roas(*, revenue: Number | None, cost: Number | None) -> float | None:
    """Return on ad spend: ``revenue / cost``; None without cost."""
    return safe_ratio(revenue, cost)


def change(current: Number | None, previous: Number | None) -> dict[str, float | None]:
    """Change against the comparison period: ``abs = current - previous``; ``pct = (current - previous) /
    |previous|`` (a fraction: 0.25 is +25 %), None when previous is 0 or either value is missing."""
    if current is None or previous is None:
        return {"abs": None, "pct": None}
    if isinstance(current, int) and isinstance(previous, int):
        difference: Number = current - previous
    else:
        difference = float(current) - float(previous)
    return {"abs": difference, "pct": None if previous == 0 else float(difference) / abs(float(previous))}
