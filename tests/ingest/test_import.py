"""Backfilling history: ``analyticaflow import events`` and ``POST /api/v1/projects/{id}/events/import``."""

from __future__ import annotations

import gzip
import io
from contextlib import closing
from datetime import UTC, datetime

import orjson
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from analyticaflow.eventlog.backends import open_event_log, reset_event_log
from analyticaflow.ingest.importing import MAX_LINE_BYTES, numbered_lines, parse_line
from analyticaflow.ingest.services import events_import
from tests.factories import add_member, make_user
from tests.ingest.conftest import new_id
from tests.serving import run_cli

pytestmark = pytest.mark.timeout(120)


def jsonl(*messages) -> bytes:
    return b"".join((m if isinstance(m, bytes) else orjson.dumps(m)) + b"\n" for m in messages)


HISTORY = [
    {"type": "page", "anonymousId": "a-1", "name": "Home", "timestamp": "2023-03-01T10:00:00Z",
     "sentAt": "2023-03-01T10:00:30Z", "context": {"campaign": {"source": "newsletter"}}},
    {"type": "track", "userId": "u-1", "timestamp": "2023-03-01T10:05:00Z"},  # no event: rejected
    {"type": "track", "event": "Order Completed", "userId": "u-1", "timestamp": "2023-03-01T10:06:00+01:00",
     "properties": {"order_id": "o-1", "revenue": 80}},
]


# -- reading lines ---------------------------------------------------------------------------------------


def test_lines_are_numbered_blank_ones_skipped_and_overlong_ones_flagged_without_being_held():
    long_line = b'{"pad": "' + b"x" * (MAX_LINE_BYTES + 10) + b'"}\n'
    stream = io.BytesIO(b'{"a": 1}\n\n   \n' + long_line + b'{"b": 2}\n{"c": 3}')
    assert list(numbered_lines(stream)) == [(1, b'{"a": 1}\n'), (4, None), (5, b'{"b": 2}\n'), (6, b'{"c": 3}')]


def test_a_line_without_message_id_gets_one_derived_from_its_bytes():
    line = orjson.dumps({"type": "track", "event": "E", "userId": "u"})
    (_, first), (_, second) = parse_line(1, line + b"\n"), parse_line(9, line)
    assert first["messageId"] == second["messageId"]
    assert parse_line(1, line.replace(b"E", b"F"))[1]["messageId"] != first["messageId"]
    assert parse_line(1, b'{"messageId": "kept"}')[1]["messageId"] == "kept"


# -- the service, on a real SQLite log --------------------------------------------------------------------


@pytest.fixture
def event_log(tmp_path):
    with closing(open_event_log(f"sqlite://{tmp_path / 'events.sqlite3'}")) as log:
        yield log


def payloads(log) -> dict[str, dict]:
    return {e.record.message_id: orjson.loads(e.record.payload) for e in log.read(after_seq=0, limit=100_000)}


def test_import_keeps_history_timestamps_and_reports_rejected_lines(event_log):
    data = jsonl(HISTORY[0], b"{oops", HISTORY[1], HISTORY[2])
    report = events_import(project_id=3, stream=io.BytesIO(data), event_log=event_log)
    assert report.as_dict() == {"lines": 4, "accepted": 2, "duplicates": 0, "rejected_count": 2, "rejected": [
        {"line": 2, "messageId": None, "errors": {"message": [report.rejected[0].errors["message"][0]]}},
        {"line": 3, "messageId": report.rejected[1].message_id, "errors": {"event": ["is required"]}},
    ]}
    assert report.rejected[0].errors["message"][0].startswith("is not valid JSON")
    events = event_log.read(after_seq=0, limit=10)
    assert [e.record.timestamp for e in events] == [datetime(2023, 3, 1, 10, 0, tzinfo=UTC),
                                                    datetime(2023, 3, 1, 9, 6, tzinfo=UTC)]
    assert all(e.record.project_id == 3 for e in events)
    first = orjson.loads(events[0].record.payload)
    assert first["timestamp"] == "2023-03-01T10:00:00Z" and "originalTimestamp" not in first
    assert first["context"] == {"campaign": {"source": "newsletter"}}


def test_importing_the_same_file_twice_stores_its_events_once(event_log):
    data = jsonl(*HISTORY)
    first = events_import(project_id=3, stream=io.BytesIO(data), event_log=event_log)
    second = events_import(project_id=3, stream=io.BytesIO(data), event_log=event_log)
    assert (first.accepted, first.duplicates) == (2, 0)
    assert (second.accepted, second.duplicates) == (2, 2)
    assert len(event_log.read(after_seq=0, limit=10)) == 2


def test_import_streams_in_chunks_and_keeps_rejections_in_line_order(event_log):
    lines = []
    for number in range(1, 26):
        if number % 5 == 0:
            lines.append({"type": "track", "userId": "u", "messageId": f"bad-{number}"})
        elif number % 7 == 0:
            lines.append(b"not json")
        else:
            lines.append({"type": "track", "event": "E", "userId": "u", "messageId": f"m-{number}"})
    report = events_import(project_id=3, stream=io.BytesIO(jsonl(*lines)), event_log=event_log, chunk_size=4)
    assert [r.index for r in report.rejected] == [5, 7, 10, 14, 15, 20, 21, 25]
    assert (report.lines, report.accepted, report.rejected_count) == (25, 17, 8)
    assert len(payloads(event_log)) == 17


def test_an_unavailable_log_interrupts_the_import_with_what_was_stored(tmp_path):
    from analyticaflow.ingest.importing import ImportInterrupted

    log = open_event_log(f"sqlite://{tmp_path / 'events.sqlite3'}")
    log.close()  # a closed log refuses appends as unavailable
    with pytest.raises(ImportInterrupted) as caught:
        events_import(project_id=3, stream=io.BytesIO(jsonl(*HISTORY)), event_log=log)
    assert caught.value.line == 1 and caught.value.report.accepted == 0


