"""Fake Google Ads REST API (google-ads.md §11): accessible customers, GAQL search/searchStream, OAuth with PKCE.

Customers: manager 1112223333 (reaches client 1234567890 and 5556667777) and 5556667777 (also direct access).
Client 1234567890 is reachable only through the manager: calls for it need ``login-customer-id: 1112223333``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from tests.connectors.fakes.base import FakeServer, Fault, Reply, Request
from tests.connectors.fakes.data import campaigns, value

V = r"/(?P<version>v\d+)"
CLIENT_ID = "fake-google-client.apps.googleusercontent.com"
CLIENT_SECRET = "fake-google-secret"
DEVELOPER_TOKEN = "fake-developer-token-22c"
FAILURE = "type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure"
DATE_FILTER = re.compile(r"segments\.date BETWEEN '(\d{4}-\d{2}-\d{2})' AND '(\d{4}-\d{2}-\d{2})'")
QUERY = re.compile(r"^SELECT (?P<fields>.+?) FROM (?P<resource>\w+)(?: WHERE (?P<where>.+))?$", re.S)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def ads_error(status_code: int, status: str, message: str, errors: list[tuple[str, str, str]],
              extra: dict[str, Any] | None = None) -> Reply:
    items = []
    for family, name, text in errors:
        item: dict[str, Any] = {"errorCode": {family: name}, "message": text}
        if extra:
            item["details"] = extra
        items.append(item)
    body = {"error": {"code": status_code, "message": message, "status": status,
                      "details": [{"@type": FAILURE, "errors": items, "requestId": "hYk2Lq3x8wP0aB1cD2eF3g"}]}}
    return Reply.json(body, status=status_code)


class FakeGoogleAds(FakeServer):
    platform = "google_ads"

    def __init__(self, *, campaign_count: int = 3, first_day: date = date(2025, 3, 1), days: int = 10,
                 batch_size: int = 7) -> None:
        super().__init__()
        self.first_day = first_day
        self.last_day = first_day + timedelta(days=days - 1)
        self.campaigns = campaigns(campaign_count, id_of=lambda k: f"11100{k:04d}")
        self.batch_size = batch_size
        self.manager_id, self.client_id, self.direct_id = "1112223333", "1234567890", "5556667777"
        self.cancelled_id = "9990001111"  # accessible but deactivated: listed, never queryable
        self.customers = {
            self.manager_id: {"id": self.manager_id, "descriptive_name": "Agency MCC", "currency_code": "USD",
                              "time_zone": "America/New_York", "manager": True},
            self.client_id: {"id": self.client_id, "descriptive_name": "Shop US", "currency_code": "USD",
                             "time_zone": "America/New_York", "manager": False},
            self.direct_id: {"id": self.direct_id, "descriptive_name": "Shop JP", "currency_code": "JPY",
                             "time_zone": "Asia/Tokyo", "manager": False},
        }
        self.access_token, self.refresh_token = self.tokens.issue()
        self.add("GET", r"/o/oauth2/v2/auth", self.authorize)
        self.add("POST", r"/token", self.token)
        self.add("GET", V + r"/customers:listAccessibleCustomers", self.accessible)
        self.add("POST", V + r"/customers/(?P<customer>\d+)/googleAds:searchStream", self.search_stream)
        self.add("POST", V + r"/customers/(?P<customer>\d+)/googleAds:search", self.search)

    # --- OAuth -------------------------------------------------------------------------------------------
    def authorize(self, request: Request) -> Reply:
        query = request.query
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return Reply.text("Error 401: invalid_client", status=401)
        if "https://www.googleapis.com/auth/adwords" not in query.get("scope", "").split():
            return Reply.text("Error 400: invalid_scope", status=400)
        if query.get("code_challenge") and query.get("code_challenge_method") != "S256":
            return Reply.text("Error 400: invalid_request (code_challenge_method)", status=400)
        code = self.tokens.new_code(redirect_uri=query.get("redirect_uri", ""),
                                    challenge=query.get("code_challenge", ""))
        return Reply.redirect(f"{query['redirect_uri']}?{urlencode({'state': query.get('state', ''), 'code': code})}")

    def token(self, request: Request) -> Reply:
        form = request.form()
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return Reply.json({"error": "invalid_client", "error_description": "The OAuth client was not found."},
                              status=401)
        if form.get("grant_type") == "refresh_token":
            access = self.tokens.use_refresh(form.get("refresh_token", ""))
            if access is None:
                return Reply.json({"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
                                  status=400)
            return Reply.json({"access_token": access, "expires_in": 3599,
                               "scope": "https://www.googleapis.com/auth/adwords", "token_type": "Bearer"})
        details = self.tokens.codes.pop(form.get("code", ""), None)
        if details is None or details["redirect_uri"] != form.get("redirect_uri"):
            return Reply.json({"error": "invalid_grant", "error_description": "Malformed auth code."}, status=400)
        if details["challenge"]:
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).decode().rstrip("=") != details["challenge"]:
                return Reply.json({"error": "invalid_grant", "error_description": "Invalid code verifier."},
                                  status=400)
        access, refresh = self.tokens.issue()
        return Reply.json({"access_token": access, "expires_in": 3599, "refresh_token": refresh,
                           "scope": "https://www.googleapis.com/auth/adwords", "token_type": "Bearer"})

    # --- API ---------------------------------------------------------------------------------------------
    def auth_problem(self, request: Request, customer: str | None) -> Reply | None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        state = self.tokens.state(token)
        if state != "ok":
            names = {"expired": "OAUTH_TOKEN_EXPIRED", "revoked": "OAUTH_TOKEN_REVOKED"}
            name = names.get(state, "OAUTH_TOKEN_INVALID")
            return ads_error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.",
                             [("authenticationError", name, "Authentication of the request failed.")])
        if request.headers.get("developer-token") != DEVELOPER_TOKEN:
            return ads_error(401, "UNAUTHENTICATED", "The caller does not have permission",
                             [("authenticationError", "DEVELOPER_TOKEN_PARAMETER_MISSING",
                               "The developer token is missing or invalid.")])
        if customer is None:
            return None
        if customer == self.cancelled_id:
            return ads_error(403, "PERMISSION_DENIED", "The caller does not have permission",
                             [("authorizationError", "CUSTOMER_NOT_ENABLED",
                               "The customer account can't be accessed because it is not yet enabled or has been "
                               "deactivated.")])
        login = request.headers.get("login-customer-id")
        allowed = {self.manager_id: {None, self.manager_id}, self.direct_id: {None, self.direct_id, self.manager_id},
                   self.client_id: {self.manager_id}}.get(customer, set())
        if login not in allowed:
            return ads_error(403, "PERMISSION_DENIED", "The caller does not have permission",
                             [("authorizationError", "USER_PERMISSION_DENIED",
                               "User doesn't have permission to access customer. Note: If you're accessing a client "
                               "customer, the manager's customer id must be set in the 'login-customer-id' header.")])
        return None

    def accessible(self, request: Request, version: str) -> Reply:
        if (problem := self.auth_problem(request, None)) is not None:
            return problem
        return Reply.json({"resourceNames": [f"customers/{self.manager_id}", f"customers/{self.direct_id}",
                                             f"customers/{self.cancelled_id}"]})

    def parse(self, request: Request) -> tuple[Reply | None, list[str], str, tuple[date, date] | None]:
        body = request.json()
        match = QUERY.match((body or {}).get("query", "").strip())
        if not match:
            problem = ads_error(400, "INVALID_ARGUMENT", "Request contains an invalid argument.",
                                [("queryError", "UNEXPECTED_END_OF_QUERY", "Error in query: unexpected input.")])
            return problem, [], "", None
        fields = [field.strip() for field in match["fields"].split(",")]
        span = None
        if "segments.date" in fields:
            found = DATE_FILTER.search(match["where"] or "")
            if not found:
                return ads_error(400, "INVALID_ARGUMENT", "Request contains an invalid argument.",
                                 [("queryError", "DATE_RANGE_REQUIRED",
                                   "A finite date range is required when segments.date is selected.")]), [], "", None
            span = (date.fromisoformat(found[1]), date.fromisoformat(found[2]))
        return None, fields, match["resource"], span

    def rows(self, customer: str, resource: str, span) -> list[dict[str, Any]]:
        info = self.customers[customer]
        if resource == "customer":
            return [{f"customer.{key}": value for key, value in info.items()}]
        if resource == "customer_client":
            members = [(self.manager_id, 0), (self.client_id, 1), (self.direct_id, 1)] if customer == self.manager_id \
                else []
            return [{**{f"customer_client.{key}": value for key, value in self.customers[member].items()},
                     "customer_client.level": str(level), "customer_client.status": "ENABLED"}
                    for member, level in members]
        rows = []
        if customer != self.client_id:
            return rows
        day = max(span[0], self.first_day)
        while day <= min(span[1], self.last_day):
            for campaign in self.campaigns:
                item = value(campaign, day, (day - self.first_day).days)
                rows.append({
                    "segments.date": day.isoformat(), "customer.id": customer,
                    "customer.currency_code": info["currency_code"], "campaign.id": item.campaign_id,
                    "campaign.name": item.campaign_name, "ad_group.id": f"{item.campaign_id}01",
                    "ad_group_ad.ad.id": f"{item.campaign_id}0101",
                    "metrics.cost_micros": str(int(item.spend * 1_000_000)),
                    "metrics.impressions": str(item.impressions), "metrics.clicks": str(item.clicks),
                    "metrics.conversions": float(item.conversions),
                    "metrics.conversions_value": float(item.conversion_value)})
            day += timedelta(days=1)
        return rows

    @staticmethod
    def shape(row: dict[str, Any], fields: list[str]) -> dict[str, Any]:
        """Selected snake_case paths → the nested lowerCamelCase JSON of the REST interface."""
        result: dict[str, Any] = {}
        for field in fields:
            if field not in row:
                continue
            node = result
            parts = [camel(part) for part in field.split(".")]
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = row[field]
            if parts[0] in {"customer", "campaign", "customerClient"}:
                result[parts[0]].setdefault("resourceName", f"customers/{row.get('customer.id', '0')}")
        return result

    def query_rows(self, request: Request, customer: str):
        if (problem := self.auth_problem(request, customer)) is not None:
            return problem, None, None
        problem, fields, resource, span = self.parse(request)
        if problem is not None:
            return problem, None, None
        known = {"customer", "customer_client", "campaign", "ad_group", "ad_group_ad"}
        if resource not in known:
            return ads_error(400, "INVALID_ARGUMENT", "Request contains an invalid argument.",
                             [("queryError", "INVALID_RESOURCE_NAME", f"Unknown resource {resource}.")]), None, None
        mask = ",".join(".".join(camel(part) for part in field.split(".")) for field in fields)
        return None, [self.shape(row, fields) for row in self.rows(customer, resource, span)], mask

    def search_stream(self, request: Request, version: str, customer: str) -> Reply:
        problem, results, mask = self.query_rows(request, customer)
        if problem is not None:
            return problem
        size = self.batch_size
        batches = [{"results": results[start:start + size], "fieldMask": mask, "requestId": f"req{start}"}
                   for start in range(0, len(results), size)] or [{"results": [], "fieldMask": mask,
                                                                   "requestId": "req0"}]
        batches[-1]["queryResourceConsumption"] = str(len(results))
        return Reply.json(batches)

    def search(self, request: Request, version: str, customer: str) -> Reply:
        body = request.json() or {}
        if "pageSize" in body:
            return ads_error(400, "INVALID_ARGUMENT", "Request contains an invalid argument.",
                             [("requestError", "PAGE_SIZE_NOT_SUPPORTED", "Setting the page size is not supported.")])
        problem, results, mask = self.query_rows(request, customer)
        if problem is not None:
            return problem
        start = int(base64.b64decode(body["pageToken"]).decode()) if body.get("pageToken") else 0
        page: dict[str, Any] = {"results": results[start:start + 2], "fieldMask": mask, "requestId": "reqS"}
        if start + 2 < len(results):
            page["nextPageToken"] = base64.b64encode(str(start + 2).encode()).decode()
        return Reply.json(page)

    # --- faults ------------------------------------------------------------------------------------------
    def fault_rate_limit(self, fault: Fault, request: Request, normal) -> Reply:
        return ads_error(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).",
                         [("quotaError", "RESOURCE_TEMPORARILY_EXHAUSTED", "Too many requests. Retry in 30 seconds.")],
                         extra={"quotaErrorDetails": {"rateScope": "ACCOUNT", "rateName": "Requests per service per "
                                                      "method", "retryDelay": f"{fault.options.get('seconds', 30)}s"}})

    def fault_server_error(self, fault: Fault, request: Request, normal) -> Reply:
        return Reply.json({"error": {"code": 503, "message": "The service is currently unavailable.",
                                     "status": "UNAVAILABLE"}}, status=503)

    def fault_malformed(self, fault: Fault, request: Request, normal) -> Reply:
        reply = normal()
        body = json.loads(reply.body)
        body[0]["results"][0]["metrics"]["costMicros"] = "12.5"
        return Reply.json(body)

    def fault_query_error(self, fault: Fault, request: Request, normal) -> Reply:
        return ads_error(400, "INVALID_ARGUMENT", "Request contains an invalid argument.",
                         [("queryError", "UNRECOGNIZED_FIELD", "Unrecognized field in the query: 'campaign.foo'.")])
