"""Fake Graph API for Instagram (instagram.md §9): Pages → business account, account insights, media, OAuth.

Account day i (0-based from ``first_day``): follower_count = 5 + i, reach = 800 + 10·i, views = 2000 + 100·i,
total_interactions = 150 + i. Over 10 days: 95, 8450, 24500, 1545.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.connectors.fakes.base import Fault, Reply, Request
from tests.connectors.fakes.graph import GraphFake, V, graph_error

TOTAL_VALUE_METRICS = {"views", "total_interactions", "likes", "comments", "shares", "saves", "accounts_engaged"}
SERIES_METRICS = {"reach", "follower_count"}


def account_day(offset: int) -> dict[str, int]:
    return {"follower_count": 5 + offset, "reach": 800 + 10 * offset, "views": 2000 + 100 * offset,
            "total_interactions": 150 + offset}


class FakeInstagram(GraphFake):
    platform = "instagram"
    usage_type = "instagram"

    def __init__(self, *, first_day: date = date(2025, 3, 1), days: int = 10, ig_user_id: str = "17841400000000000",
                 time_zone: str = "America/Los_Angeles", max_page_size: int = 2) -> None:
        super().__init__(usage_id=ig_user_id)
        self.ig_user_id = ig_user_id
        self.zone = ZoneInfo(time_zone)
        self.first_day = first_day
        self.last_day = first_day + timedelta(days=days - 1)
        self.max_page_size = max_page_size
        # Newest first, as the media edge answers. Lifetime totals per post; "few" = too few viewers; "new" = empty.
        self.media = [
            {"id": "17895695668004550", "timestamp": "2025-03-18T09:12:44+0000",
             "insights": {"reach": 1834, "views": 2611, "total_interactions": 260}},
            {"id": "17895695668004551", "timestamp": "2025-03-15T18:00:00+0000", "insights": "few"},
            {"id": "17895695668004552", "timestamp": "2025-03-12T07:30:00+0000", "insights": "new"},
            {"id": "17895695668004553", "timestamp": "2025-03-02T10:00:00+0000",
             "insights": {"reach": 500, "views": 700, "total_interactions": 40}},
            {"id": "17895695668004554", "timestamp": "2024-12-01T10:00:00+0000",
             "insights": {"reach": 9, "views": 9, "total_interactions": 9}},
        ]
        self.add("GET", V + r"/me/accounts", self.pages)
        self.add("GET", V + r"/(?P<node>\d+)/insights", self.insights)
        self.add("GET", V + r"/(?P<node>\d+)/media", self.media_edge)

    def pages(self, request: Request, version: str) -> Reply:
        if (problem := self.token_problem(request)) is not None:
            return problem
        pages = [{"id": "1000001", "name": "Shop Page",
                  "instagram_business_account": {"id": self.ig_user_id, "username": "shop"}},
                 {"id": "1000002", "name": "Page without Instagram"}]
        return self.page(request, pages, limit=int(request.query.get("limit", 25)))

    def media_edge(self, request: Request, version: str, node: str) -> Reply:
        if (problem := self.token_problem(request)) is not None:
            return problem
        if node != self.ig_user_id:
            return graph_error(100, f"(#100) Object with ID '{node}' does not exist", subcode=33)
        items = [{"id": m["id"], "caption": "post", "media_type": "IMAGE", "media_product_type": "FEED",
                  "timestamp": m["timestamp"], "permalink": f"https://www.instagram.com/p/{m['id']}/",
                  "like_count": 1, "comments_count": 1} for m in self.media]
        return self.page(request, items, limit=int(request.query.get("limit", 25)))

    def insights(self, request: Request, version: str, node: str) -> Reply:
        if (problem := self.token_problem(request)) is not None:
            return problem
        metrics = [name for name in request.query.get("metric", "").split(",") if name]
        if not metrics:
            return graph_error(100, "(#100) The parameter metric is required")
        if "impressions" in metrics:
            return graph_error(100, "(#100) Starting from v22.0, impressions metric is no longer supported")
        if node == self.ig_user_id:
            return self.account_insights(request, metrics)
        media = next((m for m in self.media if m["id"] == node), None)
        if media is None:
            return graph_error(100, f"(#100) Object with ID '{node}' does not exist", subcode=33)
        if media["insights"] == "few":
            return graph_error(10, "(#10) Not enough viewers for the media to show insights", kind="OAuthException")
        if media["insights"] == "new":
            return self.reply({"data": []})
        return self.reply({"data": [
            {"name": name, "period": "lifetime", "values": [{"value": media["insights"][name]}], "title": name,
             "description": "…", "id": f"{node}/insights/{name}/lifetime"}
            for name in metrics if name in media["insights"]]})

    def account_insights(self, request: Request, metrics: list[str]) -> Reply:
        query = request.query
        if query.get("period") != "day":
            return graph_error(100, "(#100) period must be one of: day, week, days_28, lifetime")
        try:
            since, until = int(query["since"]), int(query["until"])
        except (KeyError, ValueError):
            return graph_error(100, "(#100) since and until must be unix timestamps")
        if until <= since or until - since > 30 * 86400 + 3600:
            return graph_error(100, "(#100) The since and until parameters must be no more than 30 days apart")
        days = self.days_between(since, until)
        total_value = query.get("metric_type") == "total_value"
        for name in metrics:
            if name in TOTAL_VALUE_METRICS and not total_value:
                return graph_error(100, f"(#100) metric_type=total_value is required for {name}")
            if name not in TOTAL_VALUE_METRICS | SERIES_METRICS:
                return graph_error(100, f"(#100) metric[0] must be one of the following values: ... got {name}")
        data = []
        for name in metrics:
            if total_value:
                total = sum(account_day(self.offset(day))[name] for day in days if self.serves(day))
                data.append({"name": name, "period": "day", "title": name, "description": "…",
                             "total_value": {"value": total}, "id": f"{self.ig_user_id}/insights/{name}/day"})
            else:
                values = [{"value": account_day(self.offset(day))[name], "end_time": self.end_time(day)}
                          for day in days if self.serves(day)]
                data.append({"name": name, "period": "day", "values": values, "title": name, "description": "…",
                             "id": f"{self.ig_user_id}/insights/{name}/day"})
        return self.reply({"data": data})

    def days_between(self, since: int, until: int) -> list[date]:
        """Local days whose midnight-to-midnight span lies inside [since, until)."""
        day = datetime.fromtimestamp(since, UTC).astimezone(self.zone).date()
        days = []
        while self.midnight(day + timedelta(days=1)) <= until:
            if self.midnight(day) >= since:
                days.append(day)
            day += timedelta(days=1)
        return days

    def midnight(self, day: date) -> int:
        return int(datetime(day.year, day.month, day.day, tzinfo=self.zone).timestamp())

    def end_time(self, day: date) -> str:
        return datetime.fromtimestamp(self.midnight(day + timedelta(days=1)), UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")

    def offset(self, day: date) -> int:
        return (day - self.first_day).days

    def serves(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    # --- faults ------------------------------------------------------------------------------------------
    def fault_rate_limit(self, fault: Fault, request: Request, normal) -> Reply:
        return graph_error(80002, "(#80002) There have been too many calls to this Instagram account. Wait a bit "
                           "and try again.", headers=self.usage_headers(regain_minutes=fault.options.get("minutes", 1),
                                                                        pct=100))

    def fault_server_error(self, fault: Fault, request: Request, normal) -> Reply:
        return graph_error(2, "Service temporarily unavailable", status=503)

    def fault_malformed(self, fault: Fault, request: Request, normal) -> Reply:
        reply = normal()
        body = json.loads(reply.body)
        for metric in body.get("data", []):
            for value in metric.get("values", []):
                value["end_time"] = "yesterday"
            metric.pop("total_value", None)
        return Reply.json(body, headers=reply.headers)
