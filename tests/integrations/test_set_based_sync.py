"""The sync jobs normalize Meta Ads and Google Ads pages set-based (DuckDB SQL) and store exactly the rows of
the Python normalizers.

Each case links the same fake account twice: in one project with the set-based path, in another with the
platform's SQL transform switched off (the Python normalizer only), then compares every stored column but the
project and the load time. A spy on the warehouse loader records what each chunk handed it (an Arrow table from
the set-based path, or the Python normalizer's rows), so the cases prove which path really ran.
"""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from analyticaflow.connectors import sql_normalize
from analyticaflow.integrations import loading
from analyticaflow.jobs.embedded import jobs_run_until_idle
from tests.factories import make_project
from tests.integrations.conftest import link_account

pytestmark = [pytest.mark.django_db,
              pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning")]

STORED = ("source, account_id, campaign_id, campaign_name, campaign_key, adset_id, ad_id, date, spend, impressions, "
          "clicks, platform_conversions, platform_conversion_value, currency")


@pytest.fixture
def loads(monkeypatch) -> list[str]:
    """What each loaded chunk handed the warehouse loader: 'table' (set-based) or 'rows' (Python), if not empty."""
    seen: list[str] = []
    real = loading.LOADERS["ad_spend_daily"]

    def spy(**arguments):
        rows = arguments["rows"]
        count = rows.num_rows if isinstance(rows, pa.Table) else len(rows)
        if count:
            seen.append("table" if isinstance(rows, pa.Table) else "rows")
        return real(**arguments)

    monkeypatch.setitem(loading.LOADERS, "ad_spend_daily", spy)
    return seen


def stored(warehouse, project) -> list[tuple]:
    return warehouse.query(f"SELECT {STORED} FROM ad_spend_daily WHERE project_id = {project.id} "
                           "ORDER BY campaign_id, adset_id, ad_id, date")


def python_only(monkeypatch) -> None:
    monkeypatch.setattr(sql_normalize, "TRANSFORMS", {})


@pytest.fixture(params=["meta_fake", "google_fake"])
def ad_fake(request):
    return request.getfixturevalue(request.param)


def test_backfill_and_daily_sync_store_the_python_normalizers_rows(ad_fake, api_as, owner, project, browser,
                                                                   warehouse, loads, monkeypatch):
    case, _ = ad_fake
    client = api_as(owner)
    body = link_account(client=client, browser=browser, project=project, case=case)
    assert body["status"] == "ok" and body["backfill"]["rows"] == case.rows
    assert loads and set(loads) == {"table"}  # every chunk with rows went set-based
    response = client.post(f"/api/v1/projects/{project.id}/integrations/{body['id']}/sync")  # the daily re-pull
    assert response.status_code == 202 and jobs_run_until_idle() == ["done"]
    assert loads[-1] == "table"
    set_based = stored(warehouse, project)
    assert len(set_based) == case.rows

    python_only(monkeypatch)
    loads.clear()
    other = make_project(owner, name="Python path")
    assert link_account(client=client, browser=browser, project=other, case=case)["status"] == "ok"
    assert loads and set(loads) == {"rows"}
    assert stored(warehouse, other) == set_based


def seven_decimals(row):
    row["spend"] = str(Decimal(row["spend"]) + Decimal("0.0000004"))  # stored rounded to 6: the SQL leaves it


def bare_number(row):
    row["impressions"] = int(row["impressions"])  # the Graph API sends text: the guard hands the page over


@pytest.mark.parametrize("alter", [seven_decimals, bare_number])
def test_a_chunk_the_transform_does_not_claim_goes_through_the_python_normalizer(meta_fake, api_as, owner, project,
                                                                                 browser, warehouse, loads,
                                                                                 monkeypatch, alter):
    case, fake = meta_fake
    build = fake.insight_row

    def altered(item, level):
        row = build(item, level)
        if item.campaign_id == fake.campaigns[0].campaign_id:
            alter(row)
        return row

    fake.insight_row = altered
    client = api_as(owner)
    assert link_account(client=client, browser=browser, project=project, case=case)["status"] == "ok"
    assert "rows" in loads
    mixed = stored(warehouse, project)
    assert len(mixed) == case.rows

    python_only(monkeypatch)
    other = make_project(owner, name="Python path")
    assert link_account(client=client, browser=browser, project=other, case=case)["status"] == "ok"
    assert stored(warehouse, other) == mixed
