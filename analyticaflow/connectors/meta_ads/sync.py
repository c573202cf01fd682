"""Meta Ads session: list ad accounts, fetch daily insights (sync GET, or an async report run when too large)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

from analyticaflow.connectors import dates
from analyticaflow.connectors.base import Account, FetchResult, Session
from analyticaflow.connectors.errors import MalformedResponse, TransientError
from analyticaflow.connectors.meta_ads.graph import QueryTooLarge, next_link, page_data, rebase
from analyticaflow.connectors.meta_ads.normalize import normalize_pages
from analyticaflow.connectors.paging import follow_links
from analyticaflow.connectors.rows import AdSpendRow

INSIGHT_FIELDS = ("account_id,account_currency,campaign_id,campaign_name,adset_id,adset_name,ad_id,ad_name,"
                  "spend,impressions,clicks,inline_link_clicks,actions,action_values,date_start,date_stop")
ACCOUNT_FIELDS = "id,account_id,name,currency,timezone_name,account_status"
ASYNC_DONE = "Job Completed"
ASYNC_FAILED = frozenset({"Job Failed", "Job Skipped"})


class MetaAdsSession(Session):
    def _graph_pages(self, path: str, params: dict[str, Any], *, what: str) -> Iterator[tuple[str, str, Any]]:
        """(request description, body text, parsed body) for each page of a Graph edge, following ``paging.next``."""
        api_url = self.connector.endpoints.api_url

        def fetch(link: str | None):
            if link is None:
                response = self.client.get(self.connector.graph_url(path), params=params)
            else:
                response = self.client.get(rebase(link, api_url=api_url))
            body = response.json()
            page_data(body, what=what, platform=self.platform)
            return f"GET {response.url}", response.text, body

        yield from follow_links(fetch, lambda page: next_link(page[2]), platform=self.platform)

    def list_accounts(self) -> list[Account]:
        accounts = []
        params = {"fields": ACCOUNT_FIELDS, "limit": 100}
        for _, _, body in self._graph_pages("me/adaccounts", params, what="ad accounts"):
            for item in body["data"]:
                account_id = str(item.get("account_id") or str(item.get("id", "")).removeprefix("act_"))
                if not account_id or not item.get("timezone_name"):
                    raise MalformedResponse(f"An ad account lacks account_id or timezone_name: {item!r}.",
                                            platform=self.platform)
                accounts.append(Account(platform=self.platform, account_id=account_id, name=item.get("name", ""),
                                        currency=item.get("currency"), time_zone=item["timezone_name"],
                                        active=item.get("account_status") == 1))
        return accounts

    def fetch(self, *, account: Account, date_from: date, date_to: date) -> FetchResult:
        dates.check_range(date_from, date_to)
        params = self._insight_params(date_from, date_to)
        path = f"act_{account.account_id}/insights"
        try:
            answered = list(self._graph_pages(path, params, what="insights"))
        except QueryTooLarge:
            answered = list(self._async_report(path, params))
        context = {"currency": account.currency, "time_zone": account.time_zone,
                   "level": self.settings["level"], "date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
        pages = [self.raw_page(stream="insights", account=account, request=request, body=text, data=body,
                               context=context) for request, text, body in answered]

        def rows() -> list[AdSpendRow]:
            normalized = normalize_pages(pages, self.settings)
            for row in normalized:
                if not date_from <= row.date <= date_to:
                    raise MalformedResponse(f"Meta returned a row for {row.date}, outside the requested "
                                            f"{date_from}..{date_to}.", platform=self.platform)
            return normalized

        return self.ad_spend_result(account=account, date_from=date_from, date_to=date_to, pages=pages,
                                    normalize=rows)

    def _insight_params(self, date_from: date, date_to: date) -> dict[str, Any]:
        params: dict[str, Any] = {
            "level": self.settings["level"],
            "time_increment": 1,
            "time_range": json.dumps({"since": date_from.isoformat(), "until": date_to.isoformat()}),
            "fields": INSIGHT_FIELDS,
            "limit": self.settings["page_size"],
        }
        if self.settings.get("action_attribution_windows"):
            params["action_attribution_windows"] = json.dumps(self.settings["action_attribution_windows"])
        else:
            params["use_account_attribution_setting"] = "true"
        return params

    def _async_report(self, path: str, params: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
        """Start an async report run, poll it with backoff until complete, then page through its rows."""
        started = self.client.post(self.connector.graph_url(path), data=params).json()
        run_id = started.get("report_run_id") if isinstance(started, dict) else None
        if not run_id:
            raise MalformedResponse("Starting an async insights report returned no report_run_id.",
                                    platform=self.platform)
        clock = self.client.clock
        deadline = clock.monotonic() + self.client.options.poll_timeout
        wait = 5.0
        while True:
            status = self.client.get(self.connector.graph_url(str(run_id)),
                                     params={"fields": "async_status,async_percent_completion"}).json()
            if not isinstance(status, dict) or "async_status" not in status:
                raise MalformedResponse("The async report status has no async_status.", platform=self.platform)
            if status["async_status"] in ASYNC_FAILED:
                raise TransientError(f"Meta's async insights report {run_id} ended with {status['async_status']!r}; "
                                     "it will be requested again.", platform=self.platform)
            if status["async_status"] == ASYNC_DONE and int(status.get("async_percent_completion", 0)) >= 100:
                break
            if clock.monotonic() + wait > deadline:
                raise TransientError(f"Meta's async insights report {run_id} did not finish in time.",
                                     platform=self.platform)
            clock.sleep(wait)
            wait = min(60.0, wait * 2)
        yield from self._graph_pages(f"{run_id}/insights", {"limit": self.settings["page_size"]}, what="insights")


__all__ = ["MetaAdsSession", "QueryTooLarge"]
