"""Cohorts over 10 million events on DuckDB (goal: at most 1 second).

    .venv/bin/python bench/analysis_cohorts.py [--events 10000000] [--persons 1000000] [--runs 5]

Weekly and monthly cohorts of first "Signed Up" in Berlin time (the range crosses the start of summer time),
retention by "Order Completed" and revenue per member from the orders table, 12 periods. Reference, in the same
run: the bare cost of reading what the report reads — one scan of the events grouping the two event names per
person and week, with no cohort logic. Times: best and median of ``--runs`` after one warm-up.

The report reads the derived integer-keyed rows (``analysis.cohort_rows``): their full build for the project
(what a report pays after new events or a replay) is timed first, then the report on them, then the report
reading the events (``stored=False``, the general path) for comparison; both must give the same cohorts.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analyticaflow.analysis.cohort_rows import ALWAYS, cohort_rows_rebuild
from analyticaflow.analysis.cohorts import CohortQuery, cohort_run
from analyticaflow.reports.currency import RateBook
from analyticaflow.reports.customers import fingerprint
from analyticaflow.reports.periods import Period
from bench.analysis_data import DAYS, FIRST_DAY, PROJECT_ID, prepare, timed

REFERENCE = """
    SELECT person_id, event_name, date_trunc('week', event_datetime) AS week, count(*)
    FROM events
    WHERE project_id = 1 AND event_name IN ('Signed Up', 'Order Completed')
    GROUP BY person_id, event_name, week
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("/tmp/af-analysis-bench"))
    args = parser.parse_args()
    warehouses = prepare(args.out, events=args.events, persons=args.persons, seed=args.seed, kinds=("duckdb",))
    duck = warehouses["duckdb"]
    period = Period(FIRST_DAY.date(), FIRST_DAY.date() + timedelta(days=DAYS - 1), "Europe/Berlin")
    as_of = FIRST_DAY + timedelta(days=DAYS + 30)
    rates = RateBook("EUR")
    print(f"{args.events:,} events, {args.persons:,} persons; cohorts {period.date_from} to {period.date_to} "
          f"(Europe/Berlin), 12 periods, as of {as_of:%Y-%m-%d} (run {datetime.now():%Y-%m-%d})")
    print("| run | best s | median s | median CPU s | cohorts | members | returning in period 1 |")
    print("|---|---|---|---|---|---|---|")
    best, median, cpu, _ = timed(lambda: cohort_rows_rebuild(
        warehouse=duck, project_id=PROJECT_ID, events=set(ALWAYS), current=fingerprint(duck, PROJECT_ID)), 1)
    print(f"| derived rows: full build for the project | {best:.3f} | {median:.3f} | {cpu:.3f} | | | |")
    for stored, label in ((True, "ours (derived rows)"), (False, "ours reading the events (general path)")):
        for granularity in ("week", "month"):
            query = CohortQuery(project_id=PROJECT_ID, period=period, granularity=granularity, periods=12,
                                as_of=as_of, currency="EUR")
            best, median, cpu, result = timed(
                lambda q=query, s=stored: cohort_run(warehouse=duck, query=q, rates=rates, stored=s), args.runs)
            members = sum(row.size for row in result.rows)
            back = sum(row.cells[1].persons or 0 for row in result.rows)
            print(f"| {label}, {granularity}ly cohorts | {best:.3f} | {median:.3f} | {cpu:.3f} | {len(result.rows)} "
                  f"| {members:,} | {back:,} |")
    ref_best, ref_median, ref_cpu, rows = timed(lambda: duck.query(REFERENCE), args.runs)
    print(f"| reference: one scan grouping both events per person and week | {ref_best:.3f} | {ref_median:.3f} | "
          f"{ref_cpu:.3f} | | {len(rows):,} groups | |")
    duck.close()


if __name__ == "__main__":
    main()
