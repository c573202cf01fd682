"""Graph API conventions shared by the Meta Ads and Instagram fakes: token checks, usage headers, paging, OAuth."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlencode

from tests.connectors.fakes.base import FakeServer, Reply, Request

V = r"/(?P<version>v\d+\.\d+)"
APP_ID = "fake-meta-app"
APP_SECRET = "fake-meta-secret"


def graph_error(code: int, message: str, *, subcode: int | None = None, status: int = 400,
                headers: dict[str, str] | None = None, kind: str = "OAuthException") -> Reply:
    error: dict[str, Any] = {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEfGh123"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return Reply.json({"error": error}, status=status, headers=headers)


class GraphFake(FakeServer):
    usage_type = "ads_insights"
    max_page_size = 500

    def __init__(self, *, usage_id: str) -> None:
        super().__init__()
        self.usage_id = usage_id
        self.usage_pct = 5
        self.access_token, _ = self.tokens.issue()
        self.add("GET", V + r"/dialog/oauth", self.authorize)
        self.add("GET", V + r"/oauth/access_token", self.access_token_endpoint)

    def usage_headers(self, *, regain_minutes: int = 0, pct: int | None = None) -> dict[str, str]:
        pct = self.usage_pct if pct is None else pct
        buc = {self.usage_id: [{"type": self.usage_type, "call_count": pct, "total_cputime": pct, "total_time": pct,
                                "estimated_time_to_regain_access": regain_minutes,
                                "ads_api_access_tier": "standard_access"}]}
        return {"X-Business-Use-Case-Usage": json.dumps(buc),
                "X-App-Usage": json.dumps({"call_count": pct, "total_cputime": pct, "total_time": pct}),
                "X-Ad-Account-Usage": json.dumps({"acc_id_util_pct": pct, "reset_time_duration": 100,
                                                  "ads_api_access_tier": "standard_access"})}

    def reply(self, data: Any, status: int = 200) -> Reply:
        return Reply.json(data, status=status, headers=self.usage_headers())

    def token_problem(self, request: Request) -> Reply | None:
        token = request.params().get("access_token")
        auth = request.headers.get("authorization", "")
        if not token and auth.startswith("Bearer "):
            token = auth[7:]
        if not token:
            return graph_error(104, "An access token is required to request this resource.")
        state = self.tokens.state(token)
        if state == "ok":
            return None
        if state == "expired":
            return graph_error(190, "Error validating access token: Session has expired on Friday, 14-Mar-25 "
                               "10:00:00 PDT.", subcode=463)
        if state == "revoked":
            return graph_error(190, "Error validating access token: The user has not authorized application.",
                               subcode=458)
        return graph_error(190, "Invalid OAuth access token - Cannot parse access token", subcode=467)

    def page(self, request: Request, items: list[Any], *, limit: int) -> Reply:
        """Cursor paging with an absolute ``paging.next`` that repeats every parameter, token included."""
        size = max(1, min(limit, self.max_page_size))
        after = request.params().get("after")
        start = int(base64.b64decode(after).decode()) if after else 0
        chunk = items[start:start + size]
        paging: dict[str, Any] = {"cursors": {"before": base64.b64encode(str(start).encode()).decode(),
                                              "after": base64.b64encode(str(start + len(chunk)).encode()).decode()}}
        if start + size < len(items):
            query = {**request.params(), "after": paging["cursors"]["after"]}
            paging["next"] = f"{request.base_url}{request.path}?{urlencode(query)}"
        return self.reply({"data": chunk, "paging": paging})

    def authorize(self, request: Request, version: str) -> Reply:
        query = request.query
        if query.get("client_id") != APP_ID or not query.get("redirect_uri") or query.get("response_type") != "code":
            return Reply.text("Invalid App ID or redirect_uri", status=400)
        code = self.tokens.new_code(redirect_uri=query["redirect_uri"])
        separator = "&" if "?" in query["redirect_uri"] else "?"
        location = query["redirect_uri"] + separator + urlencode({"code": code, "state": query.get("state", "")})
        return Reply.redirect(location)

    def access_token_endpoint(self, request: Request, version: str) -> Reply:
        params = request.params()
        if params.get("client_id") != APP_ID or params.get("client_secret") != APP_SECRET:
            return graph_error(1, "Error validating client secret.")
        if params.get("grant_type") == "fb_exchange_token":
            if self.tokens.state(params.get("fb_exchange_token")) != "ok":
                return graph_error(190, "Error validating access token.", subcode=463)
            long_lived, _ = self.tokens.issue()
            return Reply.json({"access_token": long_lived, "token_type": "bearer", "expires_in": 5183944})
        details = self.tokens.codes.pop(params.get("code", ""), None)
        if details is None:
            return graph_error(100, "Invalid verification code format.", subcode=36009)
        if details["redirect_uri"] != params.get("redirect_uri"):
            return graph_error(100, "Error validating verification code. Please make sure your redirect_uri is "
                               "identical to the one you used in the OAuth dialog request", subcode=36008)
        short, _ = self.tokens.issue()
        return Reply.json({"access_token": short, "token_type": "bearer", "expires_in": 5400})
