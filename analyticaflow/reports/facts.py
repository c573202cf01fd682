"""The facts: for each table family, the SQL relation of its rows for one period, and how its parts sum.

Every relation yields the group columns ``g_source, g_account, g_campaign_id, g_campaign_name, g_channel``
(text, ``''`` for none), ``day`` (the local calendar day), ``currency`` and one ``v_<part>`` column per part.
The report runner (``collect``) wraps it: converts money, groups, buckets. Facts of first-party data
(orders, sessions) are first materialized per period (``prepare``) with their touchpoint's attributes; the
distinct attributes become the staged touch groups (``touches``) their relation joins when the report is
grouped or filtered.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analyticaflow.channeldata.orders import merged_orders
from analyticaflow.channeldata.platforms import PLATFORMS
from analyticaflow.reports.attribution import LOOKBACK, LOOKBACK_MICROS, CreditContext, attribution_model
from analyticaflow.reports.credits import ORDER_TOUCHES
from analyticaflow.reports.customers import first_orders_in
from analyticaflow.reports.periods import ONE_DAY, Period
from analyticaflow.reports.query import Filters
from analyticaflow.reports.spend import SPEND_DAYS
from analyticaflow.reports.sqlparts import Params, local_day, touch_columns
from analyticaflow.warehouse.dialects import Dialect
from analyticaflow.warehouse.schema import FLOAT, TEXT, TableSpec, col

GROUP_COLUMNS = ("g_source", "g_account", "g_campaign_id", "g_campaign_name", "g_channel")
# What an attribution model computed outside SQL returns (``AttributionModel.stage``): per order and touch
# combination, its share of the order and of the order's value.
CREDIT_ROWS = TableSpec("report_order_credit", (
    col("order_id", TEXT), col("t_source", TEXT), col("t_medium", TEXT), col("t_campaign", TEXT),
    col("t_channel", TEXT), col("t_click", TEXT), col("weight", FLOAT), col("value_weight", FLOAT)),
    key=("order_id", "t_source", "t_medium", "t_campaign", "t_channel", "t_click"))
TOUCH_KEYS = ("t_source", "t_medium", "t_campaign", "t_channel", "t_click")
STAGE_KEYS = ("k_source", "k_medium", "k_campaign", "k_channel", "k_click")


@dataclass(frozen=True, slots=True)
class FactInput:
    dialect: Dialect
    project_id: int
    currency: str
    period: Period
    filters: Filters
    parts: tuple[str, ...]
    attribution_model: str
    grouped: bool  # split by touchpoint (a grouping or a filter on group values)
    touch_groups: str | None = None  # the staged touch-group relation (set once the combinations are known)
    credit_stage: str | None = None  # the staged credit rows of an attribution model computed outside SQL
    # Orders read the derived order touches (``credits``): their credit column when grouped, "" when not.
    # None: computed from the projection tables (a model the derived table does not keep).
    order_touches: str | None = None


@dataclass(frozen=True, slots=True)
class FactSql:
    relation: str
    aggregates: dict[str, str] = field(default_factory=dict)  # part → aggregate over ``f``
    money: dict[str, str] = field(default_factory=dict)  # part → ``f`` column holding the amount
    coverage: str | None = None  # (currency, day, amount, source_rows) rows to check for exchange rates


def _touch_join(touch_groups: str, left: str) -> str:
    """Rows of ``left`` (with touch attributes) joined to their group; combinations filtered out drop."""
    on = " AND ".join(f"g.{k} = {left}.{t}" for k, t in zip(STAGE_KEYS, TOUCH_KEYS, strict=True))
    return f"INNER JOIN {touch_groups} AS g ON {on}"


def _group_select(touch_groups: str | None) -> str:
    if touch_groups:
        return ", ".join(f"g.{c} AS {c}" for c in GROUP_COLUMNS)
    return ", ".join(f"'' AS {c}" for c in GROUP_COLUMNS)


def _distinct_touches(prepared: str | None) -> str | None:
    """The distinct touch combinations (``TOUCH_KEYS``) of materialized rows that carry them."""
    return f"SELECT DISTINCT {', '.join(TOUCH_KEYS)} FROM {prepared}" if prepared else None


def _own_account_filters(fi: FactInput, params: Params, source: str, account: str) -> list[str]:
    conditions = []
    if fi.filters.source:
        conditions.append(params.in_list(source, fi.filters.source))
    if fi.filters.account_id:
        conditions.append(params.in_list(account, fi.filters.account_id))
    return conditions


class AdSpend:
    uses_touch_groups = False
    credited = False  # reads attribution credit

    def prepare(self, fi: FactInput, params: Params) -> str | None:
        return None

    def build(self, fi: FactInput, params: Params, prepared: str | None) -> FactSql:
        channel = "CASE a.source " + " ".join(
            f"WHEN {params.add(p.name, 'src')} THEN {params.add(p.channel, 'chn')}" for p in PLATFORMS.values()
        ) + " ELSE a.source END"
        conditions = [
            f"a.project_id = {params.add(fi.project_id, 'project')}",
            f"a.date >= {params.add(fi.period.date_from, 'day_from')}",
            f"a.date <= {params.add(fi.period.date_to, 'day_to')}",
            *_own_account_filters(fi, params, "a.source", "a.account_id"),
        ]
        if fi.filters.campaign_id:
            conditions.append(params.in_list("a.campaign_id", fi.filters.campaign_id))
        if fi.filters.channel:
            conditions.append(params.in_list(f"({channel})", fi.filters.channel))
        relation = f"""
            SELECT a.source AS g_source, a.account_id AS g_account, a.campaign_id AS g_campaign_id,
                   '' AS g_campaign_name, {channel} AS g_channel, a.date AS day, a.currency AS currency,
                   a.spend AS v_spend, a.impressions AS v_impressions, a.clicks AS v_clicks,
                   a.platform_conversions AS v_platform_conversions,
                   a.platform_conversion_value AS v_platform_conversion_value, a.source_rows AS v_rows
            FROM {fi.dialect.read_as(SPEND_DAYS.name, "a")}
            WHERE {" AND ".join(conditions)}
        """
        return FactSql(
            relation,
            aggregates={"impressions": "sum(f.v_impressions)", "clicks": "sum(f.v_clicks)",
                        "platform_conversions": "sum(f.v_platform_conversions)"},
            money={"spend": "v_spend", "platform_conversion_value": "v_platform_conversion_value"},
            coverage=(f"SELECT f.currency AS currency, f.day AS day, f.v_spend AS amount, f.v_rows AS source_rows "
                      f"FROM ({relation}) AS f"),
        )


class Orders:
    """Orders of the period credited by the attribution model (or as a whole when nothing is grouped).

    ``prepare`` materializes one row per credited (order, touch) with its weights (of the order and of its value),
    local day, currency, revenue, whether it is the person's first-ever order, and the credited touch's
    attributes; ``build`` reads it. A model computed outside SQL (``AttributionModel.stage``) has its rows staged
    first (``FactInput.credit_stage``, columns ``CREDIT_ROWS``)."""

    uses_touch_groups = True
    credited = True

    def prepare(self, fi: FactInput, params: Params) -> str | None:
        """Grouped reports materialize the credited rows (their touch combinations feed the touch groups), unless
        the derived order touches hold them."""
        return self.rows(fi, params) if fi.grouped and fi.order_touches is None else None

    def touch_combos(self, fi: FactInput, params: Params, prepared: str | None) -> str | None:
        """Those of the materialized rows (the derived order touches' combinations are known by id instead)."""
        return _distinct_touches(prepared)

    def _derived_orders(self, fi: FactInput, params: Params) -> str:
        """The derived order touches of the period (alias ``o``), as a FROM ... WHERE fragment."""
        project = params.add(fi.project_id, "project")
        start, end = params.add(fi.period.start, "start"), params.add(fi.period.end, "end")
        return (f"{fi.dialect.read_as(ORDER_TOUCHES.name, 'o')} WHERE o.project_id = {project} "
                f"AND o.ordered_at >= {start} AND o.ordered_at < {end}")

    def _build_derived(self, fi: FactInput, params: Params) -> FactSql:
        """Orders read from the derived order touches: whole, or joined through their credited combination's id
        to its touch group (``k_combo``; combinations filtered out drop)."""
        currency = params.add(fi.currency, "currency")
        day = local_day(fi.dialect, "o.ordered_at", fi.period, params)
        columns = (f"{day} AS day, coalesce(o.currency, {currency}) AS currency, 1 AS v_orders, "
                   "o.revenue AS v_revenue, o.is_first AS v_new_customers")
        every = f"SELECT {_group_select(None)}, {columns} FROM {self._derived_orders(fi, params)}"
        relation = every
        if fi.touch_groups:
            orders = self._derived_orders(fi, params).replace(
                " WHERE ", f" INNER JOIN {fi.touch_groups} AS g ON g.k_combo = o.{fi.order_touches} WHERE ", 1)
            relation = f"SELECT {_group_select(fi.touch_groups)}, {columns} FROM {orders}"
        return FactSql(
            relation,
            aggregates={"orders": "sum(f.v_orders)", "new_customers": "sum(f.v_new_customers)"},
            money={"revenue": "v_revenue"},
            coverage=(f"SELECT c.currency AS currency, c.day AS day, c.v_revenue AS amount, 1 AS source_rows "
                      f"FROM ({every}) AS c"),
        )

    def rows(self, fi: FactInput, params: Params) -> str:
        dialect, period = fi.dialect, fi.period
        project = params.add(fi.project_id, "project")
        start, end = params.add(period.start, "start"), params.add(period.end, "end")
        currency = params.add(fi.currency, "currency")
        window = merged_orders(
            dialect,
            event_where=f"e.project_id = {project} AND e.ordered_at >= {start} AND e.ordered_at < {end}",
            shop_where=f"s.project_id = {project} AND s.ordered_at >= {start} AND s.ordered_at < {end}",
        )
        ctes = [f"""po AS (
            SELECT m.order_id AS order_id, m.person_id AS person_id, m.ordered_at AS ordered_at,
                   m.revenue AS revenue, coalesce(m.currency, {currency}) AS currency,
                   {local_day(dialect, "m.ordered_at", period, params)} AS day
            FROM ({window.text}) AS m
        )"""]
        first = "0"
        if "new_customers" in fi.parts:
            firsts = first_orders_in(dialect, project=project, start=start, end=end)
            first = f"CASE WHEN po.order_id IN ({firsts}) THEN 1 ELSE 0 END"
        if fi.grouped:
            lookback = params.add(LOOKBACK_MICROS, "lookback")
            touch_start = params.add(period.start - LOOKBACK, "touch_start")
            window = f"t.project_id = {project} AND t.touched_at >= {touch_start} AND t.touched_at < {end}"
            ctes.append(f"""touches AS (
                SELECT t.person_id AS person_id, t.seq AS seq, t.touched_at AS touched_at
                FROM touchpoints AS t WHERE {window}
            )""")
            ctes.append(f"""touch_attributes AS (
                SELECT t.seq AS seq, {touch_columns("t")} FROM touchpoints AS t WHERE {window}
            )""")
            model = attribution_model(fi.attribution_model)
            context = CreditContext(dialect, lookback, stage=fi.credit_stage)
            ctes.append(f"credited AS ({model.credited_sql(context)})")
            touch = ", ".join(f"c.{name} AS {name}" for name in TOUCH_KEYS)
            return f"""WITH {", ".join(ctes)}
                SELECT po.order_id AS order_id, po.day AS day, po.currency AS currency, po.revenue AS revenue,
                       {first} AS is_first, c.weight AS weight, c.value_weight AS value_weight, {touch}
                FROM po INNER JOIN credited AS c ON c.order_id = po.order_id"""
        return f"""WITH {", ".join(ctes)}
            SELECT po.order_id AS order_id, po.day AS day, po.currency AS currency, po.revenue AS revenue,
                   {first} AS is_first, 1.0 AS weight, 1.0 AS value_weight
            FROM po"""

    def build(self, fi: FactInput, params: Params, prepared: str | None) -> FactSql:
        if fi.order_touches is not None:
            return self._build_derived(fi, params)
        rows = prepared or f"({self.rows(fi, params)})"
        relation = f"""
            SELECT {_group_select(fi.touch_groups)}, c.day AS day, c.currency AS currency, c.weight AS v_orders,
                   c.value_weight * c.revenue AS v_revenue, c.weight * c.is_first AS v_new_customers
            FROM {rows} AS c
            {_touch_join(fi.touch_groups, "c") if fi.touch_groups else ""}
        """
        return FactSql(
            relation,
            aggregates={"orders": "sum(f.v_orders)", "new_customers": "sum(f.v_new_customers)"},
            money={"revenue": "v_revenue"},
            coverage=(f"SELECT c.currency AS currency, c.day AS day, c.value_weight * c.revenue AS amount, "
                      f"1 AS source_rows FROM {rows} AS c"),
        )


class Sessions:
    """Sessions started in the period; when grouped, each with its touchpoint's attributes (materialized)."""

    uses_touch_groups = True
    credited = False

    def prepare(self, fi: FactInput, params: Params) -> str | None:
        if not fi.grouped:
            return None
        period = fi.period
        project = params.add(fi.project_id, "project")
        start, end = params.add(period.start, "start"), params.add(period.end, "end")
        touch_end = params.add(period.end + ONE_DAY, "touch_end")
        coalesced = ", ".join(f"coalesce(tt.{name}, '') AS {name}" for name in TOUCH_KEYS)
        return f"""
            SELECT s.person_id AS person_id, {local_day(fi.dialect, "s.started_at", period, params)} AS day, {coalesced}
            FROM sessions AS s
            LEFT JOIN (
                SELECT t.person_id AS person_id, t.session_id AS session_id, {touch_columns("t")}
                FROM touchpoints AS t
                WHERE t.project_id = {project} AND t.touched_at >= {start} AND t.touched_at < {touch_end}
            ) AS tt ON tt.person_id = s.person_id AND tt.session_id = s.session_id
            WHERE s.project_id = {project} AND s.started_at >= {start} AND s.started_at < {end}
        """

    def touch_combos(self, fi: FactInput, params: Params, prepared: str | None) -> str | None:
        return _distinct_touches(prepared)

    def build(self, fi: FactInput, params: Params, prepared: str | None) -> FactSql:
        currency = params.add(fi.currency, "currency")
        if prepared:
            relation = f"""
                SELECT {_group_select(fi.touch_groups)}, c.day AS day, {currency} AS currency,
                       c.person_id AS person_id
                FROM {prepared} AS c
                {_touch_join(fi.touch_groups, "c") if fi.touch_groups else ""}
            """
        else:
            period = fi.period
            project = params.add(fi.project_id, "project")
            start, end = params.add(period.start, "start"), params.add(period.end, "end")
            relation = f"""
                SELECT {_group_select(None)}, {local_day(fi.dialect, "s.started_at", period, params)} AS day,
                       {currency} AS currency, s.person_id AS person_id
                FROM sessions AS s
                WHERE s.project_id = {project} AND s.started_at >= {start} AND s.started_at < {end}
            """
        return FactSql(relation, aggregates={"sessions": "count(*)", "users": "count(DISTINCT f.person_id)"})


class WebSessions:
    uses_touch_groups = False
    credited = False  # reads attribution credit

    def prepare(self, fi: FactInput, params: Params) -> str | None:
        return None

    def build(self, fi: FactInput, params: Params, prepared: str | None) -> FactSql:
        conditions = [
            f"w.project_id = {params.add(fi.project_id, 'project')}",
            f"w.date >= {params.add(fi.period.date_from, 'day_from')}",
            f"w.date <= {params.add(fi.period.date_to, 'day_to')}",
        ]
        if fi.filters.source and "ga4" not in fi.filters.source:
            conditions.append("1 = 0")
        if fi.filters.account_id:
            conditions.append(params.in_list("w.property_id", fi.filters.account_id))
        relation = f"""
            SELECT 'ga4' AS g_source, w.property_id AS g_account, '' AS g_campaign_id, '' AS g_campaign_name,
                   '' AS g_channel, w.date AS day, w.currency AS currency,
                   w.sessions AS v_ga4_sessions, w.users AS v_ga4_users, w.new_users AS v_ga4_new_users,
                   w.conversions AS v_ga4_conversions, w.revenue AS v_ga4_revenue
            FROM web_sessions_daily AS w
            WHERE {" AND ".join(conditions)}
        """
        return FactSql(
            relation,
            aggregates={"ga4_sessions": "sum(f.v_ga4_sessions)", "ga4_users": "sum(f.v_ga4_users)",
                        "ga4_new_users": "sum(f.v_ga4_new_users)", "ga4_conversions": "sum(f.v_ga4_conversions)"},
            money={"ga4_revenue": "v_ga4_revenue"},
            coverage=(f"SELECT f.currency AS currency, f.day AS day, f.v_ga4_revenue AS amount, "
                      f"1 AS source_rows FROM ({relation}) AS f"),
        )


class Social:
    uses_touch_groups = False
    credited = False  # reads attribution credit

    def prepare(self, fi: FactInput, params: Params) -> str | None:
        return None

    def build(self, fi: FactInput, params: Params, prepared: str | None) -> FactSql:
        conditions = [
            f"s.project_id = {params.add(fi.project_id, 'project')}",
            f"s.date >= {params.add(fi.period.date_from, 'day_from')}",
            f"s.date <= {params.add(fi.period.date_to, 'day_to')}",
            "s.post_id = ''",  # the account's own daily rows; post rows are lifetime snapshots
            *_own_account_filters(fi, params, "s.source", "s.account_id"),
        ]
        relation = f"""
            SELECT s.source AS g_source, s.account_id AS g_account, '' AS g_campaign_id, '' AS g_campaign_name,
                   s.source AS g_channel, s.date AS day, {params.add(fi.currency, "currency")} AS currency,
                   coalesce(s.followers, 0) AS v_new_followers, coalesce(s.reach, 0) AS v_reach,
                   coalesce(s.impressions, 0) AS v_social_impressions, coalesce(s.engagements, 0) AS v_engagements
            FROM social_daily AS s
            WHERE {" AND ".join(conditions)}
        """
        return FactSql(relation, aggregates={
            "new_followers": "sum(f.v_new_followers)", "reach": "sum(f.v_reach)",
            "social_impressions": "sum(f.v_social_impressions)", "engagements": "sum(f.v_engagements)"})


class CrmDeals:
    uses_touch_groups = False
    credited = False  # reads attribution credit

    def prepare(self, fi: FactInput, params: Params) -> str | None:
        return None

    def build(self, fi: FactInput, params: Params, prepared: str | None) -> FactSql:
        dialect, period = fi.dialect, fi.period
        project = params.add(fi.project_id, "project")
        start, end = params.add(period.start, "start"), params.add(period.end, "end")
        currency = params.add(fi.currency, "currency")
        accounts = " AND ".join(["1 = 1", *_own_account_filters(fi, params, "d.source", "d.account_id")])
        groups = ("d.source AS g_source, d.account_id AS g_account, '' AS g_campaign_id, '' AS g_campaign_name, "
                  "d.source AS g_channel")
        relation = f"""
            SELECT {groups}, {local_day(dialect, "d.created_at", period, params)} AS day, {currency} AS currency,
                   1 AS v_deals, 0 AS v_won_deals, d.value * 0 AS v_won_value
            FROM crm_deals AS d
            WHERE d.project_id = {project} AND d.created_at >= {start} AND d.created_at < {end} AND {accounts}
            UNION ALL
            SELECT {groups}, {local_day(dialect, "d.closed_at", period, params)} AS day, d.currency AS currency,
                   0 AS v_deals, 1 AS v_won_deals, d.value AS v_won_value
            FROM crm_deals AS d
            WHERE d.project_id = {project} AND d.status = 'won' AND d.closed_at >= {start} AND d.closed_at < {end}
              AND {accounts}
        """
        return FactSql(
            relation,
            aggregates={"deals": "sum(f.v_deals)", "won_deals": "sum(f.v_won_deals)"},
            money={"won_value": "v_won_value"},
            coverage=(f"SELECT f.currency AS currency, f.day AS day, f.v_won_value AS amount, 1 AS source_rows "
                      f"FROM ({relation}) AS f"),
        )


FACT_SOURCES = {
    "ad_spend": AdSpend(),
    "orders": Orders(),
    "sessions": Sessions(),
    "web_sessions": WebSessions(),
    "social": Social(),
    "crm": CrmDeals(),
}
