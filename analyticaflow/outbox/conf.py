"""The shop's ``ANALYTICAFLOW_OUTBOX`` setting, read into one typed, validated value.

Example (the shop's settings.py)::

    ANALYTICAFLOW_OUTBOX = {
        "URL": "https://analytics.example.com",   # the AnalyticaFlow server; the relay posts to {URL}/v1/batch
        "WRITE_KEY": "wk_...",                     # the project's write key
        "THREAD": True,                            # ship from a daemon thread in the web process
    }

Every other key has a default (see ``DEFAULTS``). A key the app does not know is an error: a typo must not
silently fall back to a default.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SETTING_NAME = "ANALYTICAFLOW_OUTBOX"
BATCH_PATH = "/v1/batch"

# The capture API's limits (Segment's): 100 messages / 500 KB per batch request, 32 KB per message.
SERVER_MAX_BATCH_MESSAGES = 100
SERVER_MAX_BATCH_BYTES = 500 * 1024
SERVER_MAX_MESSAGE_BYTES = 32 * 1024
# A stored message must leave room for what the relay adds at send time (``sentAt``).
MAX_MESSAGE_BYTES = SERVER_MAX_MESSAGE_BYTES - 256

DEFAULTS: dict[str, Any] = {
    "URL": "",
    "WRITE_KEY": "",
    "THREAD": True,
    "BATCH_SIZE": 100,
    "MAX_BATCH_BYTES": 450 * 1024,
    "TIMEOUT": 10.0,
    "POLL_INTERVAL": 2.0,
    "BACKOFF_BASE": 1.0,
    "BACKOFF_MAX": 600.0,
    "LEASE": 300.0,
    "SENT_RETENTION_DAYS": 7.0,
    "PURGE_INTERVAL": 3600.0,
}


@dataclass(frozen=True, kw_only=True)
class OutboxConfig:
    """Where and how the relay ships messages. Times are in seconds."""

    url: str
    write_key: str
    thread: bool = True
    batch_size: int = 100
    max_batch_bytes: int = 450 * 1024
    timeout: float = 10.0
    poll_interval: float = 2.0
    backoff_base: float = 1.0
    backoff_max: float = 600.0
    lease: float = 300.0
    sent_retention_days: float = 7.0
    purge_interval: float = 3600.0

    @property
    def batch_url(self) -> str:
        base = self.url.rstrip("/")
        return base if base.endswith(BATCH_PATH) else base + BATCH_PATH

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise ImproperlyConfigured(f"{SETTING_NAME}: " + "; ".join(problems))


def _problems(config: OutboxConfig) -> list[str]:
    problems = []
    if not config.url.startswith(("http://", "https://")):
        problems.append(f"URL must be the AnalyticaFlow server's http(s) address, got {config.url!r}")
    if not config.write_key:
        problems.append("WRITE_KEY is required (the project's write key)")
    if not 1 <= config.batch_size <= SERVER_MAX_BATCH_MESSAGES:
        problems.append(f"BATCH_SIZE must be between 1 and {SERVER_MAX_BATCH_MESSAGES}, got {config.batch_size}")
    if not SERVER_MAX_MESSAGE_BYTES <= config.max_batch_bytes <= SERVER_MAX_BATCH_BYTES:
        problems.append(f"MAX_BATCH_BYTES must be between {SERVER_MAX_MESSAGE_BYTES} and {SERVER_MAX_BATCH_BYTES}, "
                        f"got {config.max_batch_bytes}")
    for name in ("timeout", "poll_interval", "backoff_base", "backoff_max", "lease", "purge_interval"):
        if getattr(config, name) <= 0:
            problems.append(f"{name.upper()} must be a positive number of seconds")
    if config.sent_retention_days < 0:
        problems.append("SENT_RETENTION_DAYS must not be negative")
    if config.lease <= config.timeout:
        problems.append("LEASE must be longer than TIMEOUT (a claimed batch must be sent before its lease ends)")
    return problems


def configured() -> bool:
    """Whether the shop set a URL and write key, i.e. whether a relay can run at all."""
    raw = getattr(settings, SETTING_NAME, None) or {}
    return bool(isinstance(raw, dict) and raw.get("URL") and raw.get("WRITE_KEY"))


def load_config(**overrides: Any) -> OutboxConfig:
    """Read ``settings.ANALYTICAFLOW_OUTBOX`` (plus keyword overrides, lower-case) into an ``OutboxConfig``.

    Raises ``ImproperlyConfigured`` naming every problem.
    """
    raw = getattr(settings, SETTING_NAME, None) or {}
    if not isinstance(raw, dict):
        raise ImproperlyConfigured(f"{SETTING_NAME} must be a dict, got {type(raw).__name__}")
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        raise ImproperlyConfigured(f"{SETTING_NAME} has unknown keys {unknown}; known keys: {sorted(DEFAULTS)}")
    values = {key.lower(): raw.get(key, default) for key, default in DEFAULTS.items()}
    values.update(overrides)
    known = {f.name for f in fields(OutboxConfig)}
    typed: dict[str, Any] = {}
    for name, value in values.items():
        if name not in known:
            raise ImproperlyConfigured(f"unknown outbox option {name!r}")
        default = DEFAULTS[name.upper()]
        try:
            typed[name] = _coerce(value, type(default))
        except (TypeError, ValueError) as exc:
            raise ImproperlyConfigured(f"{SETTING_NAME}[{name.upper()!r}]: {exc}") from exc
    return OutboxConfig(**typed)


def _coerce(value: Any, kind: type) -> Any:
    if kind is bool:
        if not isinstance(value, bool):
            raise TypeError(f"expected True or False, got {value!r}")
        return value
    if kind is str:
        if not isinstance(value, str):
            raise TypeError(f"expected a string, got {value!r}")
        return value.strip()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {value!r}")
    if kind is int and value != int(value):
        raise ValueError(f"expected a whole number, got {value!r}")
    return kind(value)
