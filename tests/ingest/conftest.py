"""A real ``analyticaflow serve`` process for the capture tests, with its own data dir and two projects.

The capture endpoints run in front of Django, so they are tested over real HTTP; stored events are read
back through the event log's contract (``read``) from the server's log file.
"""

from __future__ import annotations

import base64
import shutil
import uuid
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson
import pytest

from analyticaflow.eventlog.backends import open_event_log
from tests.factories import PASSWORD
from tests.serving import run_cli, serving

OWNER_EMAIL = "owner@capture.test"


def basic(write_key: str) -> dict[str, str]:
    """The Authorization header real SDKs send: the write key as Basic username, empty password."""
    return {"Authorization": "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()}


def new_id() -> str:
    return f"test-{uuid.uuid4()}"


def stored_events(data_dir: Path, *, project_id: int | None = None) -> list:
    """Every stored event of the server's SQLite log (optionally one project's), in seq order."""
    with closing(open_event_log(f"sqlite://{data_dir / 'events.sqlite3'}")) as log:
        events, after = [], 0
        while batch := log.read(after_seq=after, limit=10_000):
            events.extend(batch)
            after = batch[-1].seq
    return [e for e in events if project_id is None or e.record.project_id == project_id]


@dataclass
class Project:
    id: int
    write_key: str


@dataclass
class CaptureServer:
    url: str
    data_dir: Path
    token: str
    a: Project
    b: Project
    http: httpx.Client = field(repr=False)

    def post(self, path: str, body: dict | list | bytes, *, key: str | None = None, headers: dict | None = None):
        content = body if isinstance(body, bytes) else orjson.dumps(body)
        all_headers = {"Content-Type": "application/json", **(basic(key) if key else {}), **(headers or {})}
        return self.http.post(path, content=content, headers=all_headers)

    def api(self, method: str, path: str, **kwargs) -> httpx.Response:
        return self.http.request(method, path, headers={"Authorization": f"Bearer {self.token}"}, **kwargs)

    def new_project(self, name: str) -> Project:
        response = self.api("POST", "/api/v1/projects", json={"name": name})
        assert response.status_code == 201, response.text
        return Project(id=response.json()["id"], write_key=response.json()["write_key"])

    def events(self, project: Project) -> list:
        return stored_events(self.data_dir, project_id=project.id)

    def payloads_by_id(self, project: Project) -> dict[str, dict]:
        return {e.record.message_id: orjson.loads(e.record.payload) for e in self.events(project)}


@pytest.fixture(scope="session")
def owner_template(tmp_path_factory) -> Path:
    """A migrated data dir with the owner user, made once per session (the CLI takes seconds per command)."""
    data_dir = tmp_path_factory.mktemp("owner-template") / "data"
    data_dir.mkdir()
    for args in (("migrate", "-v", "0"), ("createuser", "--email", OWNER_EMAIL, "--password", PASSWORD)):
        result = run_cli(data_dir, *args)
        assert result.returncode == 0, result.stderr
    return data_dir


@pytest.fixture
def owner_data_dir(owner_template, tmp_path) -> Path:
    """A fresh copy of the owner's data dir for one test's server."""
    return Path(shutil.copytree(owner_template, tmp_path / "data"))


def login(http: httpx.Client) -> str:
    response = http.post("/api/v1/auth/token", json={"email": OWNER_EMAIL, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return response.json()["access"]


@pytest.fixture(scope="session")
def capture_server(tmp_path_factory, owner_template) -> Iterator[CaptureServer]:
    data_dir = Path(shutil.copytree(owner_template, tmp_path_factory.mktemp("capture") / "data"))
    # Write keys are cached for 1 s here (5 s by default), so rotation tests stay quick.
    with serving(data_dir, ANALYTICAFLOW_WRITE_KEY_CACHE_SECONDS="1") as (url, _process), \
            httpx.Client(base_url=url, timeout=30) as http:
        server = CaptureServer(url=url, data_dir=data_dir, token=login(http), a=None, b=None, http=http)
        server.a, server.b = server.new_project("Shop A"), server.new_project("Shop B")
        yield server
