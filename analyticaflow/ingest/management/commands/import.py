"""``analyticaflow import events FILE.jsonl --project ID``: backfill history with capture's validation and dedupe."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path

import orjson
from django.core.management.base import BaseCommand, CommandError

from analyticaflow.accounts.selectors import project_by_id
from analyticaflow.channeldata.commands import add_spend_arguments, handle_spend_import
from analyticaflow.ingest.importing import ImportInterrupted, ImportReport, maybe_gunzip
from analyticaflow.ingest.services import events_import


class Command(BaseCommand):
    help = (
        "Import data from a file. 'import events FILE --project ID' reads JSON Lines (one Segment message per "
        "line, gzip allowed; '-' reads stdin) with the capture API's validation and dedupe. Exit status 1 when "
        "any line was rejected. 'import spend FILE.csv --project ID' loads daily ad spend (see README)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
        events = kinds.add_parser("events", help="Segment messages as JSON Lines (.jsonl or .jsonl.gz)")
        events.add_argument("file", help="path of the JSON Lines file, or - for standard input")
        events.add_argument("--project", type=int, required=True, help="id of the project the events belong to")
        events.add_argument("--json", action="store_true", help="print the report as JSON")
        add_spend_arguments(kinds)

    def handle(self, *args, **options) -> None:
        if options["kind"] == "spend":
            handle_spend_import(self, options)
            return
        project_id = options["project"]
        if project_by_id(project_id=project_id) is None:
            raise CommandError(f"No project with id {project_id}.")
        try:
            report = self._import(options["file"], project_id)
        except ImportInterrupted as exc:
            self._print(exc.report, as_json=options["json"])
            raise CommandError(f"{exc}. Lines before it are stored; run the import again to finish "
                               "(events already stored are skipped).") from exc
        self._print(report, as_json=options["json"])
        if report.rejected_count:
            sys.exit(1)

    def _import(self, name: str, project_id: int) -> ImportReport:
        if name == "-":
            return events_import(project_id=project_id, stream=sys.stdin.buffer)
        path = Path(name)
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        with handle:
            return events_import(project_id=project_id, stream=maybe_gunzip(handle))

    def _print(self, report: ImportReport, *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(orjson.dumps(report.as_dict()).decode())
            return
        self.stdout.write(f"{report.lines} lines: {report.accepted} accepted ({report.duplicates} already stored), "
                          f"{report.rejected_count} rejected")
        for rejection in report.rejected:
            reasons = "; ".join(f"{name}: {', '.join(texts)}" for name, texts in rejection.errors.items())
            message_id = f" (messageId {rejection.message_id})" if rejection.message_id else ""
            self.stdout.write(f"  line {rejection.index}{message_id}: {reasons}")
        if report.rejected_count > len(report.rejected):
            self.stdout.write(f"  ... and {report.rejected_count - len(report.rejected)} more rejected lines")
