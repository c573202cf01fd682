"""Warehouse tables of channel data: what connectors, file imports and the demo load (same columns on both warehouses).

These tables are not projections: nothing here is rebuilt from the event log, so they have one physical table
each (``<name>_data``) and no generations. Reports read the served names (``ad_spend_daily``...), views that
apply ``FINAL`` on ClickHouse so replaced rows are never seen.

Dates are the platform's own calendar days (ad platforms and GA4 report days in the account's time zone);
money is exact (``DECIMAL``: 6 digits after the point) in the row's ``currency``. Absent ids inside a key are
stored as ``''`` (an ad spend row for a whole campaign has ``adset_id = ''`` and ``ad_id = ''``) because key
columns must compare equal on both warehouses.

Orders: the ``orders`` projection (``Order Completed`` events) and ``shop_orders`` (shop connectors) are merged
by the view ``orders_merged``, one row per ``(project_id, order_id)``: a shop order wins (the shop is the
system of record for amount, currency and time) and takes the person of the event order with the same id
when it names none (the event links the order to the visitor's touchpoints); cancelled shop orders are left
out; event orders without a shop order are kept as they are.
"""

from __future__ import annotations

from analyticaflow.warehouse.schema import DATE, DECIMAL, INT, TEXT, TIMESTAMP, TableSpec, col

AD_SPEND_DAILY = TableSpec(
    "ad_spend_daily",
    (
        col("project_id", INT),
        col("source", TEXT),  # the ad platform: meta_ads, google_ads, twitter_ads, yahoo_ads, or a CSV's own name
        col("account_id", TEXT),
        col("campaign_id", TEXT),
        col("campaign_name", TEXT),
        col("campaign_key", TEXT),  # clean_campaign_name(campaign_name): how UTM campaigns are matched by name
        col("adset_id", TEXT),  # '' for a campaign-level row
        col("ad_id", TEXT),  # '' unless the row is one ad
        col("date", DATE),
        col("spend", DECIMAL),
        col("impressions", INT),
        col("clicks", INT),
        col("platform_conversions", DECIMAL),  # what the platform claims (its own attribution)
        col("platform_conversion_value", DECIMAL),
        col("currency", TEXT),  # ISO 4217 of the account
        col("loaded_at", TIMESTAMP),
    ),
    key=("project_id", "source", "account_id", "campaign_id", "adset_id", "ad_id", "date"),
    order=("project_id", "date"),
    partition_by_month="date",
)

SOCIAL_DAILY = TableSpec(
    "social_daily",
    (
        col("project_id", INT),
        col("source", TEXT),  # instagram, twitter ...
        col("account_id", TEXT),
        col("post_id", TEXT),  # '' for the account's own row of the day
        col("date", DATE),
        # Account rows: that day's values (followers = followers gained that day).
        # Post rows: the post's lifetime totals as of that day (platforms keep no per-day post history).
        col("followers", INT, True),
        col("reach", INT, True),
        col("impressions", INT, True),
        col("engagements", INT, True),
        col("loaded_at", TIMESTAMP),
    ),
    key=("project_id", "source", "account_id", "post_id", "date"),
    order=("project_id", "date"),
    partition_by_month="date",
)

WEB_SESSIONS_DAILY = TableSpec(
    "web_sessions_daily",
    (
        col("project_id", INT),
        col("property_id", TEXT),  # the GA4 property (the account a report filters on, with source 'ga4')
        col("date", DATE),
        col("source", TEXT),  # GA4 session source ('' when not set)
        col("medium", TEXT),  # GA4 session medium
        col("campaign", TEXT),  # GA4 session campaign name
        col("sessions", INT),
        col("users", INT),  # GA4's active users of that day and row (not additive across days)
        col("new_users", INT),
        col("conversions", DECIMAL),  # key events
        col("revenue", DECIMAL),
        col("currency", TEXT),
        col("loaded_at", TIMESTAMP),
    ),
    key=("project_id", "property_id", "date", "source", "medium", "campaign"),
    order=("project_id", "date"),
    partition_by_month="date",
)

CRM_DEALS = TableSpec(
    "crm_deals",
    (
        col("project_id", INT),
        col("source", TEXT),  # amocrm, bitrix24 ...
        col("account_id", TEXT),
        col("deal_id", TEXT),
        col("person_id", TEXT, True),  # the tracked person (u:<userId>) when the CRM knows it
        col("name", TEXT, True),
        col("status", TEXT),  # open, won, lost
        col("pipeline", TEXT, True),
        col("stage", TEXT, True),
        col("created_at", TIMESTAMP),
        col("closed_at", TIMESTAMP, True),
        col("value", DECIMAL),
        col("currency", TEXT),
        col("utm_source", TEXT, True),
        col("utm_medium", TEXT, True),
        col("utm_campaign", TEXT, True),
        col("loaded_at", TIMESTAMP),
    ),
    key=("project_id", "source", "account_id", "deal_id"),
)

SHOP_ORDERS = TableSpec(
    "shop_orders",
    (
        col("project_id", INT),
        col("source", TEXT),  # shopify, woocommerce ...
        col("account_id", TEXT),  # the store
        col("order_id", TEXT),  # the id the shop's Order Completed events carry too
        col("person_id", TEXT, True),  # u:<customer id> when the shop's customer id is the tracked userId
        col("ordered_at", TIMESTAMP),
        col("order_date", DATE),  # UTC date of ordered_at (the store's reload window)
        col("revenue", DECIMAL),
        col("currency", TEXT),
        col("status", TEXT),  # paid, refunded, cancelled ... (cancelled orders are not counted)
        col("loaded_at", TIMESTAMP),
    ),
    # No date in the sort key or partition: a restated order (new time) must replace its old row on ClickHouse.
    key=("project_id", "source", "account_id", "order_id"),
)

CHANNEL_TABLES = (AD_SPEND_DAILY, SOCIAL_DAILY, WEB_SESSIONS_DAILY, CRM_DEALS, SHOP_ORDERS)
ORDERS_MERGED = "orders_merged"
CANCELLED = "cancelled"


def data_table(name: str) -> str:
    """The physical table behind a served channel-data name."""
    return f"{name}_data"
