"""Fake X Ads API (twitter-ads.md §11): OAuth 1.0a with verified HMAC-SHA1 signatures, accounts, campaigns,
synchronous stats (≤20 ids, ≤7 days, local-midnight alignment, one placement), async jobs with gzip results.

Each campaign-day of the dataset is split over the two placements: PUBLISHER_NETWORK gets 100 impressions,
1 link click and 0.50 of spend; ALL_ON_TWITTER the rest. A client must add both to get the dataset back.
"""

from __future__ import annotations

import gzip
import json
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import unquote, urlencode
from zoneinfo import ZoneInfo

from authlib.oauth1.rfc5849.signature import construct_base_string, hmac_sha1_signature

from tests.connectors.fakes.base import FakeServer, Fault, Reply, Request
from tests.connectors.fakes.data import campaigns, value

V = r"/(?P<version>\d+)"
CONSUMER_KEY = "fake-x-consumer-key"
CONSUMER_SECRET = "fake-x-consumer-secret"
PLACEMENTS = {"ALL_ON_TWITTER", "PUBLISHER_NETWORK"}
GROUPS = {"ENGAGEMENT", "BILLING", "VIDEO", "MEDIA", "WEB_CONVERSION", "MOBILE_CONVERSION",
          "LIFE_TIME_VALUE_MOBILE_CONVERSION"}


def x_error(status: int, code: str, message: str, parameter: str | None = None,
            headers: dict[str, str] | None = None) -> Reply:
    error = {"code": code, "message": message, **({"parameter": parameter} if parameter else {})}
    return Reply.json({"errors": [error], "request": {"params": {}}}, status=status, headers=headers)


def parse_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except (TypeError, ValueError):
        return None


