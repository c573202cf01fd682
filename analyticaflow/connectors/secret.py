"""A wrapper for secret strings whose repr and str never show the value."""

from __future__ import annotations

import hmac


class Secret:
    """Holds a token, key or password. ``reveal()`` is the only way to read it back."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("Secret holds a str")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict) -> Secret:
        return self

    def __reduce__(self):
        raise TypeError("Secret values are not pickled; encrypt them with analyticaflow.connectors.crypto")


def reveal(value: Secret | None) -> str | None:
    return value.reveal() if value is not None else None
