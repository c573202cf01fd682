"""The demo: a user, a project and a year of a realistic shop's data, all through the real pipeline.

Events go through capture's import service (same validation, stamps and dedupe as any shop's events), the
projections are run up to the log's head, and the ad platforms' daily rows go through the spend loader,
so every page of the product shows what it would show for a real shop.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from analyticaflow.accounts import services as accounts
from analyticaflow.accounts.models import Project, User
from analyticaflow.channeldata.services import ad_spend_load, crm_deals_load, social_load, web_sessions_load
from analyticaflow.demo import channels
from analyticaflow.demo.shop import exchange_rates
from analyticaflow.demo.spend import spend_rows
from analyticaflow.demo.traffic import Simulation, Totals, simulate
from analyticaflow.eventlog.backends import get_event_log
from analyticaflow.eventlog.contracts import EventLog
from analyticaflow.ingest.importing import import_envelope
from analyticaflow.ingest.services import messages_capture
from analyticaflow.projections.services import projections_catch_up, projections_ensure
from analyticaflow.reports.periods import Period
from analyticaflow.reports.query import ReportQuery
from analyticaflow.reports.selectors import report_kpi
from analyticaflow.reports.services import exchange_rates_replace
from analyticaflow.warehouse.backends import Warehouse, get_warehouse

DEMO_EMAIL = "demo@analyticaflow.local"
DEMO_PROJECT = "Demo Shop"
DEMO_TIME_ZONE = "Europe/Berlin"
DEMO_CURRENCY = "EUR"
CAPTURE_BATCH = 5000


@dataclass(frozen=True, slots=True)
class DemoSize:
    """How much traffic the demo shop gets: ``scale`` multiplies every campaign's clicks and the unpaid visits."""

    name: str
    days: int
    scale: float
    unpaid_per_day: float = 130.0  # at scale 1, on an average day


SIZES = {
    # A year of a small shop (~130 visits a day at scale 1): about 90,000 events, ready within a minute.
    "full": DemoSize("full", days=365, scale=0.5),
    # The last 100 days of a smaller shop: every page still has numbers, in a few seconds (for tests).
    "small": DemoSize("small", days=100, scale=0.15),
}

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class DemoSetup:
    user: User
    password: str
    project: Project


@dataclass(slots=True)
class DemoData:
    first_day: date
    last_day: date
    totals: Totals
    spend_rows: int = 0
    rejected: int = 0
    timings: dict[str, float] = field(default_factory=dict)


def demo_create(*, password: str | None = None) -> DemoSetup:
    """The demo user (owner) and the empty demo project."""
    password = password or secrets.token_urlsafe(12)
    user = accounts.user_create(email=DEMO_EMAIL, password=password, name="Demo Marketer", validate=False)
    project = accounts.project_create(owner=user, name=DEMO_PROJECT, timezone_name=DEMO_TIME_ZONE,
                                      currency=DEMO_CURRENCY)
    return DemoSetup(user=user, password=password, project=project)


def _quiet(_: str) -> None:
    return None


def demo_data_load(*, project: Project, size: DemoSize, seed: int = 7, last_day: date | None = None,
                   progress: Progress = _quiet, event_log: EventLog | None = None,
                   warehouse: Warehouse | None = None) -> DemoData:
    """Fill ``project`` with ``size.days`` days of shop data ending ``last_day`` (default: yesterday in the
    project's time zone): events through capture and the projections, ad spend through the spend loader."""
    zone = ZoneInfo(project.timezone)
    last_day = last_day or (datetime.now(zone).date() - timedelta(days=1))
    first_day = last_day - timedelta(days=size.days - 1)
    log = event_log or get_event_log()
    warehouse = warehouse or get_warehouse()
    projections_ensure(warehouse=warehouse)
    started = time.perf_counter()
    batch: list[dict] = []
    rejected = 0
    month = None
    sim = None

    def flush() -> int:
        outcome = messages_capture(items=enumerate(batch), envelope=import_envelope(project.id), event_log=log)
        batch.clear()
        return len(outcome.rejected)

    for day, messages, sim in simulate(first_day=first_day, last_day=last_day, seed=seed, scale=size.scale,
                                       unpaid_per_day=size.unpaid_per_day, time_zone=project.timezone,
                                       currency=project.currency):
        if day.month != month:
            month = day.month
            progress(f"  events   {day:%b %Y}: {sim.totals.messages:,} so far")
        batch.extend(messages)
        if len(batch) >= CAPTURE_BATCH:
            rejected += flush()
    rejected += flush()
    captured = time.perf_counter()
    totals = sim.totals
    progress(f"  captured {totals.messages:,} events ({totals.visits:,} visits, {totals.orders:,} orders) "
             f"in {captured - started:.1f} s; projecting ...")
    projections_catch_up(warehouse=warehouse, log=log)
    projected = time.perf_counter()
    progress(f"  projected in {projected - captured:.1f} s")
    spend = _load_channel_data(project=project, sim=sim, first_day=first_day, last_day=last_day, seed=seed,
                               warehouse=warehouse)
    loaded = time.perf_counter()
    progress(f"  loaded {spend:,} ad spend rows, Instagram, GA4 and CRM data in {loaded - projected:.1f} s")
    return DemoData(first_day=first_day, last_day=last_day, totals=totals, spend_rows=spend, rejected=rejected,
                    timings={"capture": captured - started, "projections": projected - captured,
                             "channels": loaded - projected})


def _load_channel_data(*, project: Project, sim: Simulation, first_day: date, last_day: date, seed: int,
                       warehouse: Warehouse) -> int:
    """Ad spend per account, the Instagram account, the GA4 property and the CRM, through the loaders."""
    by_account: dict[tuple[str, str], list] = {}
    exchange_rates_replace(project=project, rates=exchange_rates(first_day))
    for row in spend_rows(days=sim.campaign_days, seed=seed, first_day=first_day):
        by_account.setdefault((row.source, row.account_id), []).append(row)
    loaded = 0
    for (source, account_id), rows in sorted(by_account.items()):
        loaded += ad_spend_load(project_id=project.id, source=source, account_id=account_id, date_from=first_day,
                                date_to=last_day, rows=rows, warehouse=warehouse)
    social_load(project_id=project.id, source="instagram", account_id=channels.INSTAGRAM_ACCOUNT,
                date_from=first_day, date_to=last_day,
                rows=channels.instagram_rows(first_day=first_day, last_day=last_day, seed=seed), warehouse=warehouse)
    web_sessions_load(project_id=project.id, property_id=channels.GA4_PROPERTY, date_from=first_day,
                      date_to=last_day, rows=channels.ga4_rows(sim, currency=project.currency), warehouse=warehouse)
    crm_deals_load(project_id=project.id, source=channels.CRM_SOURCE, account_id=channels.CRM_ACCOUNT,
                   rows=channels.crm_deals(sim, first_day=first_day, last_day=last_day, seed=seed,
                                           currency=project.currency), warehouse=warehouse)
    return loaded


SUMMARY_METRICS = ("spend", "revenue", "roas", "orders", "new_customers")


def demo_summary(*, project: Project, last_day: date, days: int = 30) -> dict[str, float | None]:
    """The shop's key numbers over its last ``days`` days, through the reports (which also builds their
    derived tables, so the browser's first dashboard is served as fast as the next)."""
    period = Period(last_day - timedelta(days=days - 1), last_day, project.timezone)
    query = ReportQuery(project_id=project.id, timezone=project.timezone, currency=project.currency, period=period,
                        metrics=SUMMARY_METRICS)
    return report_kpi(project=project, query=query)["current"]
