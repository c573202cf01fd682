"""``analyticaflow import spend FILE.csv --project ID``: the spend CSV import from the command line.

The ``import`` command belongs to capture (``ingest``); it hands its ``spend`` kind to these two functions.
"""

from __future__ import annotations

import sys
from argparse import _SubParsersAction
from pathlib import Path
from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandError

from analyticaflow.accounts.selectors import project_by_id
from analyticaflow.channeldata.services import SpendImportReport, spend_import
from analyticaflow.channeldata.spend_csv import SpendFileInvalid, SpendFileTooLarge, maybe_gunzip
from analyticaflow.warehouse.backends import WarehouseBusy


def add_spend_arguments(kinds: _SubParsersAction) -> None:
    spend = kinds.add_parser(
        "spend", help="daily ad spend as CSV: date,source,account_id,campaign_id,campaign_name,spend,impressions,"
                      "clicks,currency (gzip allowed; '-' reads stdin)")
    spend.add_argument("file", help="path of the CSV file, or - for standard input")
    spend.add_argument("--project", type=int, required=True, help="id of the project the spend belongs to")
    spend.add_argument("--json", action="store_true", help="print the report as JSON")


def handle_spend_import(command: BaseCommand, options: dict[str, Any]) -> None:
    project_id = options["project"]
    if project_by_id(project_id=project_id) is None:
        raise CommandError(f"No project with id {project_id}.")
    name = options["file"]
    try:
        if name == "-":
            report = spend_import(project_id=project_id, stream=sys.stdin.buffer)
        else:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"Cannot read {name}: no such file.")
            with path.open("rb") as handle:
                report = spend_import(project_id=project_id, stream=maybe_gunzip(handle))
    except SpendFileInvalid as exc:
        for error in exc.errors:
            command.stdout.write(f"  line {error.line}, {error.field}: {error.message}")
        if exc.error_count > len(exc.errors):
            command.stdout.write(f"  ... and {exc.error_count - len(exc.errors)} more problems")
        raise CommandError(f"{exc.error_count} problem(s) in {name}; nothing was imported.") from exc
    except SpendFileTooLarge as exc:
        raise CommandError(f"{name} has {exc}.") from exc
    except WarehouseBusy as exc:
        raise CommandError(
            "The warehouse file is held by the running AnalyticaFlow server (embedded mode). Upload the file to "
            f"the server instead: POST /api/v1/projects/{project_id}/spend/import (multipart field 'file'), or "
            "stop the server and run this again.") from exc
    _print(command, report, as_json=options["json"])


def _print(command: BaseCommand, report: SpendImportReport, *, as_json: bool) -> None:
    if as_json:
        command.stdout.write(orjson.dumps(report.as_dict()).decode())
        return
    command.stdout.write(f"{report.lines} lines: {report.rows} rows loaded, {report.days_replaced} account-days "
                         "replaced")
    for account in report.accounts:
        command.stdout.write(f"  {account['source']} {account['account_id']}: {account['rows']} rows, "
                             f"{account['date_from']} to {account['date_to']}")