# -- the command, as a user runs it against a live server's data dir ---------------------------------------


def test_the_import_command_reports_line_numbers_and_dedupes(capture_server, tmp_path):
    marker = new_id()
    history = [{**message, "messageId": f"{marker}-{index}"} for index, message in enumerate(HISTORY)]
    path = tmp_path / "history.jsonl"
    path.write_bytes(jsonl(history[0], b"[1, 2", history[1], history[2]))
    project = capture_server.a

    first = run_cli(capture_server.data_dir, "import", "events", str(path), "--project", str(project.id))
    assert first.returncode == 1, first.stderr  # some lines were rejected
    assert "4 lines: 2 accepted (0 already stored), 2 rejected" in first.stdout
    assert "line 2: message: is not valid JSON" in first.stdout
    assert f"line 3 (messageId {marker}-1): event: is required" in first.stdout
    stored = capture_server.payloads_by_id(project)
    assert f"{marker}-0" in stored and f"{marker}-2" in stored and f"{marker}-1" not in stored

    gz = tmp_path / "history.jsonl.gz"
    gz.write_bytes(gzip.compress(jsonl(history[0], history[2])))
    again = run_cli(capture_server.data_dir, "import", "events", str(gz), "--project", str(project.id), "--json")
    assert again.returncode == 0, again.stderr
    assert orjson.loads(again.stdout) == {"lines": 2, "accepted": 2, "duplicates": 2, "rejected_count": 0,
                                          "rejected": []}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--project", "999999"), "No project with id 999999"),
        (("--project", "1", "/nonexistent/file.jsonl"), "Cannot read /nonexistent/file.jsonl"),
    ],
)
def test_the_import_command_explains_bad_arguments(capture_server, tmp_path, args, message):
    path = tmp_path / "one.jsonl"
    path.write_bytes(jsonl(HISTORY[0]))
    positional = [a for a in args if a.startswith("/")]
    options = [a for a in args if not a.startswith("/")]
    result = run_cli(capture_server.data_dir, "import", "events", *(positional or [str(path)]), *options)
    assert result.returncode != 0
    assert message in result.stderr


# -- the API upload (a Django view: the test client reaches it) -------------------------------------------


@pytest.fixture
def upload_log(tmp_path):
    url = f"sqlite://{tmp_path / 'upload-events.sqlite3'}"
    with override_settings(ANALYTICAFLOW_EVENT_LOG_URL=url):
        yield url
    reset_event_log()


def stored_in(url: str) -> list:
    with closing(open_event_log(url)) as log:
        return log.read(after_seq=0, limit=100)


def test_the_api_upload_accepts_a_jsonl_body(as_user, owner, project, upload_log):
    response = as_user(owner).generic("POST", f"/api/v1/projects/{project.id}/events/import", jsonl(*HISTORY),
                                      content_type="application/x-ndjson")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["lines"], body["accepted"], body["duplicates"], body["rejected_count"]) == (3, 2, 0, 1)
    assert body["rejected"] == [{"line": 2, "messageId": body["rejected"][0]["messageId"],
                                 "errors": {"event": ["is required"]}}]
    assert [e.record.project_id for e in stored_in(upload_log)] == [project.id, project.id]


def test_the_api_upload_accepts_gzip_and_multipart_files(as_user, owner, project, upload_log):
    client = as_user(owner)
    zipped = client.generic("POST", f"/api/v1/projects/{project.id}/events/import", gzip.compress(jsonl(HISTORY[0])),
                            content_type="application/x-ndjson", HTTP_CONTENT_ENCODING="gzip")
    assert zipped.status_code == 200, zipped.content
    assert zipped.json()["accepted"] == 1
    upload = SimpleUploadedFile("history.jsonl.gz", gzip.compress(jsonl(*HISTORY)))
    multipart = client.post(f"/api/v1/projects/{project.id}/events/import", {"file": upload}, format="multipart")
    assert multipart.status_code == 200, multipart.content
    assert (multipart.json()["accepted"], multipart.json()["duplicates"]) == (2, 1)
    assert len(stored_in(upload_log)) == 2


@pytest.mark.parametrize(
    ("body", "options", "code"),
    [
        (b"", {"content_type": "application/x-ndjson"}, "invalid"),
        (b"\x1f\x8b garbage", {"content_type": "application/x-ndjson", "HTTP_CONTENT_ENCODING": "gzip"},
         "malformed_body"),
    ],
)
def test_the_api_upload_refuses_unreadable_bodies(as_user, owner, project, upload_log, body, options, code):
    response = as_user(owner).generic("POST", f"/api/v1/projects/{project.id}/events/import", body, **options)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == code


def test_the_api_upload_needs_a_file_field_in_multipart(as_user, owner, project, upload_log):
    response = as_user(owner).post(f"/api/v1/projects/{project.id}/events/import", {"other": "x"},
                                   format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["error"]["fields"]


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("marketer", 200), (None, 403)])
def test_the_api_upload_needs_a_member_who_may_write(as_user, project, upload_log, role, status):
    user = make_user(f"{role or 'stranger'}@shop.test")
    if role:
        add_member(project, user, role)
    response = as_user(user).generic("POST", f"/api/v1/projects/{project.id}/events/import", jsonl(HISTORY[0]),
                                     content_type="application/x-ndjson")
    assert response.status_code == status, response.content


def test_the_api_upload_needs_authentication(api, project, upload_log):
    response = api.generic("POST", f"/api/v1/projects/{project.id}/events/import", jsonl(HISTORY[0]),
                           content_type="application/x-ndjson")
    assert response.status_code == 401
