"""Instagram session: find business accounts through Pages, fetch account insights per day and post snapshots."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from analyticaflow.connectors import dates
from analyticaflow.connectors.base import Account, FetchResult, Session
from analyticaflow.connectors.errors import MalformedResponse
from analyticaflow.connectors.instagram.normalize import normalize_pages
from analyticaflow.connectors.meta_ads.graph import InsightsUnavailable, next_link, page_data, rebase
from analyticaflow.connectors.paging import follow_links
from analyticaflow.connectors.raw import RawPage

SERIES_METRICS = "reach,follower_count"
TOTAL_METRICS = "views,total_interactions"
MEDIA_METRICS = "reach,views,total_interactions"
MEDIA_FIELDS = "id,caption,media_type,media_product_type,timestamp,permalink,like_count,comments_count"
MAX_SPAN_DAYS = 30


class InstagramSession(Session):
    def _get(self, path: str, params: dict[str, Any] | None = None, *, link: str | None = None):
        url = rebase(link, api_url=self.connector.endpoints.api_url) if link else self.connector.graph_url(path)
        response = self.client.get(url, params=None if link else params)
        return f"GET {response.url}", response.text, response.json()

    def _edge(self, path: str, params: dict[str, Any], *, what: str) -> Iterator[tuple[str, str, Any]]:
        def fetch(link: str | None):
            page = self._get(path, params, link=link)
            page_data(page[2], what=what, platform=self.platform)
            return page

        yield from follow_links(fetch, lambda page: next_link(page[2]), platform=self.platform)

    def list_accounts(self) -> list[Account]:
        accounts = []
        params = {"fields": "id,name,instagram_business_account{id,username}", "limit": 100}
        for _, _, body in self._edge("me/accounts", params, what="pages"):
            for page in body["data"]:
                business = page.get("instagram_business_account")
                if not isinstance(business, dict) or not business.get("id"):
                    continue  # a Page without a linked Instagram professional account
                accounts.append(Account(platform=self.platform, account_id=str(business["id"]),
                                        name=business.get("username") or page.get("name", ""), currency=None,
                                        time_zone=self.settings["time_zone"], details={"page_id": page.get("id")}))
        return accounts

    def fetch(self, *, account: Account, date_from: date, date_to: date) -> FetchResult:
        dates.check_range(date_from, date_to)
        pages: list[RawPage] = []
        ig = account.account_id
        context = {"time_zone": account.time_zone}
        for start, end in dates.windows(date_from, date_to, days=MAX_SPAN_DAYS):
            request, text, body = self._get(f"{ig}/insights", {
                "metric": SERIES_METRICS, "period": "day", **self._span(start, end, account.time_zone)})
            pages.append(self.raw_page(stream="account_series", account=account, request=request, body=text,
                                       data=body, context=context))
        day = date_from
        while day <= date_to:
            request, text, body = self._get(f"{ig}/insights", {
                "metric": TOTAL_METRICS, "metric_type": "total_value", "period": "day",
                **self._span(day, day, account.time_zone)})
            pages.append(self.raw_page(stream="account_totals", account=account, request=request, body=text,
                                       data=body, context={**context, "day": day.isoformat()}))
            day += timedelta(days=1)
        if self.settings["include_posts"] and self._snapshot_due(account, date_to):
            pages.extend(self._post_snapshots(account, date_to))
        rows = normalize_pages(pages)
        for row in rows:
            if not date_from <= row.date <= date_to:
                raise MalformedResponse(f"Instagram returned values for {row.date}, outside the requested "
                                        f"{date_from}..{date_to}.", platform=self.platform)
        return FetchResult(account=account, date_from=date_from, date_to=date_to,
                           stream=self.connector.streams[0], pages=pages, rows=rows)

    @staticmethod
    def _span(first: date, last: date, time_zone: str) -> dict[str, int]:
        """``since``/``until`` as the unix times of the local midnights around the inclusive day range."""
        since = dates.local_midnight_utc(first, time_zone)
        until = dates.local_midnight_utc(last + timedelta(days=1), time_zone)
        return {"since": int(since.timestamp()), "until": int(until.timestamp())}

    def _snapshot_due(self, account: Account, date_to: date) -> bool:
        """Post totals are lifetime numbers as of now: only a range reaching yesterday can be stamped with them."""
        yesterday = dates.today_in(account.time_zone, now=self.client.clock.now()) - timedelta(days=1)
        return date_to >= yesterday

    def _post_snapshots(self, account: Account, snapshot: date) -> Iterator[RawPage]:
        cutoff = snapshot - timedelta(days=self.settings["media_lookback_days"])
        zone = dates.zone(account.time_zone)
        params = {"fields": MEDIA_FIELDS, "limit": self.settings["page_size"]}
        for _, _, body in self._edge(f"{account.account_id}/media", params, what="media"):
            older_seen = False
            for media in body["data"]:
                try:
                    posted = datetime.strptime(media["timestamp"], "%Y-%m-%dT%H:%M:%S%z").astimezone(zone).date()
                except (KeyError, TypeError, ValueError) as exc:
                    raise MalformedResponse(f"A media item has no readable timestamp: {media!r}.",
                                            platform=self.platform) from exc
                if posted < cutoff:
                    older_seen = True
                    continue
                if posted <= snapshot:
                    yield self._media_page(account, str(media["id"]), snapshot)
            if older_seen:
                return  # the media edge is newest first: the rest is older still

    def _media_page(self, account: Account, media_id: str, snapshot: date) -> RawPage:
        context = {"media_id": media_id, "snapshot_date": snapshot.isoformat()}
        try:
            request, text, body = self._get(f"{media_id}/insights", {"metric": MEDIA_METRICS})
        except InsightsUnavailable as exc:
            # Too few viewers: Instagram shows no numbers for this post; the row says "unknown", not zero.
            return self.raw_page(stream="media_insights", account=account, request=f"GET {media_id}/insights",
                                 body="{}", context={**context, "unavailable": exc.message})
        return self.raw_page(stream="media_insights", account=account, request=request, body=text, data=body,
                             context=context)
