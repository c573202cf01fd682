"""Metadata of the reports: the exchange rates a project maintains."""

from __future__ import annotations

from django.db import models

from analyticaflow.accounts.models import Project


class ExchangeRate(models.Model):
    """One unit of ``currency`` is worth ``rate`` units of the project's reporting currency from ``valid_from``
    on, until the currency's next rate."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="exchange_rates")
    currency = models.CharField(max_length=3)
    valid_from = models.DateField()
    rate = models.DecimalField(max_digits=24, decimal_places=12)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "currency", "valid_from"], name="one_rate_per_currency_day")
        ]
        ordering = ["project_id", "currency", "valid_from"]

    def __str__(self) -> str:
        return f"{self.currency} from {self.valid_from}: {self.rate}"
