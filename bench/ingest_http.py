"""Capture throughput over real HTTP, next to a raw SQLite ``executemany`` of the same rows, in the same run.

    .venv/bin/python bench/ingest_http.py [--seconds 10] [--batch-clients 2] [--batch-connections 4]
                                          [--track-clients 2] [--track-connections 16] [--threads 16]
                                          [--synchronous full|normal] [--message-ids sequential|random]
                                          [--with-projector]

What it does, in a fresh temporary data dir:

1. starts the real server (``analyticaflow serve``: granian, embedded SQLite event log) on loopback, with its
   in-process projector off unless ``--with-projector`` (capture alone is what is measured by default);
2. ``/v1/batch``: ``--batch-clients`` load-generator processes x ``--batch-connections`` keep-alive connections,
   each posting 100 distinct events per request (≈ 600-byte Segment messages with context, UTM, traits) for
   ``--seconds``; counts the events the server answered 200 for (= committed to the log);
3. ``/v1/track``: ``--track-clients`` processes x ``--track-connections`` connections, one event per request;
4. samples the server's RSS and PSS (main process + worker) every 100 ms and reports the peaks, the server's
   CPU time per accepted event (a figure much less sensitive than events/s to other work loading the machine),
   split by thread (request threads, the event log's writer and checkpointer), and the load generator's, and
   the ceilings they imply on 2 cores (server alone; server and clients sharing them);
5. checks the log holds exactly the events acknowledged;
6. reference: the very rows the server stored (same payloads, prepared by the same pipeline) inserted with
   raw ``executemany`` into a fresh file with the log's schema and pragmas — in one transaction (the physical
   bound of SQLite from Python) and in one transaction per 100 rows (per-request durability without group
   commit) — and prints each HTTP rate's ratio to them, with the reference's CPU time per row.

The load generator (``bench/http_load.py``) costs little: every request is a pre-built template (HTTP head and
body) joined with fresh fixed-width messageIds and sent over raw keep-alive sockets from one ``selectors`` loop per
process, so no JSON is encoded and no HTTP library runs while timing; its CPU per event is printed.
The load generator runs on the same 2 cores as the server: the figures are what the server achieves while
sharing the machine with its clients. ``--message-ids random`` sends random UUID messageIds as real SDKs do
(the dedupe index then takes one random page per event); ``sequential`` (the default, comparable with earlier
runs) sends ids that sort in sending order.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import logging
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import http_load
import httpx
import orjson

logging.getLogger("httpx").setLevel(logging.WARNING)  # Django's logging config would print every request

ROOT = Path(__file__).resolve().parent.parent
EVENT_NAMES = ["Product Viewed", "Product Added", "Checkout Started", "Order Completed", "Signed Up"]


MESSAGE_IDS = {"sequential": False, "random": True}


def message_id(run: str, client: int, number: int, *, random_ids: bool = False) -> str:
    """Unique per (run, client, number): in sending order, or a UUID that looks random (as SDKs send)."""
    text = f"{run}-{client}-{number}"
    if not random_ids:
        return text
    return str(uuid.UUID(bytes=hashlib.md5(text.encode()).digest(), version=4))


def message(run: str, client: int, number: int, *, random_ids: bool = False) -> dict:
    """One realistic Segment track call (≈ 600 bytes), unique by messageId."""
    return {
        "type": "track",
        "event": EVENT_NAMES[number % len(EVENT_NAMES)],
        "messageId": message_id(run, client, number, random_ids=random_ids),
        "anonymousId": f"anon-{(client * 7919 + number) % 50_000}",
        "userId": f"user-{number % 10_000}" if number % 3 == 0 else None,
        "timestamp": "2024-05-01T12:00:00.123Z",
        "properties": {"product_id": f"sku-{number % 900}", "price": 19.99, "currency": "EUR"},
        "context": {
            "page": {"url": "https://shop.example/p/123?utm_source=google&utm_medium=cpc", "referrer":
                     "https://www.google.com/"},
            "campaign": {"source": "google", "medium": "cpc", "name": "spring-sale"},
            "userAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124",
            "ip": "203.0.113.9",
            "library": {"name": "analytics-python", "version": "2.4.0"},
        },
    }


# -- load generators (separate processes, raw keep-alive sockets, requests from templates) --------------------

BATCH_TEMPLATES = 10  # distinct 100-message bodies a batch client cycles through (messageIds always fresh)
TRACK_TEMPLATES = 100  # distinct single messages a track client cycles through


def auth_headers(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode(),
            "Content-Type": "application/json"}


def batch_templates(key: str, run: str, client: int, id_width: int) -> list[http_load.Template]:
    sent_at = datetime.now(UTC).isoformat()
    bodies = []
    for number in range(0, BATCH_TEMPLATES * 100, 100):
        batch = [{**message(run, client, number + i), "messageId": http_load.SLOT} for i in range(100)]
        bodies.append(orjson.dumps({"batch": batch, "sentAt": sent_at}))
    return [http_load.template(path="/v1/batch", headers=auth_headers(key), body=body, id_width=id_width)
            for body in bodies]


def track_templates(key: str, run: str, client: int, id_width: int) -> list[http_load.Template]:
    templates = []
    for number in range(TRACK_TEMPLATES):
        body = {**message(run, client, number), "messageId": http_load.SLOT}
        del body["type"]
        templates.append(http_load.template(path="/v1/track", headers=auth_headers(key), body=orjson.dumps(body),
                                            id_width=id_width))
    return templates


def accepted_of_batch(body: bytes) -> int:
    return orjson.loads(body)["accepted"]


def load_client(kind: str, address: tuple[str, int], key: str, run: str, client: int, connections: int,
                random_ids: bool, start_at: float, stop_at: float, out) -> None:
    """One load-generator process: ``connections`` keep-alive connections posting ``kind`` requests."""
    ids = http_load.IdSource(run=run, client=client, random_ids=random_ids)
    if kind == "batch":
        templates, accepted_of = batch_templates(key, run, client, ids.width), accepted_of_batch
    else:
        templates, accepted_of = track_templates(key, run, client, ids.width), (lambda body: 1)
    turn = 0

    def next_request() -> bytes:
        nonlocal turn
        chosen = templates[turn % len(templates)]
        turn += 1
        return chosen.fill(ids.take(chosen.slots))

    tally = http_load.drive_connections(address=address, connections=connections, next_request=next_request,
                                        accepted_of=accepted_of, start_at=start_at, stop_at=stop_at)
    out.put((tally.accepted, tally.requests, tally.errors, tally.cpu_seconds))


@dataclass
class Phase:
    accepted: int  # events answered 200
    requests: int
    errors: int
    seconds: float
    server_cpu: float  # CPU seconds the server processes used during the phase
    server_threads: dict[str, float]  # the same, by thread name (the threads of one name summed)
    client_cpu: float  # CPU seconds the load generator used

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds

    @property
    def cpu_per_event_us(self) -> float:
        return self.server_cpu / max(self.accepted, 1) * 1e6

    @property
    def client_cpu_per_event_us(self) -> float:
        return self.client_cpu / max(self.accepted, 1) * 1e6


def drive(target, args_of, processes: int, seconds: float, server_pid: int) -> Phase:
    out = multiprocessing.Queue()
    start_at = time.time() + 1.0
    stop_at = start_at + seconds
    pool = [multiprocessing.Process(target=target, args=(*args_of(n), start_at, stop_at, out))
            for n in range(processes)]
    for process in pool:
        process.start()
    time.sleep(max(0.0, start_at - time.time()))
    cpu_before = thread_cpu_seconds(process_tree(server_pid))
    results = [out.get() for _ in pool]
    cpu_after = thread_cpu_seconds(process_tree(server_pid))
    by_name: dict[str, float] = {}
    for task, (name, seconds_used) in cpu_after.items():
        by_name[name] = by_name.get(name, 0.0) + seconds_used - cpu_before.get(task, (name, 0.0))[1]
    for process in pool:
        process.join()
    return Phase(accepted=sum(r[0] for r in results), requests=sum(r[1] for r in results),
                 errors=sum(r[2] for r in results), seconds=seconds,
                 server_cpu=sum(by_name.values()), server_threads=by_name,
                 client_cpu=sum(r[3] for r in results))


# -- the server ------------------------------------------------------------------------------------------------


def memory_kib(pid: int, *, field: str, source: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/{source}").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kib(pid: int) -> int:
    return memory_kib(pid, field="VmRSS:", source="status")


def pss_kib(pid: int) -> int:
    """Proportional set size: pages shared with other processes (the forked worker's) count by their share."""
    return memory_kib(pid, field="Pss:", source="smaps_rollup")


def thread_cpu_seconds(pids: list[int]) -> dict[tuple[int, int], tuple[str, float]]:
    """User + system CPU time so far of every thread of the processes: (pid, tid) -> (thread name, seconds).

    Threads that ended since the last look are not counted (the server's threads live as long as it does).
    """
    tick = os.sysconf("SC_CLK_TCK")
    threads = {}
    for pid in pids:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                fields = Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
                name = Path(f"/proc/{pid}/task/{tid}/comm").read_text().strip()
            except OSError:
                continue
            threads[(pid, int(tid))] = (name, (int(fields[11]) + int(fields[12])) / tick)
    return threads


def process_tree(pid: int) -> list[int]:
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return pids
    for child in children:
        pids.extend(process_tree(int(child)))
    return pids


class RssSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self.peak_pss_kib, self.running = pid, 0, 0, True

    def run(self) -> None:
        while self.running:
            pids = process_tree(self.pid)
            self.peak_kib = max(self.peak_kib, sum(rss_kib(p) for p in pids))
            self.peak_pss_kib = max(self.peak_pss_kib, sum(pss_kib(p) for p in pids))
            time.sleep(0.1)


def prepare_data_dir(data_dir: Path) -> str:
    """Migrate, create a user and a project; return the project's write key."""
    code = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
        "from analyticaflow.accounts import services\n"
        "user = services.user_create(email='bench@shop.test', password='bench-password-123', is_admin=False)\n"
        "print(services.project_create(owner=user, name='Bench', timezone_name='UTC', currency='EUR').write_key)\n"
    )
    env = {**os.environ, "ANALYTICAFLOW_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "analyticaflow.settings"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT,
                            check=True)
    return result.stdout.strip().splitlines()[-1]


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise TimeoutError(f"the server at {url} did not start")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- the reference ---------------------------------------------------------------------------------------------


