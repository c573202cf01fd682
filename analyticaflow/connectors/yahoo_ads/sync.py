"""Yahoo Ads session: base accounts → ad accounts per product, and the report add → get → download flow."""

from __future__ import annotations

import io
import logging
import zipfile
from datetime import date
from typing import Any

from analyticaflow.connectors import dates
from analyticaflow.connectors.base import Account, FetchResult, Session
from analyticaflow.connectors.errors import ConnectorError, MalformedResponse, PermanentError, TransientError
from analyticaflow.connectors.paging import follow_offsets
from analyticaflow.connectors.yahoo_ads.normalize import CURRENCY, REPORT_FIELDS, normalize_pages
from analyticaflow.connectors.yahoo_ads.policy import operation_values

logger = logging.getLogger(__name__)

TIME_ZONE = "Asia/Tokyo"
ACCOUNT_PAGE = 200
# Search reports name their kind (reportType); Display report definitions have no reportType (the fields decide).
# Both spell the encoding "UTF8" (the v20 specifications' enums: UTF8, SJIS, UTF16LE, and Display's UTF8_BOM).
PRODUCT_REPORT_OPTIONS: dict[str, dict[str, str]] = {
    "search": {"reportType": "CAMPAIGN", "reportDownloadEncode": "UTF8"},
    "display": {"reportDownloadEncode": "UTF8"},
}
DONE, FAILED = "COMPLETED", frozenset({"FAILED", "CANCELED", "CANCELLED"})


