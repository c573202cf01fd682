"""What the bare shop does in the tests: ``python -m tests.outbox.shop.actions <action> <count>``.

Prints one JSON line: the emitted messageIds and the AnalyticaFlow modules the process loaded.
"""

import datetime as dt
import json
import sys
import time

import django

django.setup()

from django.db import transaction  # noqa: E402

from analyticaflow import outbox  # noqa: E402
from analyticaflow.outbox.models import OutboxMessage, OutboxStatus  # noqa: E402


class Declined(Exception):
    pass


def emit(count: int) -> list[str]:
    ids = []
    for number in range(count):
        with transaction.atomic():  # one shop request each
            ids.append(outbox.track(user_id=f"customer-{number}", event="Order Completed",
                                    properties={"order_id": f"SO-{number}", "revenue": 10 + number},
                                    timestamp=dt.datetime(2025, 6, 1, 12, 0)))
    return ids


def emit_rolled_back(count: int) -> list[str]:
    for number in range(count):
        try:
            with transaction.atomic():
                outbox.track(user_id=f"customer-{number}", event="Order Completed")
                raise Declined
        except Declined:
            pass
    return []


def emit_and_wait_for_the_thread(count: int) -> list[str]:
    ids = emit(count)
    deadline = time.monotonic() + 30
    while OutboxMessage.objects.filter(status=OutboxStatus.PENDING).exists():
        if time.monotonic() > deadline:
            raise SystemExit("the relay thread did not ship in 30 s")
        time.sleep(0.05)
    return ids


ACTIONS = {"emit": emit, "emit-rolled-back": emit_rolled_back, "thread": emit_and_wait_for_the_thread}

if __name__ == "__main__":
    action, count = sys.argv[1], int(sys.argv[2])
    ids = ACTIONS[action](count)
    loaded = sorted(name for name in sys.modules if name.startswith("analyticaflow"))
    print(json.dumps({"ids": ids, "modules": loaded, "rows": OutboxMessage.objects.count()}))
