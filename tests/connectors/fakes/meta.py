"""Fake Graph API for Meta Ads (meta-ads.md §11): ad accounts, insights (sync GET + async report runs), OAuth."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from tests.connectors.fakes.base import Fault, Reply, Request
from tests.connectors.fakes.data import Campaign, campaigns, value
from tests.connectors.fakes.graph import GraphFake, V, graph_error


class FakeMetaAds(GraphFake):
    platform = "meta_ads"

    def __init__(self, *, campaign_count: int = 3, first_day: date = date(2025, 3, 1), days: int = 10,
                 account_id: str = "1234567890", currency: str = "EUR", time_zone: str = "Europe/Berlin",
                 max_page_size: int = 500) -> None:
        super().__init__(usage_id=account_id)
        self.account_id = account_id
        self.currency = currency
        self.time_zone = time_zone
        self.first_day = first_day
        self.last_day = first_day + timedelta(days=days - 1)
        self.campaigns: list[Campaign] = campaigns(campaign_count)
        self.max_page_size = max_page_size
        self.report_runs: dict[str, dict[str, Any]] = {}
        self.row_cache: dict[tuple, list[dict[str, Any]]] = {}
        self.extra_accounts = [
            {"id": "act_2222222222", "account_id": "2222222222", "name": "Shop US", "currency": "USD",
             "timezone_name": "America/Los_Angeles", "timezone_offset_hours_utc": -8, "account_status": 2},
        ]
        self.add("GET", V + r"/me/adaccounts", self.ad_accounts)
        self.add("GET", V + r"/act_(?P<account>\d+)/insights", self.insights)
        self.add("POST", V + r"/act_(?P<account>\d+)/insights", self.start_report)
        self.add("GET", V + r"/(?P<run>\d+)/insights", self.report_insights)
        self.add("GET", V + r"/(?P<run>\d+)", self.report_status)

    # --- accounts ----------------------------------------------------------------------------------------
    def ad_accounts(self, request: Request, version: str) -> Reply:
        if (problem := self.token_problem(request)) is not None:
            return problem
        accounts = [{"id": f"act_{self.account_id}", "account_id": self.account_id, "name": "Shop EU",
                     "currency": self.currency, "timezone_name": self.time_zone, "timezone_offset_hours_utc": 1,
                     "account_status": 1}, *self.extra_accounts]
        return self.page(request, accounts, limit=int(request.query.get("limit", 25)))

    # --- insights ----------------------------------------------------------------------------------------
    def check_insight_params(self, params: dict[str, str]) -> tuple[Reply | None, tuple[date, date] | None]:
        if params.get("level") not in {"account", "campaign", "adset", "ad"}:
            return graph_error(100, "(#100) param level must be one of {account, campaign, adset, ad}"), None
        if params.get("time_increment") != "1":
            return graph_error(100, "(#100) this fake serves time_increment=1 only"), None
        try:
            time_range = json.loads(params["time_range"])
            since, until = date.fromisoformat(time_range["since"]), date.fromisoformat(time_range["until"])
        except (KeyError, ValueError, TypeError):
            return graph_error(100, "(#100) param time_range must be a JSON object with since and until"), None
        if since > until:
            return graph_error(100, "(#100) time_range since must be before until"), None
        if "fields" not in params or "spend" not in params["fields"]:
            return graph_error(100, "(#100) fields must be requested explicitly"), None
        return None, (since, until)

    def rows(self, since: date, until: date, level: str) -> list[dict[str, Any]]:
        key = (since, until, level)
        if key not in self.row_cache:  # every page of one request slices the same list
            self.row_cache = {key: self.build_rows(since, until, level)}
        return self.row_cache[key]

    def build_rows(self, since: date, until: date, level: str) -> list[dict[str, Any]]:
        rows = []
        day = max(since, self.first_day)
        while day <= min(until, self.last_day):
            offset = (day - self.first_day).days
            for campaign in self.campaigns:
                rows.append(self.insight_row(value(campaign, day, offset), level))
            day += timedelta(days=1)
        return rows

    def insight_row(self, item, level: str) -> dict[str, Any]:
        conversions, revenue = str(item.conversions), f"{item.conversion_value:.2f}"
        row: dict[str, Any] = {
            "account_id": self.account_id, "account_currency": self.currency,
            "campaign_id": item.campaign_id, "campaign_name": item.campaign_name,
            "spend": str(item.spend), "impressions": str(item.impressions), "clicks": str(item.clicks),
            "inline_link_clicks": str(item.clicks - 1),
            "actions": [{"action_type": "link_click", "value": str(item.clicks - 1)},
                        {"action_type": "purchase", "value": conversions},
                        {"action_type": "omni_purchase", "value": conversions},
                        {"action_type": "offsite_conversion.fb_pixel_purchase", "value": conversions}],
            "action_values": [{"action_type": "purchase", "value": revenue},
                              {"action_type": "omni_purchase", "value": revenue},
                              {"action_type": "offsite_conversion.fb_pixel_purchase", "value": revenue}],
            "date_start": item.day.isoformat(), "date_stop": item.day.isoformat(),
        }
        if level in ("adset", "ad"):
            row["adset_id"], row["adset_name"] = f"{item.campaign_id}1", f"{item.campaign_name} / set"
        if level == "ad":
            row["ad_id"], row["ad_name"] = f"{item.campaign_id}11", f"{item.campaign_name} / ad"
        return row

    def insights(self, request: Request, version: str, account: str) -> Reply:
        if (problem := self.token_problem(request)) is not None:
            return problem
        if account != self.account_id:
            return graph_error(100, f"(#100) Object with ID 'act_{account}' does not exist", subcode=33)
        params = request.params()
        problem, span = self.check_insight_params(params)
        if problem is not None:
            return problem
        return self.page(request, self.rows(*span, params["level"]), limit=int(params.get("limit", 25)))

    def start_report(self, request: Request, version: str, account: str) -> Reply:
        if (problem := self.token_problem(request)) is not None:
            return problem
        params = request.params()
        problem, span = self.check_insight_params(params)
        if problem is not None:
            return problem
        run_id = str(6203101010101 + len(self.report_runs))
        self.report_runs[run_id] = {"span": span, "level": params["level"], "polls": 0, "fail": False}
        return self.reply({"report_run_id": run_id})

    def report_status(self, request: Request, version: str, run: str) -> Reply:
        if (problem := self.token_problem(request)) is not None:
            return problem
        job = self.report_runs.get(run)
        if job is None:
            return graph_error(100, f"(#100) Unsupported get request. Object with ID '{run}' does not exist")
        job["polls"] += 1
        steps = [("Job Not Started", 0), ("Job Running", 42), ("Job Completed", 100)]
        status, percent = steps[min(job["polls"], 3) - 1]
        if job["fail"]:
            status, percent = "Job Failed", 0
        since, until = job["span"]
        return self.reply({"id": run, "account_id": self.account_id, "async_status": status,
                           "async_percent_completion": percent, "date_start": since.isoformat(),
                           "date_stop": until.isoformat(), "is_running": status != "Job Completed"})

    def report_insights(self, request: Request, version: str, run: str) -> Reply:
        if (problem := self.token_problem(request)) is not None:
            return problem
        job = self.report_runs.get(run)
        if job is None or job["polls"] < 3:
            return graph_error(100, "(#100) The report is not ready")
        return self.page(request, self.rows(*job["span"], job["level"]), limit=int(request.query.get("limit", 25)))

    # --- faults ------------------------------------------------------------------------------------------
    def fault_rate_limit(self, fault: Fault, request: Request, normal) -> Reply:
        buc = {self.account_id: [{"type": "ads_insights", "call_count": 100, "total_cputime": 40, "total_time": 60,
                                  "estimated_time_to_regain_access": fault.options.get("minutes", 1)}]}
        return graph_error(17, "User request limit reached", subcode=2446079,
                           headers={"X-Business-Use-Case-Usage": json.dumps(buc)})

    def fault_server_error(self, fault: Fault, request: Request, normal) -> Reply:
        return graph_error(2, "An unexpected error has occurred. Please retry your request later.", status=500)

    def fault_too_much_data(self, fault: Fault, request: Request, normal) -> Reply:
        return graph_error(100, "Please reduce the amount of data you're asking for, then retry your request",
                           subcode=1487534)

    def fault_usage_high(self, fault: Fault, request: Request, normal) -> Reply:
        reply = normal()
        reply.headers.update(self.usage_headers(pct=fault.options.get("pct", 95)))
        return reply

    def fault_async_failed(self, fault: Fault, request: Request, normal) -> Reply:
        reply = normal()
        for job in self.report_runs.values():
            job["fail"] = True
        return reply

    def fault_malformed(self, fault: Fault, request: Request, normal) -> Reply:
        reply = normal()
        body = json.loads(reply.body)
        body["data"][0]["spend"] = "12,50 EUR"
        return Reply.json(body, headers=reply.headers)
