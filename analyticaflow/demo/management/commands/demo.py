from __future__ import annotations

import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from analyticaflow.demo.services import SIZES, demo_create, demo_data_load, demo_summary
from analyticaflow.eventlog.backends import reset_event_log
from analyticaflow.warehouse.backends import close_warehouse


class Command(BaseCommand):
    help = ("Start from a fresh data dir (default ./.analyticaflow-demo, wiped each run), create a demo user "
            "and a shop with a year of data (events, projections, ad spend), print the credentials, then serve "
            "on 127.0.0.1:8000.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data-dir", default=".analyticaflow-demo", help="where the demo keeps its files")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--password", default=None, help="demo user's password (default: random)")
        parser.add_argument("--size", choices=sorted(SIZES), default="full",
                            help="full: a year of a small shop (default); small: 100 days of a tiny one (fast)")
        parser.add_argument("--seed", type=int, default=7, help="random seed of the shop's data (default 7)")
        parser.add_argument("--no-serve", action="store_true", help="prepare the demo data, then exit")

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        self.stdout.write(f"Preparing a fresh demo in {settings.DATA_DIR} ...")
        call_command("migrate", interactive=False, verbosity=0)
        demo = demo_create(password=options["password"])
        size = SIZES[options["size"]]
        self.stdout.write(f"Generating {size.days} days of the demo shop ({size.name}) through the pipeline:")
        self.stdout.flush()
        data = demo_data_load(project=demo.project, size=size, seed=options["seed"], progress=self._progress)
        totals = data.totals
        self.stdout.write(
            f"  {data.first_day} .. {data.last_day}: {totals.visits:,} visits, {totals.signups:,} sign-ups, "
            f"{totals.orders:,} orders ({totals.repeat_orders:,} repeat), {data.spend_rows:,} ad spend rows; "
            f"ready in {time.perf_counter() - started:.1f} s")
        summary = demo_summary(project=demo.project, last_day=data.last_day)
        currency = demo.project.currency
        self.stdout.write(
            f"  last 30 days: spend {summary['spend']:,.2f} {currency}, revenue {summary['revenue']:,.2f} "
            f"{currency}, ROAS {summary['roas'] or 0:.2f}, {summary['orders']:,} orders, "
            f"{summary['new_customers']:,} new customers")
        # The server runs in a forked worker that opens its own connections.
        close_warehouse()
        reset_event_log()
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(self.style.SUCCESS("\nAnalyticaFlow demo is ready."))
        self.stdout.write(f"  open      {url}")
        self.stdout.write(f"  email     {demo.user.email}")
        self.stdout.write(f"  password  {demo.password}")
        self.stdout.write(f"  project   {demo.project.name} (id {demo.project.id}, write key {demo.project.write_key})")
        self.stdout.write("")
        self.stdout.flush()
        if options["no_serve"]:
            return
        call_command("serve", host=options["host"], port=options["port"], no_migrate=True)

    def _progress(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
