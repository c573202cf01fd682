"""The warehouse archive (``raw_events``) read as an event log: the event store replays from in scale mode.

With Redis Streams as the log, the stream is transport and may be trimmed; every event the served generation
applied is kept in ``raw_events`` with its whole payload. Replay reads this archive in seq order — the same
``read``/``last_seq`` contract as the log — and the served projector keeps archiving newer events meanwhile.
"""

from __future__ import annotations

from datetime import UTC

from analyticaflow.eventlog.contracts import EventRecord, StoredEvent
from analyticaflow.projections.generations import archive_name
from analyticaflow.warehouse.backends import Warehouse
from analyticaflow.warehouse.sql import Sql
from analyticaflow.warehouse.tables import RAW_EVENTS


class WarehouseArchive:
    """``EventLog``'s read side over ``raw_events`` (appending goes through the real log)."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse
        self.table = archive_name(RAW_EVENTS.name)

    def read(self, *, after_seq: int, limit: int) -> list[StoredEvent]:
        rows = self.warehouse.query(
            Sql(
                "SELECT seq, project_id, message_id, type, name, anonymous_id, user_id, event_datetime, received_at, "
                f"payload FROM {self.warehouse.dialect.read(self.table)} WHERE seq > {{after_seq}} "
                "ORDER BY seq LIMIT {limit}",
                {"after_seq": after_seq, "limit": limit},
            )
        )
        return [
            StoredEvent(
                seq=seq,
                record=EventRecord(
                    project_id=project_id,
                    message_id=message_id,
                    type=type_,
                    name=name,
                    anonymous_id=anonymous_id,
                    user_id=user_id,
                    timestamp=timestamp.replace(tzinfo=UTC),
                    received_at=received_at.replace(tzinfo=UTC),
                    payload=payload.encode(),
                ),
            )
            for seq, project_id, message_id, type_, name, anonymous_id, user_id, timestamp, received_at, payload in rows
        ]

    def last_seq(self) -> int:
        return self.warehouse.query(f"SELECT coalesce(max(seq), 0) FROM {self.warehouse.dialect.read(self.table)}")[0][
            0
        ]

    def close(self) -> None:
        pass
