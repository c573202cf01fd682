"""The KPI report's ``attribution_model`` over HTTP, for every model of the attribution engine, by hand.

ann visits from facebook (2 March 00:00 UTC), google (4 March) and the newsletter (5 March), then orders 100 EUR
on 6 March 00:00: her touchpoints are 4, 2 and 1 days old. bob orders 50 EUR on 6 March with no visit: every
model credits him to direct. Nobody has a touchpoint after their last order, so Markov sees no non-converting
path. Orders and revenue per channel, model by model:

- first_touch: facebook; last_touch and last_non_direct: newsletter.
- linear: a third each; position_based: 40 % facebook, 20 % google, 40 % newsletter.
- time_decay (half-life 7 days): weights 2^(-4/7), 2^(-2/7), 2^(-1/7), normalized.
- shapley: v(S) counts a journey when S holds all its channels, so ann's order is split in three equal parts.
- markov: start → facebook 1/2, → direct 1/2; facebook → google → newsletter → conversion; direct → conversion.
  Removing any channel loses half the conversions: 4 x 0.5 normalized to 2 orders = 0.5 each. Value: a
  conversion from newsletter is worth 100, from direct 50; removing facebook, google or newsletter loses
  0.5 x 100 = 50, direct 0.5 x 50 = 25 (sum 175), normalized to 150.
"""

from __future__ import annotations

import pytest

from analyticaflow.attribution import model_names
from tests.channeldata.conftest import process_warehouse  # noqa: F401
from tests.reports.helpers import order, project_events, utc, visit

pytestmark = pytest.mark.django_db

ANN = ("facebook", "google", "newsletter")
AGES = (4, 2, 1)


def shares(*parts: float) -> dict[str, float]:
    return dict(zip(ANN, parts, strict=True))


_decay = [2 ** (-age / 7) for age in AGES]
ANN_SHARES = {
    "first_touch": shares(1, 0, 0),
    "last_touch": shares(0, 0, 1),
    "last_non_direct": shares(0, 0, 1),
    "linear": shares(1 / 3, 1 / 3, 1 / 3),
    "position_based": shares(0.4, 0.2, 0.4),
    "time_decay": shares(*(w / sum(_decay) for w in _decay)),
    "shapley": shares(1 / 3, 1 / 3, 1 / 3),
}
MARKOV = {"facebook": (0.5, 150 * 50 / 175), "google": (0.5, 150 * 50 / 175),
          "newsletter": (0.5, 150 * 50 / 175), "direct": (0.5, 150 * 25 / 175)}


def expected(model: str) -> dict[str, tuple[float, float]]:
    if model == "markov":
        return MARKOV
    credit = {channel: (share, 100 * share) for channel, share in ANN_SHARES[model].items() if share}
    return {**credit, "direct": (1.0, 50.0)}


@pytest.fixture
def shop(project, process_warehouse):  # noqa: F811
    project.timezone, project.currency = "UTC", "EUR"
    project.save()
    project_events(process_warehouse, [
        visit("ann", utc(2026, 3, 2), source="facebook", medium="social", project_id=project.id),
        visit("ann", utc(2026, 3, 4), source="google", medium="cpc", project_id=project.id),
        visit("ann", utc(2026, 3, 5), source="newsletter", medium="email", project_id=project.id),
        order("ann", "o1", utc(2026, 3, 6), 100, project_id=project.id),
        order("bob", "o2", utc(2026, 3, 6), 50, project_id=project.id),
    ])
    return project


def test_the_hand_computation_covers_every_model_of_the_engine():
    assert set(ANN_SHARES) | {"markov"} == set(model_names())


@pytest.mark.parametrize("model", sorted(set(ANN_SHARES) | {"markov"}))
def test_every_model_through_the_kpi_report_api(as_user, owner, shop, model):
    response = as_user(owner).post(f"/api/v1/projects/{shop.id}/reports/kpi", {
        "date_from": "2026-03-01", "date_to": "2026-03-10", "metrics": ["orders", "revenue"],
        "group_by": "channel", "attribution_model": model}, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["attribution_model"] == model
    credited = {row["group"]["channel"]: (row["metrics"]["orders"], row["metrics"]["revenue"])
                for row in data["rows"] if row["metrics"]["orders"]}
    assert credited == {channel: (pytest.approx(orders), pytest.approx(revenue))
                        for channel, (orders, revenue) in expected(model).items()}
    assert data["current"] == {"orders": pytest.approx(2), "revenue": pytest.approx(150)}
