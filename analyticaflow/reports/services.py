"""Writes of the reports capability: the exchange rates a project maintains."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from analyticaflow.accounts.models import Project
from analyticaflow.errors import InvalidInput
from analyticaflow.reports.models import ExchangeRate

MAX_RATES = 100_000


def exchange_rates_replace(*, project: Project, rates: Iterable[dict[str, Any]]) -> list[ExchangeRate]:
    """Make ``rates`` (dicts of currency, valid_from, rate) the project's whole set of exchange rates.

    Each rate converts one unit of its currency into the project's reporting currency from ``valid_from``
    until the currency's next rate. Refused (400, naming the entry): a rate for the reporting currency itself,
    a currency and date given twice."""
    items = list(rates)
    errors: dict[str, list[str]] = {}
    if len(items) > MAX_RATES:
        raise InvalidInput(f"At most {MAX_RATES} rates.", fields={"rates": [f"at most {MAX_RATES} entries"]})
    seen: dict[tuple[str, date], int] = {}
    for index, item in enumerate(items):
        currency = item["currency"]
        if currency == project.currency:
            errors[f"rates.{index}.currency"] = [
                f"{currency} is the project's reporting currency; it needs no rate."]
        key = (currency, item["valid_from"])
        if key in seen:
            errors[f"rates.{index}.valid_from"] = [
                f"{currency} already has a rate from {item['valid_from']} (entry {seen[key]})."]
        seen.setdefault(key, index)
    if errors:
        first = next(iter(errors.items()))
        raise InvalidInput(f"{first[0]}: {first[1][0]}", fields=errors)
    with transaction.atomic():
        ExchangeRate.objects.filter(project=project).delete()
        ExchangeRate.objects.bulk_create([
            ExchangeRate(project=project, currency=item["currency"], valid_from=item["valid_from"],
                         rate=Decimal(item["rate"]))
            for item in items
        ])
    return list(ExchangeRate.objects.filter(project=project).order_by("currency", "valid_from"))