class FakeTwitterAds(FakeServer):
    platform = "twitter_ads"

    def __init__(self, *, campaign_count: int = 3, first_day: date = date(2025, 3, 1), days: int = 10,
                 account_id: str = "18ce54d4x5t", time_zone: str = "America/Los_Angeles",
                 max_page_size: int = 2) -> None:
        super().__init__()
        self.account_id = account_id
        self.zone = ZoneInfo(time_zone)
        self.time_zone = time_zone
        self.first_day = first_day
        self.last_day = first_day + timedelta(days=days - 1)
        self.campaigns = campaigns(campaign_count, id_of=lambda k: f"6kq{k:02d}")
        self.max_page_size = max_page_size
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.rate_remaining = 200
        self.jobs: dict[str, dict[str, Any]] = {}
        self.secrets: dict[str, str] = {}
        self.request_tokens: dict[str, dict[str, str]] = {}
        self.access_token = "x-user-token-" + secrets.token_hex(6)
        self.token_secret = "x-user-secret-" + secrets.token_hex(6)
        self.tokens.access[self.access_token] = "ok"
        self.secrets[self.access_token] = self.token_secret
        self.add("POST", r"/oauth/request_token", self.request_token)
        self.add("GET", r"/oauth/authorize", self.authorize)
        self.add("POST", r"/oauth/access_token", self.oauth_access_token)
        self.add("GET", V + r"/accounts", self.accounts)
        self.add("GET", V + r"/accounts/(?P<account>\w+)/campaigns", self.campaign_list)
        self.add("GET", V + r"/stats/accounts/(?P<account>\w+)", self.sync_stats)
        self.add("POST", V + r"/stats/jobs/accounts/(?P<account>\w+)", self.create_job)
        self.add("GET", V + r"/stats/jobs/accounts/(?P<account>\w+)", self.poll_jobs)
        self.add("GET", r"/advertiser-api-async-analytics/(?P<job>\d+)\.json\.gz", self.download)

    # --- OAuth 1.0a --------------------------------------------------------------------------------------
    def oauth_params(self, request: Request) -> dict[str, str] | None:
        header = request.headers.get("authorization", "")
        if not header.startswith("OAuth "):
            return None
        params = {}
        for part in header[6:].split(","):
            name, _, quoted = part.strip().partition("=")
            params[name] = unquote(quoted.strip('"'))
        return params

    def signature_problem(self, request: Request, *, token_secret: str = "") -> Reply | None:
        params = self.oauth_params(request)
        if params is None or params.get("oauth_consumer_key") != CONSUMER_KEY:
            return x_error(401, "UNAUTHORIZED_ACCESS", "This request is not properly authenticated")
        signed = [(k, v) for k, v in params.items() if k not in {"oauth_signature", "realm"}]
        signed += list(request.query.items()) + list(request.form().items())
        uri = f"http://{request.headers['host']}{request.path}"
        base = construct_base_string(request.method, uri, signed)
        if hmac_sha1_signature(base, CONSUMER_SECRET, token_secret) != params.get("oauth_signature"):
            return x_error(401, "UNAUTHORIZED_ACCESS", "Could not authenticate you (signature mismatch)")
        return None

    def request_token(self, request: Request) -> Reply:
        if (problem := self.signature_problem(request)) is not None:
            return problem
        params = self.oauth_params(request)
        token, secret = "req-" + secrets.token_hex(6), "reqsec-" + secrets.token_hex(6)
        self.request_tokens[token] = {"secret": secret, "callback": params.get("oauth_callback", ""),
                                      "verifier": "ver-" + secrets.token_hex(4)}
        body = urlencode({"oauth_token": token, "oauth_token_secret": secret, "oauth_callback_confirmed": "true"})
        return Reply.text(body, content_type="application/x-www-form-urlencoded")

    def authorize(self, request: Request) -> Reply:
        pending = self.request_tokens.get(request.query.get("oauth_token", ""))
        if pending is None:
            return Reply.text("This page is no longer valid.", status=400)
        query = urlencode({"oauth_token": request.query["oauth_token"], "oauth_verifier": pending["verifier"]})
        return Reply.redirect(f"{pending['callback']}?{query}")

    def oauth_access_token(self, request: Request) -> Reply:
        params = self.oauth_params(request) or {}
        pending = self.request_tokens.pop(params.get("oauth_token", ""), None)
        if pending is None or params.get("oauth_verifier") != pending["verifier"]:
            return Reply.text("Invalid request token.", status=401)
        if (problem := self.signature_problem(request, token_secret=pending["secret"])) is not None:
            return problem
        token, secret = "x-user-token-" + secrets.token_hex(6), "x-user-secret-" + secrets.token_hex(6)
        self.tokens.access[token] = "ok"
        self.secrets[token] = secret
        return Reply.text(urlencode({"oauth_token": token, "oauth_token_secret": secret, "user_id": "7000001",
                                     "screen_name": "shop"}), content_type="application/x-www-form-urlencoded")

    # --- API ---------------------------------------------------------------------------------------------
    def headers(self) -> dict[str, str]:
        reset = int(self.now().timestamp()) + 900
        return {"x-rate-limit-limit": "250", "x-rate-limit-remaining": str(self.rate_remaining),
                "x-rate-limit-reset": str(reset)}

    def reply(self, data: Any, status: int = 200) -> Reply:
        return Reply.json(data, status=status, headers=self.headers())

    def auth_problem(self, request: Request, account: str | None = None) -> Reply | None:
        params = self.oauth_params(request) or {}
        token = params.get("oauth_token", "")
        if self.tokens.state(token) != "ok":
            return x_error(401, "UNAUTHORIZED_ACCESS", "This request is not properly authenticated")
        if (problem := self.signature_problem(request, token_secret=self.secrets[token])) is not None:
            return problem
        if account is not None and account != self.account_id:
            return x_error(404, "NOT_FOUND", f"Account {account} was not found")
        return None

    def cursor_page(self, request: Request, items: list[dict[str, Any]]) -> Reply:
        count = int(request.query.get("count", 200))
        if not 1 <= count <= 1000:
            return x_error(400, "INVALID_PARAMETER", "count must be between 1 and 1000", "count")
        size = min(count, self.max_page_size)
        start = int(request.query.get("cursor") or 0)
        chunk = items[start:start + size]
        next_cursor = str(start + size) if start + size < len(items) else None
        return self.reply({"request": {"params": dict(request.query)}, "next_cursor": next_cursor, "data": chunk})

    def accounts(self, request: Request, version: str) -> Reply:
        if (problem := self.auth_problem(request)) is not None:
            return problem
        return self.cursor_page(request, [
            {"id": self.account_id, "name": "Shop US", "business_name": None, "business_id": None,
             "timezone": self.time_zone, "timezone_switch_at": "2016-07-21T07:00:00Z", "approval_status": "ACCEPTED",
             "deleted": False, "created_at": "2016-07-21T22:42:09Z", "updated_at": "2017-07-06T16:51:04Z"}])

    def campaign_list(self, request: Request, version: str, account: str) -> Reply:
        if (problem := self.auth_problem(request, account)) is not None:
            return problem
        return self.cursor_page(request, [
            {"id": c.campaign_id, "name": c.name, "account_id": self.account_id, "funding_instrument_id": "lygyi",
             "currency": "USD", "entity_status": "ACTIVE", "daily_budget_amount_local_micro": 10000000,
             "servable": True, "deleted": False} for c in self.campaigns])

    def check_stats(self, params: dict[str, str], *, max_days: int) -> tuple[Reply | None, list[date]]:
        for name in ("entity", "entity_ids", "granularity", "metric_groups", "placement", "start_time", "end_time"):
            if not params.get(name):
                return x_error(400, "MISSING_PARAMETER", f"{name} is required", name), []
        if params["entity"] != "CAMPAIGN" or params["granularity"] != "DAY":
            return x_error(400, "INVALID_PARAMETER", "this fake serves entity=CAMPAIGN, granularity=DAY"), []
        if len(params["entity_ids"].split(",")) > 20:
            return x_error(400, "INVALID_PARAMETER", "At most 20 entity_ids are allowed", "entity_ids"), []
        if params["placement"] not in PLACEMENTS:
            return x_error(400, "INVALID_PARAMETER", "placement must be one placement", "placement"), []
        if not set(params["metric_groups"].split(",")) <= GROUPS:
            return x_error(400, "INVALID_PARAMETER", "unknown metric group", "metric_groups"), []
        start, end = parse_time(params["start_time"]), parse_time(params["end_time"])
        for name, instant in (("start_time", start), ("end_time", end)):
            if instant is None:
                return x_error(400, "INVALID_PARAMETER", f"{name} must be an ISO-8601 time", name), []
            local = instant.astimezone(self.zone)
            if (local.hour, local.minute, local.second) != (0, 0, 0):
                return x_error(400, "INVALID_PARAMETER", "Expected time to be aligned with midnight in the account "
                               f"timezone, got {params[name]} for {name}", name), []
        first, after = start.astimezone(self.zone).date(), end.astimezone(self.zone).date()
        if not 0 < (after - first).days <= max_days:
            return x_error(400, "INVALID_PARAMETER", f"The time range must be between 1 and {max_days} days",
                           "end_time"), []
        return None, [first + timedelta(days=offset) for offset in range((after - first).days)]

    def stats_body(self, params: dict[str, str], days: list[date]) -> dict[str, Any]:
        placement = params["placement"]
        known = {c.campaign_id: c for c in self.campaigns}
        data = []
        for entity_id in params["entity_ids"].split(","):
            campaign = known.get(entity_id)
            served = [campaign is not None and self.first_day <= day <= self.last_day for day in days]
            cells = [self.cell(campaign, day, placement) if ok else None for day, ok in zip(days, served, strict=True)]

            def series(key: str, cells=cells) -> list[Any] | None:
                values = [cell[key] if cell else None for cell in cells]
                return None if all(v is None for v in values) else values

            metrics = {name: series(name) for name in ("impressions", "engagements", "clicks", "url_clicks",
                                                       "billed_engagements", "billed_charge_local_micro")}
            metrics["conversion_purchases"] = {"metric": series("purchases"), "post_engagement": series("purchases"),
                                               "post_view": None, "assisted": None,
                                               "sale_amount": series("sale_amount"), "order_quantity": None}
            metrics["conversion_sign_ups"] = {"metric": None, "post_engagement": None, "post_view": None,
                                              "assisted": None}
            data.append({"id": entity_id, "id_data": [{"segment": None, "metrics": metrics}]})
        return {"data_type": "stats", "time_series_length": len(days), "data": data,
                "request": {"params": {**params, "entity_ids": params["entity_ids"].split(",")}}}

    def cell(self, campaign, day: date, placement: str) -> dict[str, int]:
        item = value(campaign, day, (day - self.first_day).days)
        network = placement == "PUBLISHER_NETWORK"
        spend = Decimal("0.50") if network else item.spend - Decimal("0.50")
        impressions = 100 if network else item.impressions - 100
        link_clicks = 1 if network else item.clicks - 1
        return {"impressions": impressions, "engagements": link_clicks + 7, "clicks": link_clicks + 5,
                "url_clicks": link_clicks, "billed_engagements": link_clicks,
                "billed_charge_local_micro": int(spend * 1_000_000),
                "purchases": 0 if network else int(item.conversions),
                "sale_amount": 0 if network else int(item.conversion_value * 1_000_000)}

    def sync_stats(self, request: Request, version: str, account: str) -> Reply:
        if (problem := self.auth_problem(request, account)) is not None:
            return problem
        problem, days = self.check_stats(request.query, max_days=7)
        return problem or self.reply(self.stats_body(request.query, days))

    def create_job(self, request: Request, version: str, account: str) -> Reply:
        if (problem := self.auth_problem(request, account)) is not None:
            return problem
        params = request.params()
        problem, days = self.check_stats(params, max_days=90)
        if problem is not None:
            return problem
        job_id = str(883787505404747776 + len(self.jobs))
        self.jobs[job_id] = {"params": params, "days": days, "polls": 0, "status": "QUEUED"}
        return self.reply({"request": {"params": params}, "data": self.job_view(job_id, request.base_url)})

    def job_view(self, job_id: str, base_url: str) -> dict[str, Any]:
        job = self.jobs[job_id]
        params = job["params"]
        return {"id": int(job_id), "id_str": job_id, "account_id": self.account_id, "status": job["status"],
                "url": f"{base_url}/advertiser-api-async-analytics/{job_id}.json.gz" if job["status"] == "SUCCESS"
                else None, "entity": "CAMPAIGN", "entity_ids": params["entity_ids"].split(","), "granularity": "DAY",
                "placement": params["placement"], "metric_groups": params["metric_groups"].split(","),
                "start_time": params["start_time"], "end_time": params["end_time"]}

    def poll_jobs(self, request: Request, version: str, account: str) -> Reply:
        if (problem := self.auth_problem(request, account)) is not None:
            return problem
        wanted = [job_id for job_id in request.query.get("job_ids", "").split(",") if job_id]
        if len(wanted) > 200:
            return x_error(400, "INVALID_PARAMETER", "At most 200 job_ids", "job_ids")
        views = []
        for job_id in wanted:
            job = self.jobs.get(job_id)
            if job is None:
                continue
            job["polls"] += 1
            if job["status"] != "FAILED":
                job["status"] = "PROCESSING" if job["polls"] < 2 else "SUCCESS"
            views.append(self.job_view(job_id, request.base_url))
        headers = {"X-Concurrent-Job-Limit": "100",
                   "X-Concurrent-Job-Limit-Remaining": str(100 - sum(j["status"] != "SUCCESS"
                                                                     for j in self.jobs.values()))}
        reply = self.reply({"request": {"params": {"job_ids": wanted}}, "next_cursor": None, "data": views})
        reply.headers.update(headers)
        return reply

    def download(self, request: Request, job: str) -> Reply:
        found = self.jobs.get(job)
        if found is None or found["status"] != "SUCCESS":
            return Reply.text("<html>404</html>", status=404, content_type="text/html")
        body = json.dumps(self.stats_body(found["params"], found["days"])).encode()
        return Reply(200, gzip.compress(body), {"Content-Type": "application/gzip"})

    # --- faults ------------------------------------------------------------------------------------------
    def fault_rate_limit(self, fault: Fault, request: Request, normal) -> Reply:
        reset = int(self.now().timestamp()) + fault.options.get("seconds", 120)
        return x_error(429, "TOO_MANY_REQUESTS", "Rate limit exceeded",
                       headers={"x-rate-limit-limit": "250", "x-rate-limit-remaining": "0",
                                "x-rate-limit-reset": str(reset)})

    def fault_server_error(self, fault: Fault, request: Request, normal) -> Reply:
        return x_error(503, "SERVICE_UNAVAILABLE", "Service Unavailable", headers={"retry-after": "5"})

    def fault_malformed(self, fault: Fault, request: Request, normal) -> Reply:
        reply = normal()
        body = json.loads(reply.body)
        body["data"][0]["id_data"][0]["metrics"]["impressions"].pop()
        return Reply.json(body, headers=reply.headers)

    def fault_exhausted(self, fault: Fault, request: Request, normal) -> Reply:
        reply = normal()
        reply.headers.update({"x-rate-limit-remaining": "0",
                              "x-rate-limit-reset": str(int(self.now().timestamp()) + 45)})
        return reply

    def fault_job_failed(self, fault: Fault, request: Request, normal) -> Reply:
        reply = normal()
        for job in self.jobs.values():
            job["status"] = "FAILED"
        return reply