class YahooAdsSession(Session):
    def _url(self, product: str, service: str) -> str:
        endpoints = self.connector.endpoints
        host = endpoints.api_url if product == "search" else endpoints.extra["DISPLAY_API_URL"]
        return f"{host}/api/{endpoints.version}/{service}"

    def _call(self, product: str, service: str, payload: dict[str, Any], *, base_account_id: str | None):
        headers = {"x-z-base-account-id": base_account_id} if base_account_id else {}
        return self.client.post(self._url(product, service), json=payload, headers=headers)

    def list_accounts(self) -> list[Account]:
        accounts: dict[tuple[str, str], Account] = {}
        refused: list[PermanentError] = []
        for product in self.settings["products"]:
            try:
                body = self._call(product, "BaseAccountService/get", {}, base_account_id=None).json()
            except PermanentError as exc:
                # A Business ID may use only Search or only Display: one product refusing is not a failure.
                logger.warning("yahoo_ads: no %s accounts: %s", product, exc.message)
                refused.append(exc)
                continue
            _, bases = operation_values(body, entity="baseAccount", platform=self.platform)
            for base in bases:
                base_id = str(base.get("accountId"))
                for item in self._accounts_under(product, base_id):
                    account = Account(platform=self.platform, account_id=str(item["accountId"]),
                                      name=item.get("accountName") or "", currency=CURRENCY, time_zone=TIME_ZONE,
                                      active=item.get("accountStatus") == "SERVING",
                                      details={"product": product, "base_account_id": base_id})
                    accounts.setdefault((product, account.account_id), account)
        if len(refused) == len(self.settings["products"]):
            raise refused[0]
        return list(accounts.values())

    def _accounts_under(self, product: str, base_id: str) -> list[dict[str, Any]]:
        def fetch(start: int):
            payload = {"startIndex": start, "numberResults": ACCOUNT_PAGE}
            body = self._call(product, "AccountService/get", payload, base_account_id=base_id).json()
            return operation_values(body, entity="account", platform=self.platform)

        items: list[dict[str, Any]] = []
        for _, entities in follow_offsets(fetch, page_size=ACCOUNT_PAGE, count=lambda page: len(page[1]),
                                          total=lambda page: page[0], platform=self.platform):
            items.extend(entity for entity in entities if entity.get("accountId") is not None)
        return items

    def fetch(self, *, account: Account, date_from: date, date_to: date) -> FetchResult:
        dates.check_range(date_from, date_to)
        product = account.details.get("product", "search")
        base = account.details.get("base_account_id") or account.account_id
        account_id = int(account.account_id)
        definition = {
            "reportName": f"af_campaign_daily_{date_from:%Y%m%d}_{date_to:%Y%m%d}",
            "reportDateRangeType": "CUSTOM_DATE",
            "dateRange": {"startDate": f"{date_from:%Y%m%d}", "endDate": f"{date_to:%Y%m%d}"},
            "fields": list(REPORT_FIELDS), "reportDownloadFormat": "CSV", "reportLanguage": "EN",
            "reportIncludeDeleted": "TRUE", "reportSkipReportSummary": "FALSE",  # the summary row checks the file
            "reportCompressType": "NONE", **PRODUCT_REPORT_OPTIONS[product]}
        body = self._call(product, "ReportDefinitionService/add", {"accountId": account_id, "operand": [definition]},
                          base_account_id=base).json()
        _, added = operation_values(body, entity="reportDefinition", platform=self.platform)
        if not added or added[0].get("reportJobId") is None:
            raise MalformedResponse("Adding a report definition returned no reportJobId.", platform=self.platform)
        job_id = added[0]["reportJobId"]
        try:
            self._wait_for_report(product, base, account_id, job_id)
            response = self._call(product, "ReportDefinitionService/download",
                                  {"accountId": account_id, "reportJobId": job_id}, base_account_id=base)
            text = self._report_text(response.content)
        finally:
            self._remove(product, base, account_id, job_id)
        page = self.raw_page(stream="report", account=account, request=f"POST {response.url} job {job_id}",
                             body=text, content_type="csv",
                             context={"fields": list(REPORT_FIELDS), "product": product, "report_job_id": job_id})
        rows = normalize_pages([page])
        for row in rows:
            if not date_from <= row.date <= date_to:
                raise MalformedResponse(f"Yahoo Ads returned a row for {row.date}, outside the requested "
                                        f"{date_from}..{date_to}.", platform=self.platform)
        return FetchResult(account=account, date_from=date_from, date_to=date_to,
                           stream=self.connector.streams[0], pages=[page], rows=rows)

    def _wait_for_report(self, product: str, base: str, account_id: int, job_id: int) -> None:
        clock = self.client.clock
        deadline = clock.monotonic() + self.client.options.poll_timeout
        wait = 5.0
        while True:
            body = self._call(product, "ReportDefinitionService/get",
                              {"accountId": account_id, "reportJobIds": [job_id], "startIndex": 1,
                               "numberResults": 10}, base_account_id=base).json()
            _, definitions = operation_values(body, entity="reportDefinition", platform=self.platform)
            status = next((item.get("reportJobStatus") for item in definitions if item.get("reportJobId") == job_id),
                          None)
            if status is None:
                raise MalformedResponse(f"Report job {job_id} is missing from its own status answer.",
                                        platform=self.platform)
            if status == DONE:
                return
            if status in FAILED:
                detail = next((item.get("reportJobErrorDetail") for item in definitions), None)
                raise TransientError(f"Yahoo Ads report job {job_id} ended {status}: {detail or 'no detail'}.",
                                     platform=self.platform)
            if clock.monotonic() + wait > deadline:
                raise TransientError(f"Yahoo Ads report job {job_id} did not finish in time.", platform=self.platform)
            clock.sleep(wait)
            wait = min(30.0, wait * 2)

    def _report_text(self, content: bytes) -> str:
        if content[:2] == b"PK":  # reportCompressType ZIP: one CSV inside
            try:
                with zipfile.ZipFile(io.BytesIO(content)) as archive:
                    content = archive.read(archive.namelist()[0])
            except (zipfile.BadZipFile, IndexError) as exc:
                raise MalformedResponse("The report download is a damaged ZIP file.", platform=self.platform) from exc
        try:
            return content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedResponse("The report download is not UTF-8 text.", platform=self.platform) from exc

    def _remove(self, product: str, base: str, account_id: int, job_id: int) -> None:
        """Delete the job (60 may be open per account). The data is already fetched: a failure here is logged."""
        try:
            self._call(product, "ReportDefinitionService/remove",
                       {"accountId": account_id, "operand": [{"reportJobId": job_id}]}, base_account_id=base)
        except ConnectorError as exc:
            logger.warning("yahoo_ads: report job %s of account %s was not removed: %s", job_id, account_id,
                           exc.message)
