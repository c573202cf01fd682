"""The one definition of merged orders: event orders and shop-connector orders, one row per order id.

A shop order wins over the event order with the same ``(project_id, order_id)`` (the shop is the system of
record for amount, currency and time) and takes that event order's person when it names none; cancelled shop
orders count nowhere; event orders without a shop order are kept. The warehouse view ``orders_merged`` and the
reports both use :func:`merged_orders`, the reports with their project and time window pushed into each branch.
"""

from __future__ import annotations

from analyticaflow.channeldata.tables import CANCELLED, SHOP_ORDERS
from analyticaflow.warehouse.dialects import Dialect
from analyticaflow.warehouse.sql import Sql, ident

MERGED_COLUMNS = ("project_id", "order_id", "person_id", "ordered_at", "revenue", "currency")


def merged_orders(dialect: Dialect, *, events: str = "orders", shop: str = SHOP_ORDERS.name,
                  event_where: str = "1 = 1", shop_where: str = "1 = 1", params: dict | None = None) -> Sql:
    """``SELECT`` of the merged orders (columns ``MERGED_COLUMNS``, revenue as a float).

    ``event_where`` filters the event orders (alias ``e``) and ``shop_where`` the shop orders (alias ``s``);
    both are SQL from code with ``{name}`` markers whose values are in ``params``.
    """
    e, s = ident(events), ident(shop)
    shop_rows = f"SELECT project_id, order_id FROM {s} AS s WHERE {shop_where}"
    text = f"""
        SELECT e.project_id AS project_id, e.order_id AS order_id, e.person_id AS person_id,
               e.ordered_at AS ordered_at, e.revenue AS revenue, e.currency AS currency
        FROM {e} AS e
        WHERE {event_where} AND (e.project_id, e.order_id) NOT IN (SELECT project_id, order_id FROM {s})
        UNION ALL
        SELECT s.project_id AS project_id, s.order_id AS order_id, coalesce(s.person_id, p.person_id) AS person_id,
               s.ordered_at AS ordered_at, {dialect.to_float("s.revenue")} AS revenue,
               s.currency AS currency
        FROM {s} AS s
        LEFT JOIN (
            SELECT e.project_id AS project_id, e.order_id AS order_id, e.person_id AS person_id FROM {e} AS e
            WHERE (e.project_id, e.order_id) IN ({shop_rows})
        ) AS p ON p.project_id = s.project_id AND p.order_id = s.order_id
        WHERE {shop_where} AND s.status != '{CANCELLED}'
    """
    return Sql(text, dict(params or {}))
