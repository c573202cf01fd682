"""Putting one fetch into the warehouse: the channel-data loader of the stream's table, and the raw pages on disk.

Loads replace the account's rows of every day of the window (idempotent): re-running a chunk after a crash,
or re-pulling a restatement window, never duplicates a row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from django.conf import settings

from analyticaflow.channeldata.services import ad_spend_load, social_load
from analyticaflow.connectors.base import FetchResult
from analyticaflow.connectors.raw import DirectoryRawStore
from analyticaflow.errors import AppError, ServiceUnavailable
from analyticaflow.warehouse.backends import Warehouse, WarehouseBusy, get_warehouse

Loader = Callable[..., int]
LOADERS: dict[str, Loader] = {"ad_spend_daily": ad_spend_load, "social_daily": social_load}


class LoadRejected(AppError):
    """The warehouse refused the platform's rows (a duplicate key, a value out of range): never a silent gap."""

    code = "load_rejected"
    status_code = 502
    default_message = "The platform's rows could not be stored."


def _is_write_conflict(error: Exception) -> bool:
    # DuckDB's optimistic concurrency: two writers touched the same rows; the second may simply try again.
    return type(error).__name__ in {"TransactionException", "ConflictException"} or "Conflict" in str(error)


def load_fetch(
    result: FetchResult,
    *,
    project_id: int,
    platform: str,
    date_from: date,
    date_to: date,
    warehouse: Warehouse | None = None,
) -> int:
    """Replace the account's rows of ``[date_from, date_to]`` with the fetch's rows; the number loaded."""
    loader = LOADERS.get(result.stream.table)
    if loader is None:
        raise LoadRejected(f"No warehouse loader for table {result.stream.table!r}.")
    try:
        return loader(
            project_id=project_id,
            source=platform,
            account_id=result.account.account_id,
            date_from=date_from,
            date_to=date_to,
            rows=result.load_rows(),
            warehouse=warehouse or get_warehouse(),
        )
    except ValueError as exc:
        raise LoadRejected(f"The platform's rows for {date_from}..{date_to} could not be stored: {exc}") from exc
    except WarehouseBusy as exc:
        raise ServiceUnavailable(f"The warehouse is busy: {exc}") from exc
    except Exception as exc:
        if _is_write_conflict(exc):
            raise ServiceUnavailable(
                f"The warehouse reported a write conflict; the chunk is loaded again: {exc}"
            ) from exc
        raise


def raw_store() -> DirectoryRawStore:
    return DirectoryRawStore(Path(settings.DATA_DIR) / "raw")


def keep_raw(result: FetchResult, *, platform: str) -> str | None:
    """Store the fetch's raw pages (when enabled); the reference to find them again."""
    if not settings.ANALYTICAFLOW_KEEP_RAW_PAGES or not result.pages:
        return None
    return raw_store().save(result.pages, platform=platform, account_id=result.account.account_id)
