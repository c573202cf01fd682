"""Credentials at rest: AES-256-GCM bound to their row, readable through a key rotation, and never shown."""

from __future__ import annotations

import base64
import gzip
import logging
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from analyticaflow.connectors.credentials import Credentials
from analyticaflow.connectors.crypto import CredentialsKey, key_id_of
from analyticaflow.connectors.errors import CredentialsUnreadable
from analyticaflow.connectors.secret import Secret
from analyticaflow.errors import Conflict
from analyticaflow.integrations import vault
from analyticaflow.integrations.keys import credentials_rotate_key
from analyticaflow.integrations.models import Credential, Integration, LinkRequest, SyncRun
from analyticaflow.integrations.syncing import credential_load, credential_store
from analyticaflow.jobs.models import Job
from tests.connectors.fakes import google_ads
from tests.connectors.support import captured_logs
from tests.factories import make_user
from tests.integrations.conftest import link_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_dir(settings, tmp_path, monkeypatch) -> Path:
    """A data dir of its own (its key file, its previous keys), with no key in the environment."""
    monkeypatch.delenv("ANALYTICAFLOW_CREDENTIALS_KEY", raising=False)
    settings.DATA_DIR = tmp_path
    settings.ANALYTICAFLOW_CREDENTIALS_PREVIOUS_KEYS = []
    return tmp_path


def grant(n: int) -> Credentials:
    return Credentials(access_token=Secret(f"access-{n}-AAAA"), refresh_token=Secret(f"refresh-{n}-BBBB"))


def integration(project, account_id: str) -> Integration:
    return Integration.objects.create(project=project, platform="google_ads", account_id=account_id)


def test_a_credential_opens_only_on_its_own_row(project, key_dir):
    first, second = integration(project, "1"), integration(project, "2")
    credential_store(integration_id=first.id, credentials=grant(1))
    stored = Credential.objects.get(integration=first)
    assert "access-1" not in stored.ciphertext and stored.ciphertext.startswith("af1.")
    assert stored.key_id == vault.key_ring().current.key_id
    assert credential_load(integration_id=first.id).access_token == Secret("access-1-AAAA")
    Credential.objects.create(integration=second, ciphertext=stored.ciphertext, key_id=stored.key_id)
    with pytest.raises(CredentialsUnreadable):
        credential_load(integration_id=second.id)


def test_rotate_key_re_encrypts_everything_and_keeps_the_old_key_readable(project, key_dir, capsys):
    items = [integration(project, str(n)) for n in range(3)]
    for n, item in enumerate(items):
        credential_store(integration_id=item.id, credentials=grant(n))
    old_key = vault.key_ring().current
    old_ciphertexts = dict(Credential.objects.values_list("integration_id", "ciphertext"))
    # A value a running server sealed with the old key just before the key file changed.
    late = integration(project, "late")
    Credential.objects.create(integration=late, key_id=old_key.key_id,
                              ciphertext=grant(9).encrypt(key=old_key, context=vault.integration_context(late.id)))

    call_command("rotate-key")

    new_key = vault.key_ring().current
    assert new_key.key_id != old_key.key_id
    assert (key_dir / "credentials.key").read_text().strip() == new_key.to_base64()
    assert (key_dir / "credentials.previous-keys").read_text().split() == [old_key.to_base64()]
    assert oct((key_dir / "credentials.key").stat().st_mode & 0o777) == "0o600"
    for n, item in enumerate(items):
        stored = Credential.objects.get(integration=item)
        assert stored.key_id == new_key.key_id == key_id_of(stored.ciphertext)
        assert stored.ciphertext != old_ciphertexts[item.id]
        assert credential_load(integration_id=item.id).refresh_token == Secret(f"refresh-{n}-BBBB")
    assert credential_load(integration_id=late.id).access_token == Secret("access-9-AAAA")
    assert f"new key {new_key.key_id} (was {old_key.key_id}): re-encrypted 4 credential(s)" in capsys.readouterr().out

    # Forgetting the old key is refused while a value still uses it; never the case here, so it works.
    call_command("rotate-key", "--forget-previous")
    assert not (key_dir / "credentials.previous-keys").exists()
    with pytest.raises(CredentialsUnreadable):
        grant(0).decrypt(old_ciphertexts[items[0].id], keys=vault.key_ring().readable,
                         context=vault.integration_context(items[0].id))


