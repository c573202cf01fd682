"""Credentials encryption: AES-256-GCM tokens carrying key id + nonce, key sources, rotation, no leaks."""

from __future__ import annotations

import base64
import os
import stat
from datetime import UTC, datetime

import pytest

from analyticaflow.connectors import crypto
from analyticaflow.connectors.credentials import Credentials
from analyticaflow.connectors.crypto import CredentialsKey, CredentialsKeyInvalid, decrypt, encrypt, load_key, rotate
from analyticaflow.connectors.errors import CredentialsUnreadable
from analyticaflow.connectors.secret import Secret

KEY_A = CredentialsKey(bytes(range(32)))
KEY_B = CredentialsKey(bytes(range(100, 132)))


def test_round_trip_and_token_shape():
    token = encrypt(b"refresh-token-123", key=KEY_A)
    version, key_id, nonce, sealed = token.split(".")
    assert (version, key_id) == ("af1", KEY_A.key_id)
    assert len(base64.urlsafe_b64decode(nonce + "==")) == 12
    assert b"refresh-token-123" not in base64.urlsafe_b64decode(sealed + "==")
    assert decrypt(token, keys=KEY_A) == b"refresh-token-123"


def test_each_encryption_uses_a_fresh_nonce():
    assert encrypt(b"same", key=KEY_A) != encrypt(b"same", key=KEY_A)


@pytest.mark.parametrize("mangle, message", [
    (lambda t: t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB"), "failed authentication"),
    (lambda t: t.replace(KEY_A.key_id, KEY_B.key_id), "failed authentication"),
    (lambda t: "af0" + t[3:], "not in the af1 format"),
    (lambda t: t.rsplit(".", 1)[0], "not in the af1 format"),
])
def test_tampered_tokens_are_rejected(mangle, message):
    token = encrypt(b"secret", key=KEY_A)
    with pytest.raises(CredentialsUnreadable, match=message):
        decrypt(mangle(token), keys=[KEY_A, KEY_B])


def test_context_binds_a_value_to_its_row():
    token = encrypt(b"secret", key=KEY_A, context=b"integration:1")
    assert decrypt(token, keys=KEY_A, context=b"integration:1") == b"secret"
    with pytest.raises(CredentialsUnreadable):
        decrypt(token, keys=KEY_A, context=b"integration:2")


def test_unknown_key_id_says_which_key_is_missing():
    token = encrypt(b"secret", key=KEY_B)
    with pytest.raises(CredentialsUnreadable, match=KEY_B.key_id):
        decrypt(token, keys=KEY_A)


def test_rotate_re_encrypts_under_the_new_key():
    old = encrypt(b"secret", key=KEY_A, context=b"c")
    new = rotate(old, old_key=KEY_A, new_key=KEY_B, context=b"c")
    assert crypto.key_id_of(new) == KEY_B.key_id
    assert decrypt(new, keys=KEY_B, context=b"c") == b"secret"
    # Already rotated values are left alone (a rotation can be re-run after a crash).
    assert rotate(new, old_key=KEY_A, new_key=KEY_B, context=b"c") == new


def test_key_from_environment_wins(tmp_path):
    environ = {"ANALYTICAFLOW_CREDENTIALS_KEY": base64.b64encode(bytes(range(32))).decode()}
    assert load_key(data_dir=tmp_path, environ=environ).key_id == KEY_A.key_id
    assert not (tmp_path / "credentials.key").exists()


def test_key_file_is_created_0600_once_and_reused(tmp_path):
    first = load_key(data_dir=tmp_path, environ={})
    path = tmp_path / "credentials.key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_key(data_dir=tmp_path, environ={}).key_id == first.key_id


@pytest.mark.parametrize("value", ["not base64!!", base64.b64encode(b"short").decode()])
def test_bad_environment_key_is_a_clear_error(tmp_path, value):
    with pytest.raises(CredentialsKeyInvalid):
        load_key(data_dir=tmp_path, environ={"ANALYTICAFLOW_CREDENTIALS_KEY": value})


def test_credentials_round_trip_through_encryption_without_leaking_in_repr():
    credentials = Credentials(access_token=Secret("ya29.access"), refresh_token=Secret("1//refresh"),
                              expires_at=datetime(2025, 3, 20, 13, 0, tzinfo=UTC), scopes=("adwords",))
    token = credentials.encrypt(key=KEY_A, context=b"integration:7")
    assert "ya29" not in token and "refresh" not in token
    restored = Credentials.decrypt(token, keys=[KEY_B, KEY_A], context=b"integration:7")
    assert restored == credentials
    for text in (repr(credentials), str(credentials), f"{credentials.access_token}", repr(KEY_A)):
        assert "ya29" not in text and "1//refresh" not in text and KEY_A.to_base64() not in text
