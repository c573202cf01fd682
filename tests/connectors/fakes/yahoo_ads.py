"""Fake Yahoo! JAPAN Ads API (yahoo-ads.md §11): Search and Display under /search and /display, POST-JSON
services in the rid/rval envelope, x-z-base-account-id checks, report add → get → download (CSV) → remove,
and the biz-oauth authorize/token endpoints (query-string or form parameters)."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from tests.connectors.fakes.base import FakeServer, Fault, Reply, Request
from tests.connectors.fakes.data import campaigns, value

P = r"/(?P<product>search|display)/api/(?P<version>v\d+)"
CLIENT_ID = "fake-yahoo-client"
CLIENT_SECRET = "fake-yahoo-secret"
HEADERS = {  # EN display names per field (Search spells CampaignID without a space)
    "search": {"DAY": "Day", "ACCOUNT_ID": "Account ID", "CAMPAIGN_ID": "CampaignID", "CAMPAIGN_NAME": "Campaign name",
               "IMPS": "Impressions", "CLICKS": "Clicks", "COST": "Cost", "CONVERSIONS": "Conversions",
               "CONV_VALUE": "Conv. value"},
    "display": {"DAY": "Daily", "ACCOUNT_ID": "Account ID", "CAMPAIGN_ID": "Campaign ID",
                "CAMPAIGN_NAME": "Campaign Name", "IMPS": "Impressions", "CLICKS": "Clicks", "COST": "Cost",
                "CONVERSIONS": "Conversions", "CONV_VALUE": "Conv. value"},
}


def envelope(rval: Any = None, errors: list[dict[str, Any]] | None = None, status: int = 200) -> Reply:
    return Reply.json({"errors": errors, "rid": secrets.token_hex(16), "rval": rval}, status=status)


def failure(status: int, code: str, message: str) -> Reply:
    return envelope(errors=[{"code": code, "message": message, "details": None}], status=status)


def values(entity: str, items: list[dict[str, Any]], total: int | None = None) -> Reply:
    return envelope({"totalNumEntries": len(items) if total is None else total,
                     "values": [{"operationSucceeded": True, "errors": None, entity: item} for item in items]})


class FakeYahooAds(FakeServer):
    platform = "yahoo_ads"

    def __init__(self, *, campaign_count: int = 3, first_day: date = date(2025, 3, 1), days: int = 10) -> None:
        super().__init__()
        self.first_day = first_day
        self.last_day = first_day + timedelta(days=days - 1)
        self.campaigns = campaigns(campaign_count, id_of=lambda k: f"5550{k}")
        self.bases = {"search": {"accountId": 1000000001, "accountName": "Shop MCC", "accountType": "MCC"},
                      "display": {"accountId": 1009876543, "accountName": "Shop JP Display",
                                  "accountType": "INVOICE"}}
        self.accounts = {
            "search": [{"accountId": 1002345678, "accountName": "Shop JP Search", "accountStatus": "SERVING",
                        "accountType": "INVOICE", "authType": "UPDATABLE", "isTestAccount": "FALSE"},
                       {"accountId": 1002345679, "accountName": "Old Search", "accountStatus": "ENDED",
                        "accountType": "INVOICE", "authType": "UPDATABLE", "isTestAccount": "FALSE"}],
            "display": [{"accountId": 1009876543, "accountName": "Shop JP Display", "accountStatus": "SERVING",
                         "accountType": "INVOICE", "authType": "UPDATABLE", "isTestAccount": "FALSE"}],
        }
        self.account_page = 1  # AccountService/get answers one account per page, to exercise offset paging
        self.denied_products: set[str] = set()  # products this Business ID has no authority on
        self.jobs: dict[int, dict[str, Any]] = {}
        self.access_token, self.refresh_token = self.tokens.issue()
        self.add("GET", r"/oauth/v1/authorize", self.authorize)
        self.add("GET", r"/oauth/v1/token", self.token)
        self.add("POST", r"/oauth/v1/token", self.token)
        self.add("POST", P + r"/BaseAccountService/get", self.base_accounts)
        self.add("POST", P + r"/AccountService/get", self.account_service)
        self.add("POST", P + r"/ReportDefinitionService/add", self.report_add)
        self.add("POST", P + r"/ReportDefinitionService/get", self.report_get)
        self.add("POST", P + r"/ReportDefinitionService/download", self.report_download)
        self.add("POST", P + r"/ReportDefinitionService/remove", self.report_remove)

    # --- OAuth -------------------------------------------------------------------------------------------
    def authorize(self, request: Request) -> Reply:
        query = request.query
        if query.get("client_id") != CLIENT_ID or query.get("scope") != "yahooads":
            return Reply.text("invalid_request", status=400)
        code = self.tokens.new_code(redirect_uri=query.get("redirect_uri", ""))
        return Reply.redirect(f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}")

    def token(self, request: Request) -> Reply:
        params = request.params()
        if params.get("client_id") != CLIENT_ID or params.get("client_secret") != CLIENT_SECRET:
            return Reply.json({"error": "invalid_client", "error_description": "client authentication failed"},
                              status=401)
        if params.get("grant_type") == "refresh_token":
            access = self.tokens.use_refresh(params.get("refresh_token", ""))
            if access is None:
                return Reply.json({"error": "invalid_grant", "error_description": "refresh_token is invalid"},
                                  status=400)
            return Reply.json({"access_token": access, "token_type": "Bearer", "expires_in": 3600})
        details = self.tokens.codes.pop(params.get("code", ""), None)
        if details is None or details["redirect_uri"] != params.get("redirect_uri"):
            return Reply.json({"error": "invalid_grant", "error_description": "code is invalid"}, status=400)
        access, refresh = self.tokens.issue()
        return Reply.json({"access_token": access, "token_type": "Bearer", "expires_in": 3600,
                           "refresh_token": refresh})

    # --- services ----------------------------------------------------------------------------------------
    def auth_problem(self, request: Request, product: str, account_id: Any = None) -> Reply | None:
        if self.tokens.state(request.headers.get("authorization", "").removeprefix("Bearer ")) != "ok":
            return failure(401, "0010", "Invalid access token.")
        if account_id is None:
            return None
        base = request.headers.get("x-z-base-account-id")
        reachable = {str(self.bases[product]["accountId"])}
        if base not in reachable or account_id not in {a["accountId"] for a in self.accounts[product]}:
            return failure(403, "0098", "Permission denied.")
        return None

    def base_accounts(self, request: Request, product: str, version: str) -> Reply:
        if product in self.denied_products:
            return failure(403, "0098", "Permission denied.")
        return self.auth_problem(request, product) or values("baseAccount", [self.bases[product]])

    def account_service(self, request: Request, product: str, version: str) -> Reply:
        if (problem := self.auth_problem(request, product)) is not None:
            return problem
        if request.headers.get("x-z-base-account-id") != str(self.bases[product]["accountId"]):
            return failure(403, "0098", "Permission denied.")
        body = request.json() or {}
        start = int(body.get("startIndex", 1))
        size = min(int(body.get("numberResults", 200)), 200, self.account_page)
        items = self.accounts[product]
        return values("account", items[start - 1:start - 1 + size], total=len(items))

    def report_add(self, request: Request, product: str, version: str) -> Reply:
        body = request.json() or {}
        if (problem := self.auth_problem(request, product, body.get("accountId"))) is not None:
            return problem
        operand = (body.get("operand") or [{}])[0]
        errors = []
        if product == "search" and operand.get("reportType") != "CAMPAIGN":
            errors.append({"code": "R0001", "message": "reportType is required.", "details": None})
        wanted = "UTF8"  # both products' v20 enums (Display also knows UTF8_BOM; neither knows "UTF-8")
        if operand.get("reportDownloadEncode") != wanted:
            errors.append({"code": "V0001", "message": "Invalid value.", "details": [
                {"requestKey": "reportDownloadEncode", "requestValue": operand.get("reportDownloadEncode")}]})
        try:
            span = [date(int(d[:4]), int(d[4:6]), int(d[6:])) for d in (operand["dateRange"]["startDate"],
                                                                          operand["dateRange"]["endDate"])]
        except (KeyError, ValueError, TypeError):
            span = None
            errors.append({"code": "F0001", "message": "Invalid format.", "details": [{"requestKey": "dateRange"}]})
        if span and span[0] > span[1]:
            errors.append({"code": "RL001", "message": "startDate is after endDate.", "details": None})
        if errors:
            return envelope({"totalNumEntries": 1, "values": [{"operationSucceeded": False, "errors": errors}]})
        job_id = 2222222222 + len(self.jobs)
        self.jobs[job_id] = {"span": span, "fields": operand.get("fields"), "product": product, "polls": 0,
                             "status": "WAIT", "summary": operand.get("reportSkipReportSummary") != "TRUE"}
        return values("reportDefinition", [{**operand, "reportJobId": job_id, "reportJobStatus": "WAIT",
                                            "requestTime": "2025/03/20 21:00:00", "completeTime": None,
                                            "reportJobErrorDetail": None}])

    def report_get(self, request: Request, product: str, version: str) -> Reply:
        body = request.json() or {}
        if (problem := self.auth_problem(request, product, body.get("accountId"))) is not None:
            return problem
        found = []
        for job_id in body.get("reportJobIds") or []:
            job = self.jobs.get(job_id)
            if job is None:
                continue
            job["polls"] += 1
            if job["status"] != "FAILED":
                job["status"] = ["WAIT", "IN_PROGRESS", "COMPLETED"][min(job["polls"], 3) - 1]
            found.append({"reportJobId": job_id, "reportJobStatus": job["status"],
                          "reportJobErrorDetail": "INTERNAL_ERROR" if job["status"] == "FAILED" else None})
        return values("reportDefinition", found)

    def report_download(self, request: Request, product: str, version: str) -> Reply:
        body = request.json() or {}
        if (problem := self.auth_problem(request, product, body.get("accountId"))) is not None:
            return problem
        job = self.jobs.get(body.get("reportJobId"))
        if job is None or job["status"] != "COMPLETED":
            return failure(400, "S0001", "Invalid status: the report is not completed.")
        return Reply.text(self.csv(job, body["accountId"]), content_type="text/csv; charset=UTF-8")

    def csv(self, job: dict[str, Any], account_id: int) -> str:
        product, fields = job["product"], job["fields"]
        lines = [",".join(HEADERS[product][field] for field in fields)]
        totals = {"IMPS": 0, "CLICKS": 0, "COST": 0, "CONVERSIONS": 0, "CONV_VALUE": 0}
        day = max(job["span"][0], self.first_day)
        while day <= min(job["span"][1], self.last_day):
            for campaign in self.campaigns:
                item = value(campaign, day, (day - self.first_day).days, whole_units=True)
                cells = {"DAY": day.isoformat() if product == "search" else day.strftime("%Y/%m/%d"),
                         "ACCOUNT_ID": str(account_id), "CAMPAIGN_ID": item.campaign_id,
                         "CAMPAIGN_NAME": item.campaign_name, "IMPS": str(item.impressions),
                         "CLICKS": str(item.clicks),
                         # Search: COST is LONG, conversions DOUBLE; Display: COST DOUBLE, conversions LONG.
                         "COST": str(int(item.spend)) if product == "search" else f"{item.spend:.1f}",
                         "CONVERSIONS": f"{item.conversions:.2f}" if product == "search" else str(item.conversions),
                         "CONV_VALUE": f"{item.conversion_value:.2f}" if product == "search"
                         else str(int(item.conversion_value))}
                lines.append(",".join(cells[field] for field in fields))
                for name in totals:
                    totals[name] += {"IMPS": item.impressions, "CLICKS": item.clicks, "COST": item.spend,
                                     "CONVERSIONS": item.conversions, "CONV_VALUE": item.conversion_value}[name]
            day += timedelta(days=1)
        if job["summary"]:
            lines.append(",".join("Total" if i == 0 else (str(totals[f]) if f in totals else "--")
                                  for i, f in enumerate(fields)))
        text = "\r\n".join(lines) + "\r\n"
        return ("\ufeff" + text) if product == "display" else text

    def report_remove(self, request: Request, product: str, version: str) -> Reply:
        body = request.json() or {}
        if (problem := self.auth_problem(request, product, body.get("accountId"))) is not None:
            return problem
        for operand in body.get("operand") or []:
            self.jobs.pop(operand.get("reportJobId"), None)
        return values("reportDefinition", [{"reportJobId": o.get("reportJobId")} for o in body.get("operand", [])])

    # --- faults ------------------------------------------------------------------------------------------
    def fault_rate_limit(self, fault: Fault, request: Request, normal) -> Reply:
        return failure(403, "0003", "Frequency limit exceeded. Please try your request again later")

    def fault_server_error(self, fault: Fault, request: Request, normal) -> Reply:
        return failure(500, "0002", "Internal error.")

    def fault_malformed(self, fault: Fault, request: Request, normal) -> Reply:
        reply = normal()
        lines = reply.body.decode().split("\r\n")
        cells = lines[1].split(",")
        cells[6] = "¥48230"
        lines[1] = ",".join(cells)
        return Reply(reply.status, "\r\n".join(lines).encode(), reply.headers)

    def fault_cut_at_line(self, fault: Fault, request: Request, normal) -> Reply:
        """The file ends cleanly after a line: only the summary row can tell that rows are missing."""
        reply = normal()
        lines = reply.body.decode().split("\r\n")
        return Reply(reply.status, "\r\n".join(lines[:5] + lines[-2:]).encode(), reply.headers)

    def fault_job_failed(self, fault: Fault, request: Request, normal) -> Reply:
        for job in self.jobs.values():
            job["status"] = "FAILED"
        return normal()

    def fault_operation_error(self, fault: Fault, request: Request, normal) -> Reply:
        errors = [{"code": "LT001", "message": "Over limit: too many report jobs.", "details": None}]
        return envelope({"totalNumEntries": 1, "values": [{"operationSucceeded": False, "errors": errors}]})