def reference_rows(count: int, *, random_ids: bool) -> list[tuple]:
    """The rows the server stores for ``count`` batch events, made by the same pipeline."""
    from analyticaflow.eventlog.sqlite import row_of
    from analyticaflow.ingest.pipeline import Envelope, prepare_messages

    envelope = Envelope(project_id=1, received_at=datetime.now(UTC), sent_at=datetime.now(UTC).isoformat())
    prepared = prepare_messages(((n, message("ref", 0, n, random_ids=random_ids)) for n in range(count)), envelope)
    return [row_of(record) for record in prepared.records]


def raw_executemany(path: Path, rows: list[tuple], *, per_commit: int | None, synchronous: str) -> float:
    from analyticaflow.eventlog.sqlite import INSERT, SCHEMA

    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={synchronous.upper()}")
    connection.execute("PRAGMA cache_size=-65536")
    for statement in SCHEMA:
        connection.execute(statement)
    size = per_commit or len(rows)
    began, cpu_began = time.perf_counter(), time.process_time()
    for offset in range(0, len(rows), size):
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(INSERT, rows[offset:offset + size])
        connection.execute("COMMIT")
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    (stored,) = connection.execute("SELECT count(*) FROM events").fetchone()
    connection.close()
    assert stored == len(rows), (stored, len(rows))
    return seconds, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--batch-clients", type=int, default=2, help="load-generator processes for /v1/batch")
    parser.add_argument("--batch-connections", type=int, default=4, help="keep-alive connections per batch process")
    parser.add_argument("--track-clients", type=int, default=2, help="load-generator processes for /v1/track")
    parser.add_argument("--track-connections", type=int, default=16,
                        help="keep-alive connections per /v1/track process")
    parser.add_argument("--threads", type=int, default=16, help="server threads (analyticaflow serve --threads)")
    parser.add_argument("--synchronous", choices=["full", "normal"], default="full")
    parser.add_argument("--reference-events", type=int, default=200_000)
    parser.add_argument("--message-ids", choices=sorted(MESSAGE_IDS), default="sequential",
                        help="messageIds in sending order (default) or random UUIDs as the SDKs send")
    parser.add_argument("--with-projector", action="store_true",
                        help="keep the embedded server's projector thread on (it follows the log into DuckDB "
                             "inside the server process); off by default to measure capture alone")
    args = parser.parse_args()
    random_ids = MESSAGE_IDS[args.message_ids]

    sys.path.insert(0, str(ROOT))
    load_before = f"{os.getloadavg()[0]:.1f}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "analyticaflow.settings")
    with tempfile.TemporaryDirectory(prefix="af-bench-ingest-") as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        os.environ["ANALYTICAFLOW_DATA_DIR"] = str(data_dir)
        import django

        django.setup()
        logging.getLogger("httpx").setLevel(logging.WARNING)
        key = prepare_data_dir(data_dir)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log_path = data_dir / "events.sqlite3"
        env = {**os.environ, "ANALYTICAFLOW_EVENT_LOG_URL": f"sqlite://{log_path}?synchronous={args.synchronous}",
               "ANALYTICAFLOW_PROJECTOR_IN_SERVER": "1" if args.with_projector else "0"}
        server = subprocess.Popen(
            [sys.executable, "-m", "analyticaflow.cli", "serve", "--port", str(port), "--threads", str(args.threads)],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            wait_for(url)
            sampler = RssSampler(server.pid)
            sampler.start()
            run = f"r{int(time.time())}"
            address = ("127.0.0.1", port)
            batch = drive(load_client, lambda n: ("batch", address, key, run, n, args.batch_connections, random_ids),
                          args.batch_clients, args.seconds, server.pid)
            track = drive(load_client, lambda n: ("track", address, key, run + "t", n, args.track_connections,
                                                  random_ids), args.track_clients, args.seconds, server.pid)
            sampler.running = False
            sampler.join()
        finally:
            server.terminate()
            server.wait(timeout=30)
        stored = sqlite3.connect(log_path).execute("SELECT count(*) FROM events").fetchone()[0]
        assert stored == batch.accepted + track.accepted, (stored, batch.accepted, track.accepted)

        rows = reference_rows(args.reference_events, random_ids=random_ids)
        one_tx, one_tx_cpu = raw_executemany(Path(tmp) / "raw.sqlite3", rows, per_commit=None,
                                             synchronous=args.synchronous)
        per_100, per_100_cpu = raw_executemany(Path(tmp) / "raw100.sqlite3", rows, per_commit=100,
                                               synchronous=args.synchronous)

    bound, bound_100 = len(rows) / one_tx, len(rows) / per_100
    bound_cpu_us, bound_100_cpu_us = one_tx_cpu / len(rows) * 1e6, per_100_cpu / len(rows) * 1e6
    payload = sum(len(r[-1]) for r in rows) // len(rows)
    print(f"machine: {os.cpu_count()} cores, load average before/after {load_before} / {os.getloadavg()[0]:.1f} "
          f"(other work shares the machine; the load generator runs on the same cores), "
          f"synchronous={args.synchronous}, server threads={args.threads}, projector in server: "
          f"{'on' if args.with_projector else 'off'}, messageIds {args.message_ids}, stored payload ~{payload} B")
    print(f"{'scenario':<48} {'events/s':>9} {'req/s':>7} {'vs 1-tx':>7} {'vs tx/100':>9} {'CPU us/ev':>9}  notes")
    print(f"{'raw executemany, one transaction':<48} {bound:>9,.0f} {'':>7} {1:>7.2f} {bound / bound_100:>9.2f} "
          f"{bound_cpu_us:>9.1f}  {len(rows)} rows, the physical bound")
    print(f"{'raw executemany, commit per 100 rows':<48} {bound_100:>9,.0f} {'':>7} {bound_100 / bound:>7.2f} "
          f"{1:>9.2f} {bound_100_cpu_us:>9.1f}")
    rows_out = (
        (f"HTTP /v1/batch x100, {args.batch_clients}x{args.batch_connections} connections", batch),
        (f"HTTP /v1/track, {args.track_clients}x{args.track_connections} connections", track),
    )
    for label, phase in rows_out:
        print(f"{label:<48} {phase.rate:>9,.0f} {phase.requests / phase.seconds:>7,.0f} {phase.rate / bound:>7.2f} "
              f"{phase.rate / bound_100:>9.2f} {phase.cpu_per_event_us:>9.1f}  "
              f"{phase.accepted} events, {phase.errors} errors, server CPU {phase.server_cpu:.1f} s")
    cores = os.cpu_count() or 1
    print(f"CPU per event and the rates it allows on {cores} cores (server alone / server and load generator):")
    for label, phase in rows_out:
        server_us, client_us = phase.cpu_per_event_us, phase.client_cpu_per_event_us
        print(f"  {label:<46} server {server_us:7.1f} us, clients {client_us:7.1f} us -> ceilings "
              f"{cores * 1e6 / server_us:>8,.0f} / {cores * 1e6 / (server_us + client_us):>8,.0f} events/s")
    print("server CPU per event by thread (threads of one name summed; the event log names its writer and "
          "checkpointer):")
    for label, phase in rows_out:
        shares = sorted(phase.server_threads.items(), key=lambda item: -item[1])
        print(f"  {label:<46} " + ", ".join(f"{name} {used / max(phase.accepted, 1) * 1e6:.1f}"
                                            for name, used in shares if used >= 0.005 * phase.server_cpu))
    print(f"server memory peak (main process + worker): RSS {sampler.peak_kib / 1024:.0f} MB (pages the forked worker "
          f"shares with the main process counted twice), PSS {sampler.peak_pss_kib / 1024:.0f} MB; "
          f"the log holds {stored} events = exactly those acknowledged")


if __name__ == "__main__":
    main()
