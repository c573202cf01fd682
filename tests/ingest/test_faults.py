"""Capture under faults, with real server processes: ``kill -9`` mid-ingest, and Redis unreachable."""

from __future__ import annotations

import os
import signal
import threading
import time
from contextlib import closing

import httpx
import orjson
import pytest

from analyticaflow.eventlog.backends import open_event_log
from tests.ingest.conftest import basic, login, stored_events
from tests.plugins.servers import free_port
from tests.serving import serving

pytestmark = pytest.mark.timeout(180)

CLIENTS = 4
BATCH = 50


def create_project(http: httpx.Client, token: str) -> tuple[int, str]:
    response = http.post("/api/v1/projects", json={"name": "Faulty shop"}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.text
    return response.json()["id"], response.json()["write_key"]


def sustained_ingest(url: str, write_key: str, client: int, acknowledged: set[str], sent: set[str],
                     stop: threading.Event) -> None:
    """Post batches until the server dies; remember every messageId of every batch answered 2xx."""
    with httpx.Client(base_url=url, timeout=10, headers=basic(write_key)) as http:
        number = 0
        while not stop.is_set():
            ids = [f"c{client}-{number + i}" for i in range(BATCH)]
            number += BATCH
            batch = [{"type": "track", "event": "Product Viewed", "anonymousId": f"a{client}", "messageId": i,
                      "properties": {"sku": i}} for i in ids]
            sent.update(ids)
            try:
                response = http.post("/v1/batch", content=orjson.dumps({"batch": batch}))
            except httpx.HTTPError:
                return  # the server is gone
            if 200 <= response.status_code < 300:
                assert response.json()["accepted"] == BATCH
                acknowledged.update(ids)


def test_every_acknowledged_event_survives_kill_9_of_the_server(owner_data_dir):
    data_dir = owner_data_dir
    acknowledged: set[str] = set()
    sent: set[str] = set()
    stop = threading.Event()
    with serving(data_dir) as (url, process):
        with httpx.Client(base_url=url, timeout=30) as http:
            project_id, write_key = create_project(http, login(http))
        threads = [threading.Thread(target=sustained_ingest, args=(url, write_key, n, acknowledged, sent, stop))
                   for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 20
        while len(acknowledged) < 3000 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)  # the whole server: master and worker, mid-request
        process.wait()
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert len(acknowledged) >= 3000, "the server did not sustain ingest before the kill"

    with serving(data_dir) as (url, _process), httpx.Client(base_url=url, timeout=30, headers=basic(write_key)) as http:
        after = http.post("/v1/track", content=orjson.dumps({"event": "After restart", "userId": "u",
                                                             "messageId": "after-restart"}))
        assert after.status_code == 200, after.text
    stored = [e.record.message_id for e in stored_events(data_dir, project_id=project_id)]
    assert len(stored) == len(set(stored))  # each stored once
    assert acknowledged <= set(stored)
    assert set(stored) <= sent | {"after-restart"}


def unreachable_redis(data_dir) -> str:
    return f"redis://127.0.0.1:{free_port()}/0"


def unopenable_sqlite_file(data_dir) -> str:
    blocked = data_dir.parent / "blocked"
    blocked.write_text("a file where the log's directory should be")
    return f"sqlite://{blocked}/events.sqlite3"


@pytest.mark.parametrize("log_url_of", [unreachable_redis, unopenable_sqlite_file], ids=lambda f: f.__name__)
def test_an_unavailable_event_log_answers_503_with_retry_after_and_never_500(owner_data_dir, log_url_of):
    data_dir = owner_data_dir
    with serving(data_dir, ANALYTICAFLOW_EVENT_LOG_URL=log_url_of(data_dir)) as (url, _), \
            httpx.Client(base_url=url, timeout=30) as http:
        _, write_key = create_project(http, login(http))
        for path, body in (("/v1/track", {"event": "E", "userId": "u"}),
                           ("/v1/batch", {"batch": [{"type": "page", "anonymousId": "a"}] * 3})):
            response = http.post(path, content=orjson.dumps(body), headers=basic(write_key))
            assert response.status_code == 503, response.text
            assert int(response.headers["Retry-After"]) > 0
            assert response.json()["error"]["code"] == "unavailable"
            assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_capture_in_scale_mode_stores_into_redis(owner_data_dir, redis_url):
    data_dir = owner_data_dir
    log_url = f"{redis_url}?prefix=capture-{os.getpid()}"
    with serving(data_dir, ANALYTICAFLOW_EVENT_LOG_URL=log_url) as (url, _), \
            httpx.Client(base_url=url, timeout=30) as http:
        project_id, write_key = create_project(http, login(http))
        batch = [{"type": "track", "event": "E", "userId": "u", "messageId": f"r-{n}"} for n in range(3)]
        first = http.post("/v1/batch", content=orjson.dumps({"batch": batch}), headers=basic(write_key))
        again = http.post("/v1/batch", content=orjson.dumps({"batch": batch}), headers=basic(write_key))
    assert first.json() == {"success": True, "accepted": 3, "duplicates": 0, "rejected": []}
    assert again.json() == {"success": True, "accepted": 3, "duplicates": 3, "rejected": []}
    with closing(open_event_log(log_url)) as log:
        stored = log.read(after_seq=0, limit=100)
    assert [(e.record.project_id, e.record.message_id) for e in stored] == [(project_id, f"r-{n}") for n in range(3)]
