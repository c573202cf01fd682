"""How long ``analyticaflow demo`` takes to build its shop: generation, capture, projections, channel data.

    .venv/bin/python bench/dashboard_demo.py [--size full|small] [--seed 7]

Runs the real command (``analyticaflow demo --no-serve``) in a fresh temporary data dir, reads the phase times it
prints, and measures its wall and CPU time (user + system of the child). Reference in the same run: the
simulation alone (the same seeded messages generated in this process, nothing stored), i.e. the cost that is
the demo's own; the rest is the product's pipeline.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "analyticaflow.settings")

from tests.serving import CLI, product_env  # noqa: E402


def simulation_only(size: str, seed: int) -> tuple[float, int]:
    import django

    django.setup()
    from analyticaflow.demo.services import DEMO_CURRENCY, DEMO_TIME_ZONE, SIZES
    from analyticaflow.demo.traffic import simulate

    chosen = SIZES[size]
    last_day: date = datetime.now(ZoneInfo(DEMO_TIME_ZONE)).date() - timedelta(days=1)
    started = time.perf_counter()
    messages = 0
    for _, day_messages, _ in simulate(first_day=last_day - timedelta(days=chosen.days - 1), last_day=last_day,
                                       seed=seed, scale=chosen.scale, unpaid_per_day=chosen.unpaid_per_day,
                                       time_zone=DEMO_TIME_ZONE, currency=DEMO_CURRENCY):
        messages += len(day_messages)
    return time.perf_counter() - started, messages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="full", choices=["full", "small"])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="af-bench-demo-")) / "demo"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([*CLI, "demo", "--data-dir", str(data_dir), "--size", args.size, "--seed",
                           str(args.seed), "--no-serve"], env=product_env(data_dir), capture_output=True, text=True,
                          timeout=1800)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    out = done.stdout
    captured = re.search(r"captured ([\d,]+) events \(([\d,]+) visits, ([\d,]+) orders\) in ([\d.]+) s", out)
    projected = re.search(r"projected in ([\d.]+) s", out)
    channels = re.search(r"loaded ([\d,]+) ad spend rows.* in ([\d.]+) s", out)
    ready = re.search(r"ready in ([\d.]+) s", out)
    events = int(captured.group(1).replace(",", ""))
    reference, generated = simulation_only(args.size, args.seed)
    assert generated == events, (generated, events)
    load = os.getloadavg()
    print(f"analyticaflow demo --size {args.size} --seed {args.seed} --no-serve; load average {load[0]:.1f} "
          f"{load[1]:.1f} {load[2]:.1f} after the run")
    print(f"{events:,} events, {captured.group(2)} visits, {captured.group(3)} orders, {channels.group(1)} spend rows")
    print("| phase | seconds | ÷ simulation alone |")
    print("|---|---|---|")
    rows = [
        ("simulation alone (reference, in this process)", reference),
        ("generation + capture (import service)", float(captured.group(4))),
        ("projections to the log's head", float(projected.group(1))),
        ("ad spend, Instagram, GA4, CRM loaders", float(channels.group(2))),
        ("the command's own 'ready in' (migrate .. channel data)", float(ready.group(1))),
        ("whole command, wall (process start to exit)", wall),
        ("whole command, CPU (user + system)", cpu),
    ]
    for name, seconds in rows:
        print(f"| {name} | {seconds:.1f} | {seconds / reference:.1f} |")


if __name__ == "__main__":
    main()
