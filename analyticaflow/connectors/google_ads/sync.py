"""Google Ads session: accessible customers (through managers), daily metrics with GAQL via searchStream."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from analyticaflow.connectors import dates
from analyticaflow.connectors.base import Account, FetchResult, Session
from analyticaflow.connectors.errors import MalformedResponse, PermanentError
from analyticaflow.connectors.google_ads.normalize import batches, normalize_pages
from analyticaflow.connectors.paging import follow_tokens
from analyticaflow.connectors.rows import AdSpendRow

logger = logging.getLogger(__name__)

CUSTOMER_QUERY = ("SELECT customer.id, customer.descriptive_name, customer.currency_code, customer.time_zone, "
                  "customer.manager, customer.test_account FROM customer")
CLIENTS_QUERY = ("SELECT customer_client.id, customer_client.descriptive_name, customer_client.manager, "
                 "customer_client.level, customer_client.currency_code, customer_client.time_zone, "
                 "customer_client.status FROM customer_client WHERE customer_client.level <= 1")
LEVELS = {  # level → (GAQL resource, extra selected fields)
    "campaign": ("campaign", ()),
    "ad_group": ("ad_group", ("ad_group.id",)),
    "ad": ("ad_group_ad", ("ad_group.id", "ad_group_ad.ad.id")),
}
# A cancelled or deactivated customer is still listed as accessible but cannot be queried: it is skipped.
UNSYNCABLE = frozenset({"authorizationError.CUSTOMER_NOT_ENABLED", "customerError.CUSTOMER_NOT_ACTIVE"})
METRICS = ("metrics.cost_micros", "metrics.impressions", "metrics.clicks", "metrics.conversions",
           "metrics.conversions_value")


def metrics_query(*, level: str, date_from: date, date_to: date) -> str:
    """GAQL for daily metrics. Only typed dates are interpolated (GAQL has no bound parameters)."""
    resource, extra = LEVELS[level]
    fields = ("segments.date", "customer.id", "customer.currency_code", "campaign.id", "campaign.name", *extra,
              *METRICS)
    # GAQL, not SQL: the field list and resource are constants; the dates are date objects.
    return (f"SELECT {', '.join(fields)} FROM {resource} "  # noqa: S608
            f"WHERE segments.date BETWEEN '{date_from.isoformat()}' AND '{date_to.isoformat()}'")


class GoogleAdsSession(Session):
    def _url(self, path: str) -> str:
        endpoints = self.connector.endpoints
        return f"{endpoints.api_url}/{endpoints.version}/{path}"

    def _stream(self, customer_id: str, query: str, *, login_customer_id: str | None):
        headers = {"login-customer-id": login_customer_id} if login_customer_id else {}
        response = self.client.post(self._url(f"customers/{customer_id}/googleAds:searchStream"),
                                    json={"query": query}, headers=headers)
        body = response.json()
        for batch in batches(body):
            if isinstance(batch.get("error"), dict):  # an error reported inside the stream
                raise self.client.policy.from_error(batch["error"])
        return response, body

    def list_accounts(self) -> list[Account]:
        response = self.client.get(self._url("customers:listAccessibleCustomers"))
        names = response.json().get("resourceNames") if isinstance(response.json(), dict) else None
        if not isinstance(names, list):
            raise MalformedResponse("listAccessibleCustomers answered without resourceNames.", platform=self.platform)
        direct: dict[str, Account] = {}
        through_managers: dict[str, Account] = {}
        for name in names:
            customer_id = str(name).removeprefix("customers/")
            try:
                _, body = self._stream(customer_id, CUSTOMER_QUERY, login_customer_id=customer_id)
            except PermanentError as exc:
                if not set(exc.platform_codes) & UNSYNCABLE:
                    raise
                logger.warning("google_ads: skipping customer %s: %s", customer_id, exc.message)
                continue
            for batch in body:
                for result in batch.get("results", []):
                    customer = result.get("customer", {})
                    if customer.get("manager"):
                        through_managers.update(self._clients_of(customer_id))
                    else:
                        direct[customer_id] = self._account(customer, login_customer_id=None)
        return list(direct.values()) + [account for key, account in through_managers.items() if key not in direct]

    def _clients_of(self, manager_id: str) -> dict[str, Account]:
        url = self._url(f"customers/{manager_id}/googleAds:search")
        headers = {"login-customer-id": manager_id}

        def fetch(token: str | None) -> Any:
            payload = {"query": CLIENTS_QUERY, **({"pageToken": token} if token else {})}
            body = self.client.post(url, json=payload, headers=headers).json()
            if not isinstance(body, dict) or not isinstance(body.get("results", []), list):
                raise MalformedResponse("A customer_client page has no 'results' list.", platform=self.platform)
            return body

        clients = {}
        for page in follow_tokens(fetch, lambda body: body.get("nextPageToken"), platform=self.platform):
            for result in page.get("results", []):
                client = result.get("customerClient", {})
                if client.get("manager") or str(client.get("id")) == manager_id:
                    continue
                account = self._account(client, login_customer_id=manager_id)
                clients[account.account_id] = account
        return clients

    def _account(self, customer: dict[str, Any], *, login_customer_id: str | None) -> Account:
        if not customer.get("id") or not customer.get("timeZone"):
            raise MalformedResponse(f"A customer lacks id or timeZone: {customer!r}.", platform=self.platform)
        return Account(platform=self.platform, account_id=str(customer["id"]),
                       name=customer.get("descriptiveName", ""), currency=customer.get("currencyCode"),
                       time_zone=customer["timeZone"], active=customer.get("status", "ENABLED") == "ENABLED",
                       details={"login_customer_id": login_customer_id})

    def fetch(self, *, account: Account, date_from: date, date_to: date) -> FetchResult:
        dates.check_range(date_from, date_to)
        level = self.settings["level"]
        query = metrics_query(level=level, date_from=date_from, date_to=date_to)
        login = account.details.get("login_customer_id") or self.settings.get("login_customer_id")
        response, body = self._stream(account.account_id, query, login_customer_id=login)
        context = {"currency": account.currency, "time_zone": account.time_zone, "level": level,
                   "query": query, "login_customer_id": login}
        page = self.raw_page(stream="campaign_metrics", account=account, request=f"POST {response.url}",
                             body=response.text, data=body, context=context)

        def rows() -> list[AdSpendRow]:
            normalized = normalize_pages([page], self.settings)
            for row in normalized:
                if not date_from <= row.date <= date_to:
                    raise MalformedResponse(f"Google Ads returned a row for {row.date}, outside the requested "
                                            f"{date_from}..{date_to}.", platform=self.platform)
            return normalized

        return self.ad_spend_result(account=account, date_from=date_from, date_to=date_to, pages=[page],
                                    normalize=rows)
