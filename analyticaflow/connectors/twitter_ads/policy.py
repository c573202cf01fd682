"""X Ads errors (``{"errors": [{"code", "message"}]}``) and rate-limit headers."""

from __future__ import annotations

from analyticaflow.connectors.errors import ConnectorError, RateLimitExceeded
from analyticaflow.connectors.http import ApiResponse, ResponsePolicy


class TwitterAdsPolicy(ResponsePolicy):
    def error_message(self, response: ApiResponse) -> str:
        body = response.try_json()
        errors = body.get("errors") if isinstance(body, dict) else None
        if isinstance(errors, list) and errors and all(isinstance(item, dict) for item in errors):
            parts = [f"{item.get('code', '?')}: {item.get('message', '')}"
                     + (f" (parameter {item['parameter']})" if item.get("parameter") else "") for item in errors]
            return f"X Ads {response.describe()} answered HTTP {response.status_code}: " + "; ".join(parts)
        return super().error_message(response)  # sometimes an HTML page: fall back to the status

    def classify(self, response: ApiResponse) -> ConnectorError | None:
        error = super().classify(response)
        if isinstance(error, RateLimitExceeded):
            reset = self._seconds_until_reset(response)
            if reset is not None:
                error.retry_after = reset  # X asks clients to wait until x-rate-limit-reset on 429
        return error

    def pause_after(self, response: ApiResponse) -> float:
        """An exhausted window (remaining 0) waits for its reset before the next call."""
        for prefix in ("x-rate-limit", "x-cost-rate-limit", "x-account-rate-limit"):
            remaining = response.headers.get(f"{prefix}-remaining")
            if remaining is not None and remaining.strip() == "0":
                return self._seconds_until_reset(response, prefix=prefix) or 0.0
        return 0.0

    def _seconds_until_reset(self, response: ApiResponse, *, prefix: str = "x-rate-limit") -> float | None:
        raw = response.headers.get(f"{prefix}-reset")
        try:
            reset = float(raw) if raw is not None else None
        except ValueError:
            return None
        if reset is None:
            return None
        return max(0.0, reset - self.clock.now().timestamp())
