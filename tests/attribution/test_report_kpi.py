"""The attribution engine behind the KPI and time-series reports' ``attribution_model``: every engine model is
accepted, Markov's credit is the hand-computed one, and last/first touch through the engine give exactly what the
SQL models give."""

from __future__ import annotations

from functools import partial

import pytest

from analyticaflow.attribution import model_names
from analyticaflow.reports.attribution import MODELS, AttributionModel
from analyticaflow.reports.attribution_report.order_credit import credited_from_stage, order_credit
from tests.attribution.conftest import opened_warehouse
from tests.attribution.report_scenario import MARCH_1, MARCH_10, load_shop
from tests.reports.generated import load_generated
from tests.reports.helpers import kpi, query, rows_by, timeseries
from tests.reports.scenario import RATES
from tests.reports.scenario import load_shop as load_reports_shop

pytestmark = pytest.mark.django_db


def test_every_engine_model_is_an_attribution_model_of_the_kpi_report(as_user, owner):
    assert set(model_names()) <= set(MODELS)
    catalog = as_user(owner).get("/api/v1/metrics").json()
    assert {m["name"] for m in catalog["attribution_models"]} == set(model_names())


def test_markov_in_the_kpi_report(report_warehouse):
    # The attribution scenario's orders only (the KPI report credits orders, not CRM deals): o1 [facebook,
    # google] 100, o2 [newsletter, direct] 60, o3 direct 200; dan's google visit and eve's facebook visit are now
    # non-converting paths. Start → facebook 2, newsletter 1, direct 1, google 1 (of 5); facebook → google 1,
    # null 1; google → conversion 1, null 1; newsletter → direct; direct → conversion 2. P(conversion) = 0.6;
    # lost without facebook 0.1, google 0.2, newsletter 0.2, direct 0.4 (sum 0.9) → of 3 orders: 1/3, 2/3, 2/3,
    # 4/3. Value per step into conversion: google 1/2 x 100, direct 1 x 130; lost value: facebook 2/5 x 25 = 10,
    # google 2/5 x 50 = 20, newsletter 1/5 x 130 = 26, direct 2/5 x 130 = 52 (sum 108) → of 360.
    load_shop(report_warehouse)
    report = kpi(report_warehouse, query(MARCH_1, MARCH_10, ["orders", "revenue", "new_customers"], timezone="UTC",
                                         group_by="channel", attribution_model="markov"))
    expected = {"facebook": (1 / 3, 360 * 10 / 108), "google": (2 / 3, 360 * 20 / 108),
                "newsletter": (2 / 3, 360 * 26 / 108), "direct": (4 / 3, 360 * 52 / 108)}
    rows = rows_by(report, "channel")
    assert {channel: (row["metrics"]["orders"], row["metrics"]["revenue"]) for channel, row in rows.items()} == {
        channel: (pytest.approx(orders), pytest.approx(revenue, abs=1e-6))
        for channel, (orders, revenue) in expected.items()}
    # Every order is a first order here: new customers are credited like orders.
    assert rows["direct"]["metrics"]["new_customers"] == pytest.approx(4 / 3)
    assert report["current"]["orders"] == pytest.approx(3) and report["current"]["revenue"] == pytest.approx(360)


@pytest.fixture
def engine_twins(monkeypatch):
    """last_touch and first_touch computed by the engine, registered beside the SQL models."""
    for name in ("last_touch", "first_touch"):
        monkeypatch.setitem(MODELS, f"engine_{name}", AttributionModel(
            f"engine_{name}", f"{name} through the attribution engine", credited_from_stage,
            stage=partial(order_credit, model=name)))


def comparable(report: dict) -> dict:
    report = {k: v for k, v in report.items() if k != "attribution_model"}
    return _rounded(report)


def _rounded(value):
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((_rounded(v) for v in value), key=repr)
    return value


KPI_METRICS = ("orders", "revenue", "new_customers", "spend", "roas", "cac")


@pytest.fixture(scope="module", params=["duckdb", "chdb"])
def shops(request):
    for opened in opened_warehouse(request.param):
        load_reports_shop(opened)
        load_generated(opened)
        yield opened


FEBRUARY_TO_MARCH = (MARCH_1.replace(month=2), MARCH_10)


@pytest.mark.parametrize("model", ["last_touch", "first_touch"])
@pytest.mark.parametrize("group_by", ["source", "campaign", "channel"])
def test_last_and_first_touch_through_the_engine_equal_the_sql(shops, engine_twins, model, group_by):
    options = {"group_by": group_by, "compare": "previous_period"}
    sql = kpi(shops, query(*FEBRUARY_TO_MARCH, KPI_METRICS, attribution_model=model, **options), RATES)
    engine = kpi(shops, query(*FEBRUARY_TO_MARCH, KPI_METRICS, attribution_model=f"engine_{model}", **options),
                 RATES)
    assert len(sql["rows"]) > 3 and sql["warnings"]
    assert comparable(engine) == comparable(sql)


def test_a_grouped_time_series_through_the_engine_equals_the_sql(shops, engine_twins):
    options = {"group_by": "channel", "granularity": "week", "compare": "previous_period"}
    sql = timeseries(shops, query(*FEBRUARY_TO_MARCH, ("orders", "revenue"), attribution_model="last_touch",
                                  **options), RATES)
    engine = timeseries(shops, query(*FEBRUARY_TO_MARCH, ("orders", "revenue"),
                                     attribution_model="engine_last_touch", **options), RATES)
    assert comparable(engine) == comparable(sql)
