"""``analyticaflow rotate-key``: re-encrypt every stored platform credential under a new key (see README)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from analyticaflow.connectors.crypto import CredentialsKey
from analyticaflow.errors import AppError
from analyticaflow.integrations.keys import credentials_forget_previous_keys, credentials_rotate_key


class Command(BaseCommand):
    help = ("Rotate the credentials key: write a new <data dir>/credentials.key (the old key stays readable in "
            "credentials.previous-keys) and re-encrypt every stored credential under it. With the key in "
            "ANALYTICAFLOW_CREDENTIALS_KEY, re-encrypt under that key (old keys in "
            "ANALYTICAFLOW_CREDENTIALS_PREVIOUS_KEYS).")

    def add_arguments(self, parser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--reencrypt-only", action="store_true",
                           help="keep the current key; re-encrypt what still uses a previous one")
        group.add_argument("--forget-previous", action="store_true",
                           help="delete the previous keys once nothing is encrypted with them")
        group.add_argument("--print-new-key", action="store_true",
                           help="print a fresh base64 key (for ANALYTICAFLOW_CREDENTIALS_KEY) and exit")

    def handle(self, *args, reencrypt_only: bool, forget_previous: bool, print_new_key: bool, **options) -> None:
        try:
            if print_new_key:
                self.stdout.write(CredentialsKey.generate().to_base64())
                return
            if forget_previous:
                count = credentials_forget_previous_keys()
                self.stdout.write(f"forgot {count} previous key(s)")
                return
            result = credentials_rotate_key(generate=False if reencrypt_only else None)
        except AppError as exc:
            raise CommandError(exc.message) from exc
        key = f"new key {result.key_id} (was {result.previous_key_id})" if result.generated else f"key {result.key_id}"
        self.stdout.write(f"{key}: re-encrypted {result.credentials} credential(s) and {result.links} pending "
                          "link(s)")
        if result.generated:
            self.stdout.write("the previous key stays readable until 'analyticaflow rotate-key --forget-previous'")
