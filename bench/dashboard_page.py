"""Server time of the account dashboard: the HTML shell, and the report calls its script makes, over real HTTP.

    .venv/bin/python bench/dashboard_page.py [--size small|full] [--data-dir DIR] [--requests 200]

What it does:

1. prepares a demo data dir (``analyticaflow demo --no-serve --size ...``) unless ``--data-dir`` names one
   that already holds a demo;
2. starts the real server (``analyticaflow serve``, granian) on loopback and logs in like a browser (session
   cookie + CSRF token);
3. times ``--requests`` sequential requests of each: the dashboard shell (``GET /projects/{id}/``), and the
   calls the page's script makes for "All accounts, last 30 days, compare with the previous period": tiles
   (KPI), the source table (KPI grouped by source), the chart (time series by day) and the account list;
   the same for one ad account (grouped by campaign);
4. reference in the same run: ``GET /healthz`` (a bare Django request through the same server) and
   ``GET /projects/1/setup/`` (a simple logged-in page: the tracking setup);
5. the pages again in this process through Django's test client, as CPU time of the request's thread
   (``time.thread_time``): a figure other processes loading the machine barely move.

HTTP times are measured by the client over loopback (they include HTTP and the client's own overhead): an upper
bound of the server time.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.plugins.servers import free_port, wait_for_port  # noqa: E402
from tests.serving import CLI, product_env  # noqa: E402

TILES = ["spend", "revenue", "roas", "romi", "cac", "orders", "new_customers", "aov"]
TABLE = ["spend", "orders", "revenue", "new_customers", "roas", "romi", "cac", "cpa"]
AD_TILES = ["spend", "impressions", "clicks", "ctr", "cpc", "cpm", "orders", "revenue", "roas", "romi", "cpa",
            "platform_conversions", "platform_conversion_value", "platform_roas", "platform_cpa"]


def prepare(data_dir: Path, size: str) -> str:
    done = subprocess.run([*CLI, "demo", "--data-dir", str(data_dir), "--size", size, "--no-serve",
                           "--password", "bench-password-1234"], env=product_env(data_dir), capture_output=True,
                          text=True, timeout=900)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    print(done.stdout.strip().splitlines()[-6])
    return "bench-password-1234"


def timed(call, count: int) -> tuple[list[float], int]:
    samples, status = [], 0
    for _ in range(count):
        started = time.perf_counter()
        response = call()
        samples.append((time.perf_counter() - started) * 1000)
        status = response.status_code
    return samples, status


def row(name: str, samples: list[float], status: int, reference: float | None) -> str:
    p50 = statistics.median(samples)
    p95 = sorted(samples)[max(0, int(len(samples) * 0.95) - 1)]
    ratio = f"{p50 / reference:6.1f}" if reference else "     -"
    return f"| {name:<44} | {status} | {p50:8.1f} | {p95:8.1f} | {ratio} |"


def cpu_per_request(data_dir: Path, count: int) -> list[str]:
    """CPU milliseconds of the request thread per page, in this process (Django's test client)."""
    import os

    os.environ.update(ANALYTICAFLOW_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="analyticaflow.settings")
    import django

    django.setup()
    from django.test import Client

    from analyticaflow.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email="demo@analyticaflow.local"))
    lines = ["| page (in-process) | CPU ms p50 | ÷ setup page |", "|---|---|---|"]
    pages = [("/projects/1/setup/ (reference)", "/projects/1/setup/"),
             ("/projects/1/ (dashboard shell)", "/projects/1/"),
             ("/projects/1/utm-audit/", "/projects/1/utm-audit/"), ("/projects/", "/projects/")]
    medians = {}
    for name, path in pages:
        client.get(path)
        samples = []
        for _ in range(count):
            started = time.thread_time()
            assert client.get(path).status_code == 200
            samples.append((time.thread_time() - started) * 1000)
        medians[name] = statistics.median(samples)
        lines.append(f"| {name} | {medians[name]:.2f} | {medians[name] / medians[pages[0][0]]:.2f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small", choices=["small", "full"])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--password", default="bench-password-1234", help="the demo user's password in --data-dir")
    args = parser.parse_args()

    data_dir = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="af-bench-dash-")) / "demo"
    password = prepare(data_dir, args.size) if not (data_dir / "warehouse.duckdb").exists() else args.password
    port = free_port()
    server = subprocess.Popen([*CLI, "serve", "--port", str(port)],
                              env=product_env(data_dir, ANALYTICAFLOW_SECURE_COOKIES="0"),  # plain HTTP
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, timeout=60)
        base = f"http://127.0.0.1:{port}"
        client = httpx.Client(base_url=base, timeout=60)
        login = client.get("/login/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
        answer = client.post("/login/", data={"email": "demo@analyticaflow.local", "password": password,
                                              "csrfmiddlewaretoken": csrf})
        assert answer.status_code == 302, answer.text
        page = client.get("/projects/1/")
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
        headers = {"X-CSRFToken": token}
        api = f"{base}/api/v1/projects/1/reports"
        today = date.today()
        window = {"date_from": (today - timedelta(days=30)).isoformat(),
                  "date_to": (today - timedelta(days=1)).isoformat(), "compare": "previous_period"}
        account = {"source": ["google_ads"], "account_id": ["123-456-7890"]}

        def kpi(metrics, group_by="none", filters=None):
            body = {**window, "metrics": metrics, "group_by": group_by, "filters": filters or {}}
            return lambda: client.post(f"{api}/kpi", json=body, headers=headers)

        def series(metric, filters=None):
            body = {**window, "metrics": [metric], "granularity": "day", "group_by": "none",
                    "filters": filters or {}}
            return lambda: client.post(f"{api}/timeseries", json=body, headers=headers)

        count = args.requests
        for _ in range(5):  # warm up the worker, its connections and caches
            client.get("/projects/1/")
            kpi(TILES)()
        health, health_status = timed(lambda: client.get("/healthz"), count)
        reference = statistics.median(health)
        lines = [
            "| request | status | p50 ms | p95 ms | ÷ /healthz p50 |",
            "|---|---|---|---|---|",
            row("GET /healthz (reference)", health, health_status, reference),
            row("GET /projects/1/setup/ (reference: simple page)",
                *timed(lambda: client.get("/projects/1/setup/"), count), reference),
            row("GET /projects/ (project list and form)", *timed(lambda: client.get("/projects/"), count), reference),
            row("GET /projects/1/ (dashboard shell)", *timed(lambda: client.get("/projects/1/"), count), reference),
            row("GET /projects/1/utm-audit/ (audit shell)", *timed(lambda: client.get("/projects/1/utm-audit/"),
                                                                   count), reference),
            row("all accounts: KPI tiles (8 metrics)", *timed(kpi(TILES), count), reference),
            row("all accounts: KPI by source (8 metrics)", *timed(kpi(TABLE, "source"), count), reference),
            row("all accounts: time series, spend by day", *timed(series("spend"), count), reference),
            row("GET accounts", *timed(lambda: client.get(f"{api}/accounts"), count), reference),
            row("one account: KPI tiles (15 metrics)", *timed(kpi(AD_TILES, filters=account), count), reference),
            row("one account: KPI by campaign", *timed(kpi(AD_TILES[:10], "campaign", account), count), reference),
            row("one account: time series, spend by day", *timed(series("spend", account), count), reference),
            row("GET utm-audit, 30 days",
                *timed(lambda: client.get(f"{api}/utm-audit", params={"date_from": window["date_from"],
                                                                     "date_to": window["date_to"]}), count),
                reference),
        ]
        print(f"data: {data_dir} ({'given' if args.data_dir else args.size}); {count} sequential requests each")
        print("\n".join(lines))
        print()
        print("\n".join(cpu_per_request(data_dir, count)))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
