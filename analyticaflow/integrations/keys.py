"""Rotating the credentials key: every stored grant is re-encrypted under a new key, the old one stays readable.

Key file (default): ``credentials_rotate_key()`` keeps the current key in ``<data dir>/credentials.previous-keys``,
writes a fresh key to ``<data dir>/credentials.key`` and re-encrypts every credential under it. A running server
reads the key file for each seal/open, so it follows at once; values it sealed with the old key in between stay
readable through the previous keys. ``credentials_forget_previous_keys()`` drops them once nothing uses them.

Environment key: set the new ``ANALYTICAFLOW_CREDENTIALS_KEY`` and the old one in
``ANALYTICAFLOW_CREDENTIALS_PREVIOUS_KEYS``, then ``rotate-key`` re-encrypts under the environment's key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from analyticaflow.connectors.crypto import KEY_ENV, KEY_FILE_NAME, CredentialsKey, decrypt, encrypt, key_id_of
from analyticaflow.errors import Conflict
from analyticaflow.integrations import vault
from analyticaflow.integrations.models import Credential, LinkRequest


@dataclass(frozen=True)
class RotationResult:
    key_id: str  # the key everything is encrypted with now
    previous_key_id: str
    generated: bool  # a new key file was written (False: the environment's key is the new one)
    credentials: int  # re-encrypted values
    links: int


def _write_secret_file(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _remember_previous(key: CredentialsKey) -> None:
    path = vault.previous_keys_path()
    known = path.read_text().splitlines() if path.exists() else []
    if key.to_base64() not in known:
        _write_secret_file(path, "".join(f"{line}\n" for line in [*known, key.to_base64()] if line.strip()))


def _reencrypt(ring: vault.KeyRing) -> tuple[int, int]:
    """Re-encrypt every stored value not already under the ring's current key."""
    current = ring.current
    credentials = links = 0
    with transaction.atomic():
        for stored in Credential.objects.select_for_update().all():
            if key_id_of(stored.ciphertext) == current.key_id:
                continue
            context = vault.integration_context(stored.integration_id)
            plain = decrypt(stored.ciphertext, keys=ring.readable, context=context)
            stored.ciphertext, stored.key_id = encrypt(plain, key=current, context=context), current.key_id
            stored.save(update_fields=["ciphertext", "key_id", "updated_at"])
            credentials += 1
        for link in LinkRequest.objects.select_for_update().exclude(ciphertext=""):
            if key_id_of(link.ciphertext) == current.key_id:
                continue
            context = vault.link_context(link.id)
            plain = decrypt(link.ciphertext, keys=ring.readable, context=context)
            link.ciphertext = encrypt(plain, key=current, context=context)
            link.save(update_fields=["ciphertext"])
            links += 1
    return credentials, links


def credentials_rotate_key(*, generate: bool | None = None) -> RotationResult:
    """Rotate to a new key (generated into the key file unless the environment supplies the key), then
    re-encrypt. ``generate=False`` only re-encrypts under the current key (finishing an interrupted rotation)."""
    from_env = bool(os.environ.get(KEY_ENV, "").strip())
    generate = (not from_env) if generate is None else generate
    if generate and from_env:
        raise Conflict(f"The key comes from {KEY_ENV}: put the new key there (and the old one in "
                       "ANALYTICAFLOW_CREDENTIALS_PREVIOUS_KEYS), then run rotate-key again.")
    before = vault.key_ring()
    if generate:
        _remember_previous(before.current)
        _write_secret_file(Path(settings.DATA_DIR) / KEY_FILE_NAME, CredentialsKey.generate().to_base64() + "\n")
    ring = vault.key_ring()
    credentials, links = _reencrypt(ring)
    return RotationResult(key_id=ring.current.key_id, previous_key_id=before.current.key_id, generated=generate,
                          credentials=credentials, links=links)


def credentials_forget_previous_keys() -> int:
    """Delete the previous-keys file once every stored value is under the current key; how many keys it held."""
    ring = vault.key_ring()
    stale = (Credential.objects.exclude(key_id=ring.current.key_id).count()
             + sum(1 for text in LinkRequest.objects.exclude(ciphertext="").values_list("ciphertext", flat=True)
                   if key_id_of(text) != ring.current.key_id))
    if stale:
        raise Conflict(f"{stale} stored value(s) still use a previous key: run rotate-key --reencrypt-only first.")
    path = vault.previous_keys_path()
    count = len([line for line in path.read_text().splitlines() if line.strip()]) if path.exists() else 0
    path.unlink(missing_ok=True)
    return count
