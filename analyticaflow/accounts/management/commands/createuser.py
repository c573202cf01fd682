from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from analyticaflow.accounts import services
from analyticaflow.errors import AppError


class Command(BaseCommand):
    help = "Create a user non-interactively (for scripts). --admin makes a site admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--name", default="")
        parser.add_argument("--admin", action="store_true", help="site admin: may use the admin site")
        parser.add_argument("--skip-password-policy", action="store_true",
                            help="accept a password the policy would reject (test setups only)")

    def handle(self, *args, **options) -> None:
        try:
            user = services.user_create(email=options["email"], password=options["password"],
                                        name=options["name"], is_admin=options["admin"],
                                        validate=not options["skip_password_policy"])
        except AppError as error:
            reasons = "; ".join(f"{f}: {' '.join(r)}" for f, r in error.fields.items())
            raise CommandError(f"{error.message} {reasons}".strip()) from error
        kind = "site admin" if options["admin"] else "user"
        self.stdout.write(f"created {kind} {user.email} (id {user.id})")
