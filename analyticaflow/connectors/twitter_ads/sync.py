"""X Ads session: accounts, campaigns, and daily stats (sync in 7-day windows, async jobs for long ranges)."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from analyticaflow.connectors import dates
from analyticaflow.connectors.base import Account, FetchResult, Session
from analyticaflow.connectors.errors import MalformedResponse, TransientError
from analyticaflow.connectors.paging import follow_tokens
from analyticaflow.connectors.raw import RawPage
from analyticaflow.connectors.twitter_ads.normalize import normalize_pages

PLACEMENTS = ("ALL_ON_TWITTER", "PUBLISHER_NETWORK")  # one per request; the two are added together
METRIC_GROUPS = "ENGAGEMENT,BILLING,WEB_CONVERSION"
MAX_ENTITY_IDS = 20
SYNC_WINDOW_DAYS = 7
ASYNC_WINDOW_DAYS = 90
MAX_JOBS_AT_ONCE = 50  # X allows 100 concurrent jobs per account; leave room for other clients
JOB_FAILED = frozenset({"FAILED", "EXPIRED", "CANCELLED"})


def chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class TwitterAdsSession(Session):
    def _url(self, path: str) -> str:
        endpoints = self.connector.endpoints
        return f"{endpoints.api_url}/{endpoints.version}/{path}"

    def _collection(self, path: str, params: dict[str, Any], *, what: str) -> Iterator[tuple[str, str, Any]]:
        def fetch(cursor: str | None):
            response = self.client.get(self._url(path), params={**params, **({"cursor": cursor} if cursor else {})})
            body = response.json()
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                raise MalformedResponse(f"A {what} page has no 'data' list.", platform=self.platform)
            return f"GET {response.url}", response.text, body

        yield from follow_tokens(fetch, lambda page: page[2].get("next_cursor"), platform=self.platform)

    def list_accounts(self) -> list[Account]:
        accounts = []
        for _, _, body in self._collection("accounts", {"count": 200}, what="accounts"):
            for item in body["data"]:
                if not item.get("id") or not item.get("timezone"):
                    raise MalformedResponse(f"An ad account lacks id or timezone: {item!r}.", platform=self.platform)
                accounts.append(Account(
                    platform=self.platform, account_id=item["id"], name=item.get("name") or "",
                    currency=self._currency(item["id"]), time_zone=item["timezone"],
                    active=item.get("approval_status") == "ACCEPTED" and not item.get("deleted")))
        return accounts

    def _currency(self, account_id: str) -> str | None:
        """Accounts carry no currency; their campaigns (funded in one currency) do."""
        body = self.client.get(self._url(f"accounts/{account_id}/campaigns"),
                               params={"count": 1, "with_deleted": "true"}).json()
        campaigns = body.get("data") if isinstance(body, dict) else None
        return campaigns[0].get("currency") if isinstance(campaigns, list) and campaigns else None

    def fetch(self, *, account: Account, date_from: date, date_to: date) -> FetchResult:
        dates.check_range(date_from, date_to)
        pages: list[RawPage] = []
        campaign_ids: list[str] = []
        for request, text, body in self._collection(f"accounts/{account.account_id}/campaigns",
                                                    {"count": 1000, "with_deleted": "true"}, what="campaigns"):
            pages.append(self.raw_page(stream="campaigns", account=account, request=request, body=text, data=body))
            campaign_ids.extend(str(item["id"]) for item in body["data"] if item.get("id"))
        if campaign_ids:
            if dates.days_between(date_from, date_to) > self.settings["async_after_days"]:
                pages.extend(self._async_stats(account, campaign_ids, date_from, date_to))
            else:
                pages.extend(self._sync_stats(account, campaign_ids, date_from, date_to))
        rows = normalize_pages(pages, self.settings)
        for row in rows:
            if not date_from <= row.date <= date_to:
                raise MalformedResponse(f"X Ads returned stats for {row.date}, outside the requested "
                                        f"{date_from}..{date_to}.", platform=self.platform)
        if account.currency is None and rows:
            account = replace(account, currency=rows[0].currency)
        return FetchResult(account=account, date_from=date_from, date_to=date_to,
                           stream=self.connector.streams[0], pages=pages, rows=rows)

    def _stats_params(self, account: Account, ids: list[str], first: date, last: date, placement: str) -> dict:
        return {"entity": "CAMPAIGN", "entity_ids": ",".join(ids), "granularity": "DAY",
                "metric_groups": METRIC_GROUPS, "placement": placement,
                # Whole local days: from the account's midnight to the midnight after the last day (DST-aware).
                "start_time": dates.iso_z(dates.local_midnight_utc(first, account.time_zone)),
                "end_time": dates.iso_z(dates.local_midnight_utc(last + timedelta(days=1), account.time_zone))}

    def _sync_stats(self, account: Account, campaign_ids: list[str], date_from: date, date_to: date):
        for first, last in dates.windows(date_from, date_to, days=SYNC_WINDOW_DAYS):
            for ids in chunks(campaign_ids, MAX_ENTITY_IDS):
                for placement in PLACEMENTS:
                    response = self.client.get(self._url(f"stats/accounts/{account.account_id}"),
                                               params=self._stats_params(account, ids, first, last, placement))
                    yield self.raw_page(stream="stats", account=account, request=f"GET {response.url}",
                                        body=response.text, data=response.json(),
                                        context={"start_date": first.isoformat(), "placement": placement})

    def _async_stats(self, account: Account, campaign_ids: list[str], date_from: date, date_to: date):
        specs = [(first, last, ids, placement)
                 for first, last in dates.windows(date_from, date_to, days=ASYNC_WINDOW_DAYS)
                 for ids in chunks(campaign_ids, MAX_ENTITY_IDS) for placement in PLACEMENTS]
        for batch in chunks(specs, MAX_JOBS_AT_ONCE):
            jobs = {}
            for first, last, ids, placement in batch:
                body = self.client.post(self._url(f"stats/jobs/accounts/{account.account_id}"),
                                        params=self._stats_params(account, ids, first, last, placement)).json()
                job = body.get("data") if isinstance(body, dict) else None
                if not isinstance(job, dict) or not (job.get("id_str") or job.get("id")):
                    raise MalformedResponse("Creating a stats job returned no job id.", platform=self.platform)
                jobs[str(job.get("id_str") or job["id"])] = (first, placement)
            for job_id, url in self._wait_for_jobs(account, list(jobs)):
                first, placement = jobs[job_id]
                text = self._download(url)
                yield self.raw_page(stream="stats", account=account, request=f"GET async job {job_id}", body=text,
                                    context={"start_date": first.isoformat(), "placement": placement,
                                             "job_id": job_id})

    def _wait_for_jobs(self, account: Account, job_ids: list[str]) -> list[tuple[str, str]]:
        clock = self.client.clock
        deadline = clock.monotonic() + self.client.options.poll_timeout
        wait = 5.0
        done: dict[str, str] = {}
        while True:
            pending = [job_id for job_id in job_ids if job_id not in done]
            body = self.client.get(self._url(f"stats/jobs/accounts/{account.account_id}"),
                                   params={"job_ids": ",".join(pending[:200])}).json()
            listed = body.get("data") if isinstance(body, dict) else None
            if not isinstance(listed, list):
                raise MalformedResponse("Polling stats jobs returned no 'data' list.", platform=self.platform)
            for job in listed:
                job_id = str(job.get("id_str") or job.get("id"))
                if job_id not in pending:
                    continue
                if job.get("status") in JOB_FAILED:
                    raise TransientError(f"X Ads stats job {job_id} ended {job.get('status')}; it will be requested "
                                         "again.", platform=self.platform)
                if job.get("status") == "SUCCESS":
                    if not job.get("url"):
                        raise MalformedResponse(f"Stats job {job_id} succeeded without a url.", platform=self.platform)
                    done[job_id] = job["url"]
            if len(done) == len(job_ids):
                return [(job_id, done[job_id]) for job_id in job_ids]
            if clock.monotonic() + wait > deadline:
                raise TransientError("X Ads stats jobs did not finish in time.", platform=self.platform)
            clock.sleep(wait)
            wait = min(60.0, wait * 2)

    def _download(self, url: str) -> str:
        """Job results are gzip-compressed JSON at a pre-signed URL (no credentials are sent there)."""
        content = self.client.get(url, authenticated=False).content
        if content[:2] == b"\x1f\x8b":
            try:
                content = gzip.decompress(content)
            except (OSError, EOFError) as exc:
                raise MalformedResponse("A stats job file is not valid gzip (truncated download?).",
                                        platform=self.platform) from exc
        return content.decode("utf-8", "replace")
