"""Files in the data dir through which the CLI talks to the running projector.

DuckDB lets one process open the warehouse read-write, and in embedded mode that is the server. So
``analyticaflow replay`` does not open it while a server runs; it hands the work over:

- ``projector/heartbeat.json`` — written about every second by the projector (server thread or worker):
  its pid, the time, and the projection status (what ``replay --status`` prints);
- ``projector/replay-request.json`` — written by the CLI: a request id and the project to replay (or all);
  the projector starts (or resumes) that replay between its live chunks and deletes the file when done;
- ``projector/replay-status.json`` — the replay's progress, written by the projector after every step.

Every file is replaced atomically (write a temporary file, then rename), so a reader never sees half of one.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

HEARTBEAT_FRESH_SECONDS = 15.0


def control_dir(data_dir: Path) -> Path:
    path = Path(data_dir) / "projector"
    path.mkdir(parents=True, exist_ok=True)
    return path


def heartbeat_path(data_dir: Path) -> Path:
    return control_dir(data_dir) / "heartbeat.json"


def request_path(data_dir: Path) -> Path:
    return control_dir(data_dir) / "replay-request.json"


def status_path(data_dir: Path) -> Path:
    return control_dir(data_dir) / "replay-status.json"


def write_json(path: Path, value: Any) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(value, default=str, indent=1))
    os.replace(temporary, path)


def read_json(path: Path) -> Any | None:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def live_projector(data_dir: Path) -> dict | None:
    """The heartbeat of a projector running on this data dir right now, or None."""
    beat = read_json(heartbeat_path(data_dir))
    if not isinstance(beat, dict):
        return None
    fresh = time.time() - float(beat.get("at", 0)) < HEARTBEAT_FRESH_SECONDS
    if not fresh or not _pid_alive(int(beat.get("pid", 0))) or beat.get("stopped"):
        return None
    return beat


def request_replay(data_dir: Path, *, project_id: int | None) -> str:
    request_id = uuid.uuid4().hex
    write_json(request_path(data_dir), {"request_id": request_id, "project_id": project_id, "at": time.time()})
    return request_id


def pending_request(data_dir: Path) -> dict | None:
    request = read_json(request_path(data_dir))
    return request if isinstance(request, dict) and request.get("request_id") else None


def finish_request(data_dir: Path, request_id: str) -> None:
    request = pending_request(data_dir)
    if request is not None and request["request_id"] == request_id:
        request_path(data_dir).unlink(missing_ok=True)
