"""Report-side derived tables are created safely when the first requests to a fresh warehouse come together."""

from __future__ import annotations

import threading
from datetime import date

from analyticaflow.reports.derived import derived_tables_ensure
from analyticaflow.warehouse.schema import INT, TEXT, TableSpec, col
from tests.reports.helpers import kpi, order, project_events, query, utc

THREADS = 8


def run_together(work) -> list:
    """``work(i)`` in THREADS threads released at the same instant; their results, or the first error."""
    barrier = threading.Barrier(THREADS)
    results: list = [None] * THREADS
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as exc:  # re-raised below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    return results


def test_parallel_creation_of_the_same_tables_makes_each_once(duck):
    specs = tuple(TableSpec(f"derived_race_{n}", (col("project_id", INT), col("value", TEXT)), key=("project_id",))
                  for n in range(5))
    run_together(lambda i: derived_tables_ensure(duck, specs))
    for spec in specs:
        assert duck.query(f"SELECT count(*) FROM {spec.name}") == [(0,)]


def test_parallel_first_reports_on_a_fresh_warehouse_all_answer(duck):
    project_events(duck, [order("ann", "o1", utc(2026, 3, 5), 10), order("bob", "o2", utc(2026, 3, 6), 30),
                          order("ann", "o3", utc(2026, 3, 7), 5)])
    march = query(date(2026, 3, 1), date(2026, 3, 31), ["new_customers", "orders", "revenue"])
    by_source = query(date(2026, 3, 1), date(2026, 3, 31), ["new_customers", "orders"], group_by="source")
    reports = run_together(lambda i: kpi(duck, march if i % 2 else by_source))
    for i, report in enumerate(reports):
        expected = {"new_customers": 2, "orders": 3, **({"revenue": 45.0} if i % 2 else {})}
        assert report["current"] == expected
