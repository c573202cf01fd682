"""Set-based normalization: a fetch's raw pages → the ``ad_spend_daily`` columns in one DuckDB query.

The per-row Python normalizers (``<platform>/normalize.py``) stay the reference. A platform may register a
``SqlTransform`` here: DuckDB parses the page bodies (``from_json`` with a fixed shape) and reshapes them in C++,
yielding one Arrow table with the columns of ``AdSpendRow`` that the warehouse stores (``CONTRACT``), money as
exact ``DECIMAL(18, 6)``. Every row also carries an ``exact`` flag: the transform only claims the inputs it
reproduces exactly (digit strings of at most 6 decimals, ISO dates, one-day rows, string ids...). A page whose
text the transform's ``guard`` pattern flags (a value of a JSON type the shape would coerce), a page without
the expected list, or any row not ``exact`` makes ``ad_spend_arrow`` answer ``None``: the caller then runs the
Python normalizer on the whole chunk, which converts, or raises its usual readable error.

Known difference, not detected: an object repeating a key (which JSON leaves undefined and no platform sends)
keeps the first value here, the last one in the Python parsers.

    table = ad_spend_arrow(pages, platform="meta_ads", settings=settings)  # pa.Table or None
    rows = table if table is not None else connector.normalize(pages, settings=settings)
    ad_spend_load(..., rows=rows)  # takes either
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from analyticaflow.connectors.raw import RawPage

CONTRACT = ("campaign_id", "campaign_name", "adset_id", "ad_id", "date", "spend", "impressions", "clicks",
            "platform_conversions", "platform_conversion_value", "currency")

# A money text the warehouse stores as it is (no rounding, in range, not negative); a count that fits BIGINT;
# an ISO day. Missing or empty money and counts are 0, as in the reference.
MONEY = r"([0-9]{1,12}(\.[0-9]{1,6})?)?"
COUNT = r"([0-9]{1,18})?"
DAY = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

Query = tuple[str, list[Any]]  # SQL over the ``pages`` relation (body, currency, level), and its parameters


@dataclass(frozen=True, slots=True)
class SqlTransform:
    stream: str  # the raw pages' stream the transform reads
    guard: str  # RE2 pattern: a page whose body matches is left to the Python normalizer
    query: Callable[[Mapping[str, Any]], Query | None]  # None: these settings need the Python normalizer


def _money(expression: str) -> str:
    """Missing or empty → 0, else the text as DECIMAL(18, 6) (exact: the row is only claimed when it matches)."""
    return f"coalesce(CAST(nullif({expression}, '') AS DECIMAL(18, 6)), 0::DECIMAL(18, 6))"


def _count(expression: str) -> str:
    return f"coalesce(CAST(nullif({expression}, '') AS BIGINT), 0)"


def _all_match(*checks: tuple[str, str]) -> str:
    """Every text matches its pattern, in one regular expression over the texts joined by '|' (which none of
    the patterns admits, so a '|' inside a text only makes the match fail)."""
    texts = ", ".join(f"coalesce({expression}, '')" for expression, _ in checks)
    pattern = r"\|".join(pattern for _, pattern in checks)
    return f"regexp_full_match(concat_ws('|', {texts}), '{pattern}')"


def _shape(structure: Any) -> str:
    return orjson.dumps(structure).decode().replace("'", "''")


# --- Meta Ads insights -------------------------------------------------------------------------------------
# The Graph API sends every number as a string: a key followed by a bare number or a boolean is not the shape
# this transform claims, nor are actions that are not a list.
META_GUARD = r'"\s*:\s*[-0-9tf]|"(actions|action_values)"\s*:\s*[^\[n\s]'
META_CLICKS = ("clicks", "inline_link_clicks")
ACTIONS = [{"action_type": "VARCHAR", "value": "VARCHAR"}]
META_SHAPE = _shape({"data": [{
    "account_currency": "VARCHAR", "campaign_id": "VARCHAR", "campaign_name": "VARCHAR", "adset_id": "VARCHAR",
    "ad_id": "VARCHAR", "spend": "VARCHAR", "impressions": "VARCHAR", "clicks": "VARCHAR",
    "inline_link_clicks": "VARCHAR", "actions": ACTIONS, "action_values": ACTIONS, "date_start": "VARCHAR",
    "date_stop": "VARCHAR"}]})


def _meta_query(settings: Mapping[str, Any]) -> Query | None:
    from analyticaflow.connectors.meta_ads.normalize import DEFAULT_CONVERSION_ACTION_TYPES

    action_types = list(settings.get("conversion_action_types") or DEFAULT_CONVERSION_ACTION_TYPES)
    clicks = settings.get("clicks_metric") or "clicks"
    if clicks not in META_CLICKS or not action_types or not all(isinstance(kind, str) for kind in action_types):
        return None
    parameters = {f"type{index}": kind for index, kind in enumerate(action_types)}
    # The first configured type present in actions, else the first in action_values; of repeated entries of a
    # type the last one counts (as the reference's dict does); never a sum over types.
    kind = "CASE " + " ".join(f"WHEN list_contains({listed}, $type{index}) THEN $type{index}"
                              for listed in ("counted", "valued") for index in range(len(action_types))) + " END"
    return f"""
