from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from analyticaflow.demo.services import demo_create


class Command(BaseCommand):
    help = ("Start from a fresh data dir (default ./.analyticaflow-demo, wiped each run), create a demo user "
            "and shop, print the credentials, then serve on 127.0.0.1:8000.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data-dir", default=".analyticaflow-demo", help="where the demo keeps its files")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--password", default=None, help="demo user's password (default: random)")
        parser.add_argument("--no-serve", action="store_true", help="prepare the demo data, then exit")

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"Preparing a fresh demo in {settings.DATA_DIR} ...")
        call_command("migrate", interactive=False, verbosity=0)
        demo = demo_create(password=options["password"])
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
