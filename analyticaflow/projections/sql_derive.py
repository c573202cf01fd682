"""The DuckDB fast path: the event handlers' per-event derivation, set-based over a whole chunk in SQL.

Pure-Python handlers spend tens of microseconds per event on JSON, URLs and dicts; DuckDB parses the
chunk's payloads vectorized on every core. This module is the same definition as
:mod:`analyticaflow.projections.event_types` and :mod:`analyticaflow.projections.channels` (the reference,
used on ClickHouse), written as one ``SELECT`` over the staged raw chunk; a test runs both over the same
events and requires equal rows. Referrer hosts are classified in Python over the chunk's *distinct*
referrers (a handful), with the very functions the handlers use.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from analyticaflow.projections.channels import CAMPAIGN_PARAMS, CLICK_IDS, host_of, referrer_channel
from analyticaflow.projections.event_types import EVENT_KINDS, ORDER_COMPLETED
from analyticaflow.warehouse.schema import TEXT, TableSpec, col
from analyticaflow.warehouse.sql import Sql, ident

RAW_SCHEMA = pa.schema(
    [
        pa.field("seq", pa.int64()),
        pa.field("project_id", pa.int64()),
        pa.field("message_id", pa.string()),
        pa.field("type", pa.string()),
        pa.field("name", pa.string()),
        pa.field("anonymous_id", pa.string()),
        pa.field("user_id", pa.string()),
        pa.field("event_datetime", pa.timestamp("us")),
        pa.field("received_at", pa.timestamp("us")),
        pa.field("payload", pa.string()),
    ]
)

REFERRERS = TableSpec(
    "referrer_origins",
    (
        col("referrer", TEXT),
        col("referrer_domain", TEXT, True),
        col("network", TEXT, True),
        col("network_medium", TEXT, True),
    ),
    key=("referrer",),
)

PATHS = {
    "prop_url": "$.properties.url",
    "page_url": "$.context.page.url",
    "prop_referrer": "$.properties.referrer",
    "page_referrer": "$.context.page.referrer",
    "prop_title": "$.properties.title",
    "page_title": "$.context.page.title",
    "prop_path": "$.properties.path",
    "page_path": "$.context.page.path",
    "c_source": "$.context.campaign.source",
    "c_medium": "$.context.campaign.medium",
    "c_name": "$.context.campaign.name",
    "c_term": "$.context.campaign.term",
    "c_content": "$.context.campaign.content",
    "revenue": "$.properties.revenue",
    "total": "$.properties.total",
    "currency": "$.properties.currency",
    "order_id": "$.properties.order_id",
    "order_id_camel": "$.properties.orderId",
    "previous_id": "$.previousId",
    "properties": "$.properties",
    "traits": "$.traits",
    "context_traits": "$.context.traits",
}
KNOWN_TYPES = sorted({type_ for type_, _ in EVENT_KINDS})


def _field(name: str) -> str:
    return f"f[{list(PATHS).index(name) + 1}]"


def _scalar_text(value: str) -> str:
    """A JSON value as text the way the handlers read it: objects/arrays/null/'' → NULL.

    A string without escapes (nearly every one) is its JSON text between the quotes, cut out without parsing.
    """
    text = f"CAST({value} AS VARCHAR)"
    return (
        f"(CASE WHEN starts_with({text}, '\"') AND NOT contains({text}, '\\') THEN nullif({text}[2:-2], '') "
        f"WHEN json_type({value}) IN ('OBJECT', 'ARRAY') THEN NULL ELSE nullif({value}->>'$', '') END)"
    )


def _text(name: str) -> str:
    return _scalar_text(_field(name))


def _stripped(expression: str) -> str:
    return f"nullif(trim({expression}), '')"


def _number(name: str) -> str:
    value = _field(name)
    return (
        f"(CASE WHEN json_type({value}) IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN CAST({value} AS DOUBLE) "
        f"WHEN json_type({value}) = 'VARCHAR' THEN coalesce(TRY_CAST(trim({value}->>'$') AS DOUBLE), 0) "
        "ELSE 0 END)"
    )


def _query_param(query: str, param: str) -> str:
    # The first non-blank value of the parameter in the query string, decoded like a form value.
    raw = f"regexp_extract({query}, '(?:^|&){param}=([^&]+)', 1)"
    return _stripped(f"url_decode(replace(nullif({raw}, ''), '+', ' '))")


def _map(json: str) -> str:
    # Strings unquoted, other values as JSON text, null values dropped — as the handlers' attributes.
    # Only an object whose text holds "null" somewhere can have a null value to drop.
    as_map = f"CAST({json} AS MAP(VARCHAR, VARCHAR))"
    entries = f"list_filter(map_entries({as_map}), lambda e: e.value IS NOT NULL)"
    return (
        f"(CASE WHEN json_type({json}) <> 'OBJECT' THEN NULL "
        f"WHEN contains(CAST({json} AS VARCHAR), 'null') THEN map_from_entries({entries}) ELSE {as_map} END)"
    )


def parse_chunk(*, raw: str) -> Sql:
    """The staged raw chunk with every payload field the projections read, parsed once per event.

    A payload that is not a JSON object yields no fields, as for the handlers.
    """
    paths = ", ".join(f"'{path}'" for path in PATHS.values())
    return Sql(
        "SELECT seq, project_id, message_id, type, name, anonymous_id, user_id, event_datetime, received_at, "
        f"try(json_extract(payload, [{paths}])) AS f FROM {ident(raw)}"
    )


def _referrer() -> str:
    return f"coalesce(CASE WHEN type = 'page' THEN {_text('prop_referrer')} END, {_text('page_referrer')})"


def distinct_referrers(*, parsed: str) -> Sql:
    """The chunk's distinct referrers, read exactly as :func:`derive_events` reads them."""
    return Sql(
        f"SELECT DISTINCT referrer FROM (SELECT {_referrer()} AS referrer FROM {ident(parsed)}) AS r "
        "WHERE referrer IS NOT NULL"
    )


