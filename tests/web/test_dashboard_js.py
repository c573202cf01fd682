"""The dashboard's pure browser modules (dates and presets, the query string, number formats, report shapes),
run under Node.js exactly as the browser loads them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.plugins.servers import service_missing

JS = Path(__file__).resolve().parents[2] / "analyticaflow" / "web" / "static" / "web" / "js"
MODULES = ("state.js", "format.js", "reports.js")


@pytest.fixture(scope="module")
def run_js(tmp_path_factory):
    """``run_js(body)`` runs an ES module body with the modules imported; returns what it prints as JSON."""
    node = shutil.which("node")
    if node is None:
        service_missing("Node.js (apt-get install nodejs)")
    folder = tmp_path_factory.mktemp("js")
    for name in MODULES:
        shutil.copy(JS / name, folder / name)
    (folder / "package.json").write_text('{"type": "module"}')

    def run(body: str):
        script = folder / "case.js"
        script.write_text(
            'import * as state from "./state.js";\nimport * as format from "./format.js";\n'
            'import * as reports from "./reports.js";\n'
            f"const result = (() => {{ {body} }})();\nconsole.log(JSON.stringify(result));\n"
        )
        done = subprocess.run([node, str(script)], capture_output=True, text=True, timeout=30,
                              env={"TZ": "America/Los_Angeles", "PATH": "/usr/bin:/bin"})
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    return run


@pytest.mark.parametrize(("preset", "today", "expected"), [
    ("last_7", "2026-03-10", ["2026-03-03", "2026-03-09"]),
    ("last_30", "2026-03-01", ["2026-01-30", "2026-02-28"]),
    ("last_90", "2024-03-31", ["2024-01-01", "2024-03-30"]),  # leap year: Feb has 29 days
    ("this_month", "2026-02-14", ["2026-02-01", "2026-02-14"]),
    ("last_month", "2026-01-15", ["2025-12-01", "2025-12-31"]),
    ("last_month", "2024-03-31", ["2024-02-01", "2024-02-29"]),
    ("this_year", "2026-01-01", ["2026-01-01", "2026-01-01"]),
    # Local DST change inside the range (the process runs in America/Los_Angeles): no day lost or doubled.
    ("last_7", "2026-03-12", ["2026-03-05", "2026-03-11"]),
    ("last_7", "2026-11-03", ["2026-10-27", "2026-11-02"]),
])
def test_presets_give_inclusive_ranges_on_the_project_calendar(run_js, preset, today, expected):
    assert run_js(f"const r = state.presetRange({preset!r}, {today!r}); return [r.from, r.to];") == expected


@pytest.mark.parametrize(("zone", "instant", "expected"), [
    ("Europe/Berlin", "2026-03-28T23:30:00Z", "2026-03-29"),  # already tomorrow in Berlin
    ("America/New_York", "2026-03-29T03:30:00Z", "2026-03-28"),  # still yesterday in New York
    ("Asia/Tokyo", "2024-02-28T15:00:00Z", "2024-02-29"),  # leap day
    ("UTC", "2026-12-31T23:59:59Z", "2026-12-31"),
])
def test_today_is_the_date_in_the_projects_time_zone(run_js, zone, instant, expected):
    assert run_js(f"return state.todayIn({zone!r}, new Date({instant!r}));") == expected


@pytest.mark.parametrize(("search", "expected"), [
    ("", {"account": "all", "preset": "last_30", "from": "2026-04-10", "to": "2026-05-09", "granularity": "day",
          "compare": "previous_period", "metric": None}),
    ("?account=google_ads:123-456-7890&preset=last_90&metric=roas&compare=off",
     {"account": "google_ads:123-456-7890", "preset": "last_90", "from": "2026-02-09", "to": "2026-05-09",
      "granularity": "week", "compare": "off", "metric": "roas"}),
    ("?preset=custom&from=2025-01-01&to=2025-12-31&granularity=quarter&compare=previous_year",
     {"account": "all", "preset": "custom", "from": "2025-01-01", "to": "2025-12-31", "granularity": "quarter",
      "compare": "previous_year", "metric": None}),
    # Nonsense falls back to the defaults instead of breaking the page.
    ("?preset=custom&from=2025-02-30&to=2025-03-01&granularity=hour&compare=yesterday&account=nope&metric=X;drop",
     {"account": "all", "preset": "last_30", "from": "2026-04-10", "to": "2026-05-09", "granularity": "day",
      "compare": "previous_period", "metric": None}),
    ("?preset=custom&from=2025-03-02&to=2025-03-01",
     {"account": "all", "preset": "last_30", "from": "2026-04-10", "to": "2026-05-09", "granularity": "day",
      "compare": "previous_period", "metric": None}),
    ("?preset=this_year", {"account": "all", "preset": "this_year", "from": "2026-01-01", "to": "2026-05-10",
                           "granularity": "week", "compare": "previous_period", "metric": None}),
])
def test_the_query_string_gives_a_valid_state(run_js, search, expected):
    got = run_js(f"return state.readState({search!r}, '2026-05-10');")
    assert got == expected


@pytest.mark.parametrize("search", [
    "",
    "?account=meta_ads:act_1&metric=cpc",
    "?preset=custom&from=2025-01-01&to=2025-12-31&granularity=quarter&compare=off",
    "?preset=last_7&granularity=week&compare=previous_year",
])
def test_writing_the_state_and_reading_it_back_restores_it(run_js, search):
    got = run_js(f"const s = state.readState({search!r}, '2026-05-10'); "
                 "return [state.writeState(s), state.readState(state.writeState(s), '2026-05-10')];")
    assert got[0] == search  # defaults are left out, so shared links stay short
    assert got[1] == run_js(f"return state.readState({search!r}, '2026-05-10');")


@pytest.mark.parametrize(("days", "granularity"), [(1, "day"), (45, "day"), (46, "week"), (200, "week"),
                                                    (201, "month"), (1100, "month"), (1101, "quarter")])
def test_default_granularity_keeps_the_chart_readable(run_js, days, granularity):
    assert run_js(f"return state.defaultGranularity('2024-01-01', state.addDays('2024-01-01', {days - 1}));") \
        == granularity


@pytest.mark.parametrize(("fmt", "value", "currency", "locale", "text"), [
    ("money", 1234.5, "EUR", "de-DE", "1.234,50 €"),
    ("money", 123456.78, "EUR", "de-DE", "123.457 €"),  # totals without cents
    ("money", 0.42, "USD", "en-US", "$0.42"),
    ("money", 1500, "JPY", "en-US", "¥1,500"),
    ("money", None, "EUR", "en-US", "—"),
    ("percent", 0.0123, "EUR", "en-US", "1.23%"),
    ("percent", -0.254, "EUR", "en-US", "-25.4%"),
    ("ratio", 3.256, "EUR", "en-US", "3.26\u00d7"),  # 3.26 times
    ("count", 12345, "EUR", "en-US", "12,345"),
    ("count", None, "EUR", "en-US", "—"),
    ("percent", None, "EUR", "en-US", "—"),
])
def test_values_are_formatted_by_the_metrics_format(run_js, fmt, value, currency, locale, text):
    got = run_js(f"return format.makeFormatter({{currency: {currency!r}, locale: {locale!r}}})"
                 f".value({fmt!r}, {json.dumps(value)});")
    assert got.replace("\u00a0", " ").replace("\u202f", " ") == text


@pytest.mark.parametrize(("change", "higher_is_better", "expected"), [
    ({"abs": 50, "pct": 0.25}, True, {"arrow": "▲", "tone": "good", "text": "25.0%"}),
    ({"abs": -50, "pct": -0.25}, True, {"arrow": "▼", "tone": "bad", "text": "25.0%"}),
    ({"abs": 0.1, "pct": 0.08}, False, {"arrow": "▲", "tone": "bad", "text": "8.00%"}),  # CPC went up: bad
    ({"abs": -0.1, "pct": -0.08}, False, {"arrow": "▼", "tone": "good", "text": "8.00%"}),
    ({"abs": 120, "pct": None}, True, {"arrow": "▲", "tone": "good", "text": "new"}),  # previous was 0
    ({"abs": None, "pct": None}, True, {"arrow": "", "tone": "neutral", "text": "—"}),
    (None, True, {"arrow": "", "tone": "neutral", "text": "—"}),
    ({"abs": 0, "pct": 0}, True, {"arrow": "", "tone": "neutral", "text": "0.00%"}),
])
def test_change_badges_are_green_when_the_metric_moved_the_good_way(run_js, change, higher_is_better, expected):
    got = run_js("const f = format.makeFormatter({currency: 'EUR', locale: 'en-US'}); "
                 f"return format.describeChange({json.dumps(change)}, "
                 f"{{higherIsBetter: {json.dumps(higher_is_better)}, formatter: f}});")
    assert got == expected


def test_an_account_selection_becomes_report_filters(run_js):
    got = run_js("const s = state.readState('?account=google_ads:123-456-7890&compare=off', '2026-05-10'); "
                 "return [reports.kpiRequest(s, {metrics: ['spend'], groupBy: 'campaign'}), "
                 "reports.timeseriesRequest(s, {metric: 'spend'}), "
                 "reports.accountFilters('all')];")
    assert got[0] == {"date_from": "2026-04-10", "date_to": "2026-05-09", "metrics": ["spend"],
                      "group_by": "campaign", "compare": None,
                      "filters": {"source": ["google_ads"], "account_id": ["123-456-7890"]}}
    assert got[1]["filters"] == got[0]["filters"] and got[1]["granularity"] == "day"
    assert got[2] == {}


def test_grouped_rows_and_series_are_read_from_the_report_answers(run_js):
    kpi = {"rows": [
        {"group": {"source": "google_ads", "account_id": "1", "campaign_id": "c1", "campaign_name": "Search | Brand"},
         "label": "google_ads · Search | Brand", "metrics": {"spend": 10}, "previous": {"spend": 8},
         "change": {"spend": {"abs": 2, "pct": 0.25}}},
        {"group": {"source": "meta_ads", "account_id": "2", "campaign_id": None, "campaign_name": None},
         "label": "meta_ads · (no campaign)", "metrics": {"spend": 0}, "previous": None, "change": None},
    ]}
    series = {"buckets": [
        {"bucket": "2026-03-02", "date_from": "2026-03-02", "date_to": "2026-03-08",
         "previous_date_from": "2026-02-23", "previous_date_to": "2026-03-01",
         "metrics": {"spend": 70.5, "roas": None}, "previous": {"spend": 60, "roas": 2.5}, "change": {}},
        {"bucket": "2026-03-09", "date_from": "2026-03-09", "date_to": "2026-03-10", "previous_date_from": None,
         "previous_date_to": None, "metrics": {"spend": 0, "roas": None}, "previous": None, "change": None},
    ]}
    got = run_js(f"return [reports.groupedRows({json.dumps(kpi)}, 'campaign'), "
                 f"reports.groupedRows({json.dumps(kpi)}, 'source'), reports.seriesOf({json.dumps(series)}, 'roas')];")
    by_campaign, by_source, roas = got
    assert [(r["key"], r["label"]) for r in by_campaign] == [("c1", "Search | Brand"),
                                                            (None, "meta_ads · (no campaign)")]
    assert by_campaign[1]["previous"] == {} and by_campaign[1]["change"] == {}
    assert [(r["key"], r["label"]) for r in by_source] == [("google_ads", "google_ads · Search | Brand"),
                                                          ("meta_ads", "meta_ads · (no campaign)")]
    assert roas == {"starts": ["2026-03-02", "2026-03-09"], "ends": ["2026-03-08", "2026-03-10"],
                    "current": [None, None], "previous": [2.5, None], "previousStarts": ["2026-02-23", None]}