WITH docs AS (
    SELECT level, currency AS page_currency, from_json(body, '{META_SHAPE}').data AS data FROM pages
), items AS (
    SELECT level, page_currency, unnest(coalesce(data, [NULL])) AS r FROM docs
), listed AS (
    SELECT *, list_transform(r.actions, lambda a: a.action_type) AS counted,
              list_transform(r.action_values, lambda a: a.action_type) AS valued
    FROM items
), chosen AS (
    SELECT *, {kind} AS kind FROM listed
), picked AS (
    SELECT *, r.actions[len(counted) + 1 - list_position(list_reverse(counted), kind)].value AS conversions,
              r.action_values[len(valued) + 1 - list_position(list_reverse(valued), kind)].value AS conversion_value
    FROM chosen
)
SELECT
    r.campaign_id AS campaign_id,
    coalesce(r.campaign_name, '') AS campaign_name,
    CASE WHEN level <> 'campaign' AND r.adset_id <> '' THEN r.adset_id END AS adset_id,
    CASE WHEN level = 'ad' AND r.ad_id <> '' THEN r.ad_id END AS ad_id,
    TRY_CAST(r.date_start AS DATE) AS date,
    {_money('r.spend')} AS spend,
    {_count('r.impressions')} AS impressions,
    {_count(f'r.{clicks}')} AS clicks,
    {_money('conversions')} AS platform_conversions,
    {_money('conversion_value')} AS platform_conversion_value,
    coalesce(nullif(r.account_currency, ''), page_currency) AS currency,
    coalesce(r IS NOT NULL AND r.campaign_id IS NOT NULL AND TRY_CAST(r.date_start AS DATE) IS NOT NULL
        AND (r.date_stop IS NULL OR r.date_stop = r.date_start)
        AND {_all_match(('r.date_start', DAY), ('r.spend', MONEY), ('r.impressions', COUNT),
                        (f'r.{clicks}', COUNT), ('conversions', MONEY), ('conversion_value', MONEY))}
        AND coalesce(list_count(counted) = len(counted), true)
        AND coalesce(list_count(valued) = len(valued), true), false) AS exact
FROM picked
""", parameters  # noqa: S608 (module constants only; settings values are bound parameters)


# --- Google Ads searchStream -------------------------------------------------------------------------------
# Metrics come as strings (int64) or bare numbers (double): a number the shape reads as text is exact only
# with at most 15 significant digits and no exponent; booleans are never this transform's case.
GOOGLE_GUARD = r"[:\[,]\s*-?[0-9][0-9.]{15,}|[:\[,]\s*-?[0-9.]+[eE]|:\s*(true|false)"
GOOGLE_SHAPE = _shape([{"results": [{
    "segments": {"date": "VARCHAR"}, "campaign": {"id": "VARCHAR", "name": "VARCHAR"},
    "customer": {"id": "VARCHAR", "currencyCode": "VARCHAR"}, "adGroup": {"id": "VARCHAR"},
    "adGroupAd": {"ad": {"id": "VARCHAR"}},
    "metrics": {"costMicros": "VARCHAR", "impressions": "VARCHAR", "clicks": "VARCHAR", "conversions": "VARCHAR",
                "conversionsValue": "VARCHAR"}}]}])
# A text the reference would not take as it is: an object or a list, or a fractional number (any field of the
# texts joined by '|'; a '|' inside a text can only make a row fall back).
NOT_PLAIN = r"(^|\|)([\[{]|-?[0-9]*\.[0-9]*(\||$))"
# A zero id given as a number is falsy for the reference (no ad set), not the text '0'.
ZERO_IDS = ("0", "-0")


def _none_match(*expressions: str) -> str:
    texts = ", ".join(f"coalesce({expression}, '')" for expression in expressions)
    return f"NOT regexp_matches(concat_ws('|', {texts}), '{NOT_PLAIN}')"


def _google_query(settings: Mapping[str, Any]) -> Query | None:
    del settings  # the query has no settings of its own
    micros = "CAST(nullif(m.costMicros, '') AS DECIMAL(18, 0)) * 0.000001::DECIMAL(7, 6)"
    return f"""