def identity_facts(*, parsed: str) -> Sql:
    """identify/alias events of the chunk: project, type, anonymousId, userId, previousId, seq."""
    return Sql(
        f"SELECT project_id, type, anonymous_id, user_id, {_text('previous_id')}, seq FROM {ident(parsed)} "
        "WHERE type IN ('identify', 'alias') ORDER BY seq"
    )


def derive_events(*, parsed: str, referrers: str) -> Sql:
    """Every ``events`` column but ``person_id`` for the parsed chunk."""
    texts = ", ".join(
        f"{_text(name)} AS t_{name}"
        for name in PATHS
        if name not in {"revenue", "total", "properties", "traits", "context_traits"}
    )
    campaign = {field: _stripped(f"t_c_{field}") for field in ("source", "medium", "name", "term", "content")}
    query = "url_query"
    from_url = {field: _query_param(query, param) for param, field in CAMPAIGN_PARAMS.items()}
    no_campaign = " AND ".join(f"{expression} IS NULL" for expression in campaign.values())
    first_click = " ".join(f"WHEN {name} IS NOT NULL THEN '{channel}'" for name, channel in CLICK_IDS.items())
    rest = "CASE WHEN strpos(url, '://') > 0 THEN substr(url, strpos(url, '://') + 3) ELSE url END"
    path = (
        f"coalesce(nullif(split_part(split_part(CASE WHEN strpos({rest}, '/') > 0 "
        f"THEN substr({rest}, strpos({rest}, '/')) ELSE '/' END, '?', 1), '#', 1), ''), '/')"
    )
    traits = _field("traits")
    nonempty_traits = f"(json_type({traits}) = 'OBJECT' AND len(json_keys({traits})) > 0)"
    attributes_json = (
        f"CASE WHEN type IN ('identify', 'group') THEN CASE WHEN {nonempty_traits} THEN {traits} "
        f"ELSE {_field('context_traits')} END "
        f"WHEN type = 'alias' THEN NULL ELSE {_field('properties')} END"
    )
    return Sql(
        f"""
        WITH texts AS (
            SELECT seq, project_id, message_id, type, name, anonymous_id, user_id, event_datetime, received_at,
                {texts},
                CASE WHEN type <> 'track' THEN 0.0
                     WHEN name = {{order_event}} AND json_type({_field("revenue")}) <> 'NULL'
                          THEN {_number("revenue")}
                     WHEN name = {{order_event}} THEN {_number("total")}
                     ELSE {_number("revenue")} END AS revenue,
                {attributes_json} AS attributes_json
            FROM {ident(parsed)}
        ), located AS (
            SELECT *,
                coalesce(CASE WHEN type = 'page' THEN t_prop_url END, t_page_url) AS url,
                coalesce(CASE WHEN type = 'page' THEN t_prop_referrer END, t_page_referrer) AS referrer,
                coalesce(CASE WHEN type = 'page' THEN t_prop_title END, t_page_title) AS title,
                coalesce(CASE WHEN type = 'page' THEN t_prop_path END, t_page_path) AS given_path,
                {no_campaign} AS no_campaign
            FROM texts
        ), queried AS (
            SELECT *,
                CASE WHEN strpos(url, '?') > 0 THEN split_part(substr(url, strpos(url, '?') + 1), '#', 1) END
                    AS url_query
            FROM located
        ), origin AS (
            SELECT *,
                {
            ", ".join(
                f"CASE WHEN no_campaign THEN {from_url[field]} ELSE {campaign[field]} END AS cf_{field}"
                for field in campaign
            )
        },
                {", ".join(f"{_query_param(query, name)} AS {name}" for name in CLICK_IDS)}
            FROM queried
        ), resolved AS (
            SELECT o.*, ro.referrer_domain, ro.network, ro.network_medium,
                CASE WHEN o.cf_source IS NOT NULL THEN NULL {first_click} END AS click_channel
            FROM origin AS o LEFT JOIN {ident(referrers)} AS ro ON o.referrer = ro.referrer
        )
        SELECT
            project_id,
            CAST(event_datetime AS DATE) AS event_date,
            event_datetime,
            seq,
            message_id,
            received_at,
            CASE WHEN cf_source IS NOT NULL THEN lower(cf_source) ELSE coalesce(click_channel, network, 'direct') END
                AS source_type,
            type AS event_type,
            name AS event_name,
            cf_name AS campaign_name,
            CASE WHEN cf_source IS NOT NULL THEN cf_source ELSE coalesce(click_channel, network) END
                AS campaign_source,
            CASE WHEN cf_source IS NOT NULL THEN cf_medium
                 WHEN click_channel IS NOT NULL THEN coalesce(cf_medium, 'cpc')
                 WHEN network IS NOT NULL THEN coalesce(cf_medium, network_medium)
                 ELSE cf_medium END AS campaign_medium,
            cf_term AS campaign_term,
            cf_content AS ad_creative_name,
            0.0 AS cost,
            revenue,
            nullif(upper(coalesce(t_currency, '')), '') AS currency,
            CASE WHEN type = 'track' AND name = {{order_event}} THEN 1 ELSE 0 END AS transactions,
            CASE WHEN type = 'track' AND name = {{order_event}}
                 THEN coalesce(t_order_id, t_order_id_camel, message_id) END AS order_id,
            anonymous_id AS client_id,
            user_id,
            CASE WHEN NOT list_contains({{known_types}}, type) THEN NULL
                 WHEN coalesce(user_id, '') <> '' THEN 'u:' || user_id
                 WHEN coalesce(anonymous_id, '') <> '' THEN 'a:' || anonymous_id END AS distinct_id,
            url AS page_url,
            coalesce(given_path, CASE WHEN url IS NOT NULL THEN {path} END) AS page_path,
            title AS page_title,
            referrer,
            referrer_domain,
            gclid, fbclid, yclid, twclid,
            coalesce({_map("attributes_json")}, CAST(MAP() AS MAP(VARCHAR, VARCHAR))) AS attributes
        FROM resolved
        """,
        {"order_event": ORDER_COMPLETED, "known_types": KNOWN_TYPES},
    )


def referrer_rows(referrers: Sequence[str]) -> dict[str, list]:
    """Domain and search/social network of each distinct referrer, by the handlers' own functions."""
    rows: dict[str, list] = {"referrer": [], "referrer_domain": [], "network": [], "network_medium": []}
    for referrer in referrers:
        host = host_of(referrer)
        network = referrer_channel(host)
        rows["referrer"].append(referrer)
        rows["referrer_domain"].append(host)
        rows["network"].append(network[0] if network else None)
        rows["network_medium"].append(network[1] if network else None)
    return rows
