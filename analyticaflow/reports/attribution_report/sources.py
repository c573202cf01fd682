"""What attribution reads from the warehouse: the conversions and the touchpoints their journeys can use.

Conversions (issue "Attribution"): every order (``Order Completed`` events and shop orders, merged by order id
as everywhere else) and every CRM deal won, worth the order's revenue or the deal's amount. A won deal whose id
is also an order id is that order (counted once, as the order: the order carries the visitor and the purchase
instant the touchpoints lead to); the same deal id in two CRM accounts counts once. A deal names its person as
a distinct id (``u:<userId>``); the identity map turns it into the merged person.

Only what the journeys need is read:

- conversions from ``min(start, data_end - lookback)``: those in the period are attributed, the earlier ones
  only tell where a person's non-converting path starts (after their last conversion);
- touchpoints in ``[start - lookback, end)`` of the persons who converted in the period, and every touchpoint
  of the last lookback window of the data (the non-converting paths).

Times come back as microseconds since the epoch (UTC), the engine's unit. A direct visit from another site
(its referrer is neither a search engine nor a social network, nor the shop itself) carries that site's domain
as ``t_referrer``, for the channel grouping (``referral``); the channel stays ``direct``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from analyticaflow.channeldata.orders import merged_orders
from analyticaflow.reports.periods import Period
from analyticaflow.reports.sqlparts import Params, local_day, touch_columns
from analyticaflow.warehouse.dialects import Dialect
from analyticaflow.warehouse.sql import Sql

ONE_MICROSECOND = timedelta(microseconds=1)
CONVERSION_COLUMNS = ("kind", "conversion_id", "person_id", "time_us", "value", "currency", "campaign", "day")
TOUCH_COLUMNS = ("person_id", "seq", "time_us", "t_source", "t_medium", "t_campaign", "t_channel", "t_click",
                 "t_referrer")
ORDER, DEAL = "order", "deal"


@dataclass(frozen=True, slots=True)
class Window:
    """The instants one attribution report reads, all naive UTC like the warehouse's timestamps."""

    period: Period
    lookback: timedelta

    @property
    def start(self) -> datetime:
        return self.period.start

    @property
    def end(self) -> datetime:
        """First instant after the period (exclusive)."""
        return self.period.end

    @property
    def data_end(self) -> datetime:
        """The last instant of the data (inclusive): non-converting paths end here."""
        return self.end - ONE_MICROSECOND

    @property
    def null_start(self) -> datetime:
        """First instant of the last lookback window of the data."""
        return self.data_end - self.lookback

    @property
    def history_start(self) -> datetime:
        return min(self.start, self.null_start)

    @property
    def touch_start(self) -> datetime:
        return self.start - self.lookback


def _conversions(dialect: Dialect, params: Params, *, project_id: int, currency: str, period: Period,
                 since: datetime, until: datetime, deals: bool) -> str:
    """The conversions with ``since <= time < until`` (columns ``CONVERSION_COLUMNS``); orders only unless
    ``deals``."""
    project = params.add(project_id, "project")
    low, high = params.add(since, "since"), params.add(until, "until")
    orders = merged_orders(
        dialect,
        event_where=f"e.project_id = {project} AND e.ordered_at >= {low} AND e.ordered_at < {high}",
        shop_where=f"s.project_id = {project} AND s.ordered_at >= {low} AND s.ordered_at < {high}",
    )
    reporting = params.add(currency, "currency")
    order_rows = f"""
        SELECT {params.add(ORDER, "kind")} AS kind, m.order_id AS conversion_id, coalesce(m.person_id, '') AS person_id,
               {dialect.epoch_micros("m.ordered_at")} AS time_us, m.revenue AS value,
               coalesce(m.currency, {reporting}) AS currency, '' AS campaign,
               {local_day(dialect, "m.ordered_at", period, params)} AS day
        FROM ({orders.text}) AS m
    """
    if not deals:
        return order_rows
    won = params.add("won", "status")
    return order_rows + f"""
        UNION ALL
        SELECT {params.add(DEAL, "kind")} AS kind, d.deal_id AS conversion_id,
               coalesce(nullif(i.person_id, ''), d.person_id, '') AS person_id,
               {dialect.epoch_micros("d.closed_at")} AS time_us, {dialect.to_float("d.value")} AS value,
               d.currency AS currency, coalesce(d.utm_campaign, '') AS campaign,
               {local_day(dialect, "d.closed_at", period, params)} AS day
        FROM (
            SELECT x.deal_id AS deal_id, x.person_id AS person_id, x.closed_at AS closed_at, x.value AS value,
                   x.currency AS currency, x.utm_campaign AS utm_campaign,
                   row_number() OVER (PARTITION BY x.deal_id ORDER BY x.closed_at, x.source, x.account_id) AS n
            FROM crm_deals AS x
            WHERE x.project_id = {project} AND x.status = {won} AND x.closed_at >= {low} AND x.closed_at < {high}
        ) AS d
        LEFT JOIN (
            SELECT im.distinct_id AS distinct_id, im.person_id AS person_id FROM identity_map AS im
            WHERE im.project_id = {project}
        ) AS i ON i.distinct_id = d.person_id
        WHERE d.n = 1 AND d.deal_id NOT IN (SELECT o.order_id FROM orders_merged AS o WHERE o.project_id = {project})
    """


def conversions_sql(dialect: Dialect, *, project_id: int, currency: str, window: Window, deals: bool = True) -> Sql:
    """Every conversion from ``window.history_start`` to the end of the period (orders only unless ``deals``: the
    KPI report credits orders)."""
    params = Params()
    text = _conversions(dialect, params, project_id=project_id, currency=currency, period=window.period,
                        since=window.history_start, until=window.end, deals=deals)
    return params.sql(text)


def touchpoints_sql(dialect: Dialect, *, project_id: int, currency: str, window: Window, deals: bool = True) -> Sql:
    """The touchpoints the period's journeys and the non-converting paths can use (see the module docstring)."""
    params = Params()
    converting = _conversions(dialect, params, project_id=project_id, currency=currency, period=window.period,
                              since=window.start, until=window.end, deals=deals)
    project = params.add(project_id, "project")
    text = f"""
        SELECT t.person_id AS person_id, t.seq AS seq, {dialect.epoch_micros("t.touched_at")} AS time_us,
               {touch_columns("t")},
               CASE WHEN t.channel = {params.add("direct", "direct")} AND t.referrer_domain IS NOT NULL
                         AND position(t.referrer_domain IN coalesce(t.landing_url, '')) = 0
                    THEN t.referrer_domain ELSE '' END AS t_referrer
        FROM touchpoints AS t
        WHERE t.project_id = {project}
          AND t.touched_at >= {params.add(window.touch_start, "touch_start")}
          AND t.touched_at < {params.add(window.end, "end")}
          AND (t.touched_at >= {params.add(window.null_start, "null_start")}
               OR t.person_id IN (SELECT c.person_id FROM ({converting}) AS c))
    """
    return params.sql(text)
