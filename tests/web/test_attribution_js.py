"""The attribution page's pure browser module (state, query string, request, comparison table), run under Node.js
exactly as the browser loads it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.plugins.servers import service_missing

JS = Path(__file__).resolve().parents[2] / "analyticaflow" / "web" / "static" / "web" / "js"
MODULES = ("state.js", "reports.js", "attribution_state.js")
MODELS = ["first_touch", "last_touch", "linear", "markov"]


@pytest.fixture(scope="module")
def run_js(tmp_path_factory):
    node = shutil.which("node")
    if node is None:
        service_missing("Node.js (apt-get install nodejs)")
    folder = tmp_path_factory.mktemp("js")
    for name in MODULES:
        shutil.copy(JS / name, folder / name)
    (folder / "package.json").write_text('{"type": "module"}')

    def run(body: str):
        script = folder / "case.js"
        script.write_text(f'import * as a from "./attribution_state.js";\nconst MODELS = {json.dumps(MODELS)};\n'
                          f"const result = (() => {{ {body} }})();\nconsole.log(JSON.stringify(result));\n")
        done = subprocess.run([node, str(script)], capture_output=True, text=True, timeout=30,
                              env={"TZ": "America/Los_Angeles", "PATH": "/usr/bin:/bin"})
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    return run


def test_defaults_when_the_query_string_is_empty(run_js):
    state = run_js('return a.readAttribution("", "2026-03-15", MODELS);')
    assert (state["from"], state["to"], state["account"]) == ("2026-02-13", "2026-03-14", "all")
    assert (state["group"], state["show"], state["models"], state["lookback"], state["halfLife"]) == (
        "channel", "conversions", MODELS, 30, 7)
    assert run_js('return a.writeAttribution(a.readAttribution("", "2026-03-15", MODELS), MODELS);') == ""


@pytest.mark.parametrize(("search", "expected"), [
    ("?group=campaign&show=roas&models=markov,first_touch&lookback=14&half_life=2.5",
     {"group": "campaign", "show": "roas", "models": ["first_touch", "markov"], "lookback": 14, "halfLife": 2.5}),
    ("?group=country&show=ctr&models=last_click&lookback=0&half_life=-1",  # unknown values → defaults
     {"group": "channel", "show": "conversions", "models": MODELS, "lookback": 30, "halfLife": 7}),
    ("?lookback=7.5&half_life=400", {"lookback": 30, "halfLife": 7}),
])
def test_the_query_string_is_read_and_checked(run_js, search, expected):
    state = run_js(f"return a.readAttribution({search!r}, '2026-03-15', MODELS);")
    assert {key: state[key] for key in expected} == expected


def test_a_state_survives_the_round_trip_and_makes_the_request(run_js):
    search = "?account=meta_ads%3Aact_1&preset=custom&from=2026-03-01&to=2026-03-10&group=channel_group&models=linear"
    body = f"""
        const state = a.readAttribution({search!r}, "2026-03-15", MODELS);
        const again = a.readAttribution(a.writeAttribution(state, MODELS), "2026-03-15", MODELS);
        return [JSON.stringify(state) === JSON.stringify(again), a.attributionRequest(state)];
    """
    same, request = run_js(body)
    assert same
    assert request == {"date_from": "2026-03-01", "date_to": "2026-03-10", "models": ["linear"], "lookback_days": 30,
                       "half_life_days": 7, "group_by": "channel_group",
                       "filters": {"source": ["meta_ads"], "account_id": ["act_1"]}}


ANSWER = {
    "models": [{"name": "last_touch"}, {"name": "markov"}],
    "rows": [
        {"label": "google", "group": {"channel": "google"}, "spend": 200,
         "credit": {"last_touch": {"conversions": 3, "cpa": 66.6}, "markov": {"conversions": 1, "cpa": 200}}},
        {"label": "direct", "group": {"channel": "direct"}, "spend": 0,
         "credit": {"last_touch": {"conversions": 1, "cpa": None}, "markov": {"conversions": 3, "cpa": None}}},
    ],
    "totals": {"spend": 200, "credit": {"last_touch": {"conversions": 4, "cpa": 50},
                                        "markov": {"conversions": 4, "cpa": 50}}},
}


def test_the_comparison_table_puts_the_models_side_by_side(run_js):
    table = run_js(f"return a.comparisonTable({json.dumps(ANSWER)}, 'conversions');")
    assert table["models"] == ["last_touch", "markov"]
    assert [(r["label"], [(c["value"], c["share"]) for c in r["cells"]]) for r in table["rows"]] == [
        ("google", [(3, 0.75), (1, 0.25)]), ("direct", [(1, 0.25), (3, 0.75)])]
    assert [c["value"] for c in table["total"]["cells"]] == [4, 4]
    # Ratios get no share bars; a missing value stays null.
    cpa = run_js(f"return a.comparisonTable({json.dumps(ANSWER)}, 'cpa');")
    assert [[(c["value"], c["share"]) for c in r["cells"]] for r in cpa["rows"]] == [
        [(66.6, None), (200, None)], [(None, None), (None, None)]]


@pytest.mark.parametrize(("values", "higher", "expected"), [
    ([3, 1, 2], True, {"best": 3, "worst": 1}),
    ([66.6, 200], False, {"best": 66.6, "worst": 200}),
    ([5, 5], True, {"best": None, "worst": None}),
    ([None, 4], True, {"best": None, "worst": None}),
])
def test_the_best_and_worst_model_of_a_row(run_js, values, higher, expected):
    cells = [{"value": v} for v in values]
    assert run_js(f"return a.extremes({json.dumps(cells)}, {json.dumps(higher)});") == expected
