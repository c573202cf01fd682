from __future__ import annotations

import re
import stat

import httpx
import pytest
from django.core.management import CommandError, call_command

from analyticaflow.accounts.models import User
from tests.serving import run_cli, server_output, serving


def test_help_lists_the_product_commands(tmp_path):
    result = run_cli(tmp_path / "data", "--help")
    assert result.returncode == 0
    for command in ("serve", "demo", "createuser"):
        assert re.search(rf"^\s+{command}\s", result.stdout, re.M), command


@pytest.mark.parametrize("command", ["serve", "demo", "createuser", "migrate"])
def test_every_command_has_help(tmp_path, command):
    result = run_cli(tmp_path / "data", command, "--help")
    assert result.returncode == 0 and "usage:" in result.stdout


@pytest.mark.django_db
def test_createuser_is_non_interactive_and_hashes_the_password():
    call_command("createuser", email="ops@shop.test", password="a-long-enough-password", admin=True)
    user = User.objects.get(email="ops@shop.test")
    assert user.is_site_admin and user.check_password("a-long-enough-password")
    with pytest.raises(CommandError, match="already exists"):
        call_command("createuser", email="ops@shop.test", password="a-long-enough-password")
    with pytest.raises(CommandError, match="password"):
        call_command("createuser", email="weak@shop.test", password="123")


def test_secret_key_is_generated_once_and_kept_private(tmp_path):
    data = tmp_path / "data"
    script = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = run_cli(data, "shell", "--no-imports", "-c", script)
    second = run_cli(data, "shell", "--no-imports", "-c", script)
    assert first.returncode == 0, first.stderr
    key_file = data / "secret_key"
    assert first.stdout.strip() == second.stdout.strip() == key_file.read_text().strip()
    assert len(first.stdout.strip()) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


@pytest.mark.parametrize(("url", "engine"), [
    ("", "django.db.backends.sqlite3"),
    ("postgres://u:p@127.0.0.1:5999/shop", "django.db.backends.postgresql"),
])
def test_database_url_selects_the_metadata_database(tmp_path, url, engine):
    script = "from django.conf import settings; d = settings.DATABASES['default']; print(d['ENGINE'], d['NAME'])"
    result = run_cli(tmp_path / "data", "shell", "--no-imports", "-c", script, DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    printed_engine, name = result.stdout.split()
    assert printed_engine == engine
    assert name == (str(tmp_path / "data" / "metadata.sqlite3") if not url else "shop")


def test_serve_migrates_a_fresh_data_dir_and_answers_ui_and_api(tmp_path):
    data = tmp_path / "data"
    created = run_cli(data, "migrate", "--noinput")
    assert created.returncode == 0, created.stderr
    created = run_cli(data, "createuser", "--email", "boss@shop.test", "--password", "a-long-enough-password")
    assert created.returncode == 0, created.stderr
    with serving(data) as (url, _process):
        login = httpx.get(f"{url}/login/")
        assert login.status_code == 200 and "Log in" in login.text
        assert httpx.get(f"{url}/static/web/app.css").status_code == 200
        token = httpx.post(f"{url}/api/v1/auth/token", json={"email": "boss@shop.test",
                                                             "password": "a-long-enough-password"})
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access']}"}
        project = httpx.post(f"{url}/api/v1/projects", json={"name": "Shop"}, headers=headers)
        assert project.status_code == 201
        assert httpx.get(f"{url}/api/v1/projects", headers=headers).json()[0]["name"] == "Shop"
        assert httpx.get(f"{url}/api/v1/projects").status_code == 401
    assert "Traceback" not in server_output(data)


def test_serve_on_an_empty_data_dir_applies_migrations_itself(tmp_path):
    data = tmp_path / "fresh"
    with serving(data) as (url, _process):
        assert httpx.get(f"{url}/login/").status_code == 200
        assert httpx.post(f"{url}/api/v1/auth/token", json={"email": "x@y.z", "password": "p"}).status_code == 401


def demo_credentials(output: str) -> tuple[str, str]:
    email = re.search(r"email\s+(\S+)", output).group(1)
    password = re.search(r"password\s+(\S+)", output).group(1)
    return email, password


def test_demo_prints_credentials_that_log_in_on_the_served_page(tmp_path):
    data = tmp_path / "demo"
    with serving(data, "--data-dir", str(data), "--size", "small", command="demo") as (url, _process):
        email, password = demo_credentials(server_output(data))
        with httpx.Client(base_url=url) as browser:
            page = browser.get("/login/")
            csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
            response = browser.post("/login/", data={"email": email, "password": password,
                                                     "csrfmiddlewaretoken": csrf})
            assert response.status_code == 302 and response.headers["location"] == "/projects/"
            assert "Demo Shop" in browser.get("/projects/").text


def test_demo_starts_fresh_and_refuses_a_directory_it_did_not_create(tmp_path):
    data = tmp_path / "demo"
    first = run_cli(data, "demo", "--data-dir", str(data), "--size", "small", "--no-serve")
    second = run_cli(data, "demo", "--data-dir", str(data), "--size", "small", "--no-serve")
    assert first.returncode == second.returncode == 0, second.stderr
    assert demo_credentials(first.stdout)[1] != demo_credentials(second.stdout)[1]
    foreign = tmp_path / "precious"
    foreign.mkdir()
    (foreign / "thesis.txt").write_text("do not delete")
    refused = run_cli(foreign, "demo", "--data-dir", str(foreign), "--no-serve")
    assert refused.returncode != 0 and "not empty" in refused.stderr
    assert (foreign / "thesis.txt").exists()