WITH docs AS (
    SELECT level, currency AS page_currency, from_json(body, '{GOOGLE_SHAPE}') AS batches FROM pages
), results AS (
    SELECT level, page_currency, unnest(coalesce(b.results, [])) AS r
    FROM (SELECT level, page_currency, unnest(coalesce(batches, [NULL])) AS b FROM docs)
), fields AS (
    SELECT level, page_currency, r, r.metrics AS m FROM results
)
SELECT
    r.campaign.id AS campaign_id,
    coalesce(r.campaign.name, '') AS campaign_name,
    CASE WHEN level <> 'campaign' AND r.adGroup.id <> '' THEN r.adGroup.id END AS adset_id,
    CASE WHEN level = 'ad' AND r.adGroupAd.ad.id <> '' THEN r.adGroupAd.ad.id END AS ad_id,
    TRY_CAST(r.segments.date AS DATE) AS date,
    coalesce(CAST({micros} AS DECIMAL(18, 6)), 0::DECIMAL(18, 6)) AS spend,
    {_count('m.impressions')} AS impressions,
    {_count('m.clicks')} AS clicks,
    {_money('m.conversions')} AS platform_conversions,
    {_money('m.conversionsValue')} AS platform_conversion_value,
    coalesce(nullif(r.customer.currencyCode, ''), page_currency) AS currency,
    coalesce(r IS NOT NULL AND r.campaign.id IS NOT NULL AND TRY_CAST(r.segments.date AS DATE) IS NOT NULL
        AND {_none_match('r.campaign.id', 'r.campaign.name', 'r.customer.currencyCode', 'r.adGroup.id',
                         'r.adGroupAd.ad.id')}
        AND coalesce(r.adGroup.id, '') NOT IN $zero AND coalesce(r.adGroupAd.ad.id, '') NOT IN $zero
        AND {_all_match(('r.segments.date', DAY), ('m.costMicros', COUNT), ('m.impressions', COUNT),
                        ('m.clicks', COUNT), ('m.conversions', MONEY), ('m.conversionsValue', MONEY))}, false) AS exact
FROM fields
""", {"zero": list(ZERO_IDS)}  # noqa: S608 (module constants only)


TRANSFORMS: dict[str, SqlTransform] = {
    "meta_ads": SqlTransform(stream="insights", guard=META_GUARD, query=_meta_query),
    "google_ads": SqlTransform(stream="campaign_metrics", guard=GOOGLE_GUARD, query=_google_query),
}


def _pages_table(pages: Sequence[RawPage]) -> pa.Table:
    return pa.table({
        "body": pa.array([page.body for page in pages], type=pa.string()),
        "currency": pa.array([page.context.get("currency") for page in pages], type=pa.string()),
        "level": pa.array([page.context.get("level", "campaign") for page in pages], type=pa.string()),
    })


_LOCAL = threading.local()
# The copy DuckDB warns about is of the result table (one chunk's rows), far cheaper than binding twice.
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)


def _connection() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB per thread (opening one costs ~40 ms of CPU; it holds no data between calls)."""
    connection = getattr(_LOCAL, "connection", None)
    if connection is None:
        # One thread: a sync job normalizes one chunk among others, and DuckDB's second thread costs more CPU
        # than it saves here (~1.5x the CPU per row on a 2-core machine).
        connection = _LOCAL.connection = duckdb.connect(config={"threads": 1})
    return connection


def ad_spend_arrow(pages: Sequence[RawPage], *, platform: str, settings: Mapping[str, Any]) -> pa.Table | None:
    """The pages' rows as an Arrow table of ``CONTRACT`` columns, or ``None`` when the platform has no
    transform or the pages hold anything the transform does not reproduce exactly (use the Python normalizer)."""
    transform = TRANSFORMS.get(platform)
    if transform is None:
        return None
    query = transform.query(settings)
    if query is None:
        return None
    wanted = [page for page in pages if page.stream == transform.stream]
    if any(page.content_type != "json" for page in wanted):
        return None
    statement, parameters = query
    connection = _connection()
    try:
        connection.register("pages", _pages_table(wanted))
        flagged = connection.execute("SELECT count(*) FROM pages WHERE regexp_matches(body, $guard)",
                                     {"guard": transform.guard}).fetchall()[0][0]
        if flagged:
            return None
        # execute() binds the statement once; sql() builds a relation and binds it again (~12 ms a call).
        table = connection.execute(statement, parameters).to_arrow_table()
    except duckdb.Error:
        return None  # malformed text, a shape mismatch: the Python normalizer reports it readably
    finally:
        connection.unregister("pages")
    if table.num_rows and not pc.all(table.column("exact")).as_py():
        return None
    return table.select(list(CONTRACT))


def ad_spend_rows(connector: Any, pages: Sequence[RawPage], *, settings: Mapping[str, Any] | None = None) -> Any:
    """What ``channeldata.services.ad_spend_load`` takes for these pages: the set-based table when the
    platform's transform reproduces them exactly, else the connector's Python normalizer's rows."""
    table = ad_spend_arrow(pages, platform=connector.name, settings=connector.validate_settings(settings))
    return table if table is not None else connector.normalize(pages, settings=settings)
