"""The project's spend campaigns (``touches.CampaignCatalog``), read once per change of its ad spend.

Grouped reports match touchpoints to campaigns through the catalog; building it groups every spend row of the
project (a few hundred thousand rows for two years of 300 campaigns: tens of milliseconds). It changes only when
spend is loaded, so the process keeps the last one per warehouse and project with a cheap fingerprint of the
spend rows (their count and latest load time: a reload stamps its rows, a removed window lowers the count), and
each report only checks that fingerprint.
"""

from __future__ import annotations

import threading
import weakref

from analyticaflow.reports.touches import CampaignCatalog
from analyticaflow.warehouse.backends import Warehouse
from analyticaflow.warehouse.readcache import query_unchanged
from analyticaflow.warehouse.sql import Sql

_guard = threading.Lock()
_catalogs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # warehouse → {project: (fingerprint, catalog)}


def campaign_catalog(*, warehouse: Warehouse, project_id: int) -> CampaignCatalog:
    project = {"project": project_id}
    stamp = tuple(query_unchanged(warehouse, Sql(
        "SELECT count(*), max(loaded_at) FROM ad_spend_daily WHERE project_id = {project}", project))[0])
    with _guard:
        known = _catalogs.get(warehouse, {}).get(project_id)
    if known is not None and known[0] == stamp:
        return known[1]
    rows = warehouse.query(Sql(
        "SELECT source, account_id, campaign_id, campaign_name, campaign_key, max(date) AS last_date "
        "FROM ad_spend_daily WHERE project_id = {project} "
        "GROUP BY source, account_id, campaign_id, campaign_name, campaign_key", project))
    catalog = CampaignCatalog(rows)
    with _guard:
        _catalogs.setdefault(warehouse, {})[project_id] = (stamp, catalog)
    return catalog