def test_forgetting_a_key_still_in_use_is_refused(project, key_dir):
    item = integration(project, "1")
    credential_store(integration_id=item.id, credentials=grant(1))
    old_key = vault.key_ring().current
    call_command("rotate-key")
    Credential.objects.filter(integration=item).update(
        key_id=old_key.key_id, ciphertext=grant(1).encrypt(key=old_key, context=vault.integration_context(item.id)))
    with pytest.raises(CommandError, match="still use a previous key"):
        call_command("rotate-key", "--forget-previous")
    call_command("rotate-key", "--reencrypt-only")
    call_command("rotate-key", "--forget-previous")
    assert credential_load(integration_id=item.id).access_token == Secret("access-1-AAAA")


def test_rotation_with_the_key_in_the_environment(project, key_dir, settings, monkeypatch):
    old_key, new_key = CredentialsKey.generate(), CredentialsKey.generate()
    monkeypatch.setenv("ANALYTICAFLOW_CREDENTIALS_KEY", old_key.to_base64())
    item = integration(project, "1")
    credential_store(integration_id=item.id, credentials=grant(1))
    # The operator puts the new key in the environment and the old one among the previous keys.
    monkeypatch.setenv("ANALYTICAFLOW_CREDENTIALS_KEY", new_key.to_base64())
    settings.ANALYTICAFLOW_CREDENTIALS_PREVIOUS_KEYS = [old_key.to_base64()]
    assert credential_load(integration_id=item.id).access_token == Secret("access-1-AAAA")
    call_command("rotate-key")
    assert Credential.objects.get(integration=item).key_id == new_key.key_id
    assert not (key_dir / "credentials.key").exists()  # nothing generated: the environment holds the key
    # A key file cannot replace a key that comes from the environment.
    with pytest.raises(Conflict, match="ANALYTICAFLOW_CREDENTIALS_KEY"):
        credentials_rotate_key(generate=True)


def test_print_new_key_prints_a_usable_key(capsys, key_dir):
    call_command("rotate-key", "--print-new-key")
    printed = capsys.readouterr().out.strip()
    assert len(base64.b64decode(printed)) == 32 and CredentialsKey.from_base64(printed).key_id


def test_nothing_secret_in_answers_pages_admin_reprs_or_logs(google_fake, api_as, owner, project, browser,
                                                            warehouse, settings):
    case, fake = google_fake
    client = api_as(owner)
    with captured_logs("") as lines:  # every logger, at DEBUG
        body = link_account(client=client, browser=browser, project=project, case=case)
        fake.tokens.expire_access()  # a refresh too, so refreshed tokens pass through the logs
        client.post(f"/api/v1/projects/{project.id}/integrations/{body['id']}/sync")
        from analyticaflow.jobs.embedded import jobs_run_until_idle

        jobs_run_until_idle()
    secrets = [*fake.tokens.access, *fake.tokens.refresh, google_ads.CLIENT_SECRET, google_ads.DEVELOPER_TOKEN]
    ciphertexts = [Credential.objects.get().ciphertext]
    assert len(secrets) >= 5

    admin = make_user("admin@shop.test", admin=True)
    browser.force_login(admin)
    pages = [client.get(f"/api/v1/projects/{project.id}/integrations").content,
             client.get(f"/api/v1/projects/{project.id}/integrations/{body['id']}").content,
             client.get(f"/api/v1/projects/{project.id}/integrations/{body['id']}/runs").content,
             client.get(f"/api/v1/projects/{project.id}/integrations/{body['id']}/accounts").content,
             browser.get(f"/projects/{project.id}/integrations/").content]
    for model in (Integration, Credential, LinkRequest, SyncRun, Job):
        name = f"{model._meta.app_label}/{model._meta.model_name}"
        pages.append(browser.get(f"/admin/{name}/").content)
        for pk in model.objects.values_list("pk", flat=True):
            page = browser.get(f"/admin/{name}/{pk}/change/")
            assert page.status_code == 200, name
            pages.append(page.content)
    reprs = [repr(obj) + str(obj) for model in (Integration, Credential, LinkRequest, SyncRun, Job)
             for obj in model.objects.all()]
    raw_files = [path.read_bytes() for path in (Path(settings.DATA_DIR) / "raw").rglob("*.gz")]
    raw_text = [gzip.decompress(blob).decode() for blob in raw_files]
    assert raw_text, "the sync keeps its raw pages"
    assert any("HTTP Request" in line for line in lines) and any("refreshing" in line for line in lines)
    haystacks = [page.decode() for page in pages] + reprs + lines + raw_text
    for secret in secrets + ciphertexts:
        leaks = [text[:80] for text in haystacks if secret in text]
        assert not leaks, f"{secret[:12]}… leaked in {leaks}"
    assert logging.getLogger("httpx").filters  # the connectors' URL redaction is installed
