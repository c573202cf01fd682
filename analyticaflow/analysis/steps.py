"""Which events an analysis looks at: an event type, an optional name and property filters, as SQL.

Event properties live in the ``events.attributes`` map (text values; numbers and booleans as JSON text, so
``30``, ``25.5``, ``true``). A filter compares one property: text operators compare the text, numeric
operators (``gt``, ``gte``, ``lt``, ``lte``, and ``equals``/``not_equals`` with a number) compare the value read
as a number, and an absent property matches only ``is_not_set`` and the negative operators (``not_equals``,
``not_contains``, ``not_in``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from analyticaflow.eventlog.contracts import EVENT_TYPES
from analyticaflow.reports.sqlparts import Params
from analyticaflow.warehouse.dialects import Dialect

NAMED_TYPES = ("track", "page", "screen")  # types whose events carry a name
Scalar = str | int | float | bool


def _text_of(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class Operand:
    """What an operator's SQL needs: the property as text and as a number, and the value(s) to compare."""

    text: str  # SQL: the property's text, NULL when absent
    number: str  # SQL: the property as a number, NULL when absent or not numeric
    value: Any
    params: Params
    dialect: Dialect


def _equals(o: Operand) -> str:
    if _is_number(o.value):
        return f"coalesce({o.number} = {o.params.add(float(o.value), 'pv')}, FALSE)"
    return f"coalesce({o.text} = {o.params.add(_text_of(o.value), 'pv')}, FALSE)"


def _contains(o: Operand) -> str:
    return f"coalesce({o.dialect.contains_text(o.text, o.params.add(_text_of(o.value), 'pv'))}, FALSE)"


def _in(o: Operand) -> str:
    texts = [_text_of(v) for v in o.value]
    return f"coalesce({o.params.in_list(o.text, texts, 'pv')}, FALSE)"


def _compare(sign: str) -> Callable[[Operand], str]:
    def build(o: Operand) -> str:
        return f"coalesce({o.number} {sign} {o.params.add(float(o.value), 'pv')}, FALSE)"

    return build


def _negated(build: Callable[[Operand], str]) -> Callable[[Operand], str]:
    return lambda o: f"NOT ({build(o)})"


@dataclass(frozen=True, slots=True)
class Operator:
    name: str
    description: str
    value: str  # "none", "scalar", "number", "list"
    sql: Callable[[Operand], str]


OPERATORS: dict[str, Operator] = {
    o.name: o
    for o in (
        Operator(
            "equals", "The property equals the value (as a number when the value is a number).", "scalar", _equals
        ),
        Operator("not_equals", "The property is absent or differs from the value.", "scalar", _negated(_equals)),
        Operator("contains", "The property's text contains the value.", "scalar", _contains),
        Operator(
            "not_contains",
            "The property is absent or its text does not contain the value.",
            "scalar",
            _negated(_contains),
        ),
        Operator("in", "The property's text is one of the values.", "list", _in),
        Operator("not_in", "The property is absent or none of the values.", "list", _negated(_in)),
        Operator("gt", "The property, as a number, is greater than the value.", "number", _compare(">")),
        Operator("gte", "The property, as a number, is at least the value.", "number", _compare(">=")),
        Operator("lt", "The property, as a number, is less than the value.", "number", _compare("<")),
        Operator("lte", "The property, as a number, is at most the value.", "number", _compare("<=")),
        Operator("is_set", "The event has the property.", "none", lambda o: f"({o.text} IS NOT NULL)"),
        Operator("is_not_set", "The event does not have the property.", "none", lambda o: f"({o.text} IS NULL)"),
    )
}


@dataclass(frozen=True, slots=True)
class PropertyFilter:
    property: str
    operator: str = "equals"
    value: Any = None

    def sql(self, dialect: Dialect, params: Params, alias: str) -> str:
        text = dialect.map_value(f"{alias}.attributes", params.add(self.property, "pk"))
        operand = Operand(text=text, number=dialect.to_number(text), value=self.value, params=params, dialect=dialect)
        return OPERATORS[self.operator].sql(operand)


@dataclass(frozen=True, slots=True)
class EventMatcher:
    """Events of ``type`` named ``event`` (any name when None) whose properties pass every filter."""

    type: str = "track"
    event: str | None = None
    filters: tuple[PropertyFilter, ...] = field(default=())

    @property
    def label(self) -> str:
        name = self.event or f"any {self.type}"
        return name if not self.filters else f"{name} ({len(self.filters)} filter{'s' * (len(self.filters) > 1)})"

    def sql(self, dialect: Dialect, params: Params, alias: str = "e") -> str:
        parts = [f"{alias}.event_type = {params.add(self.type, 'et')}"]
        if self.event is not None:
            parts.append(f"{alias}.event_name = {params.add(self.event, 'en')}")
        parts.extend(f.sql(dialect, params, alias) for f in self.filters)
        return "(" + " AND ".join(parts) + ")"


def prefilter_sql(matchers: tuple[EventMatcher, ...] | list[EventMatcher], params: Params, alias: str = "e") -> str:
    """A plain condition every event of any of the matchers meets (its type, and its name when every matcher
    names one): the engines push it into the table scan, ahead of the matchers' full conditions."""
    types = sorted({m.type for m in matchers})
    parts = [params.in_list(f"{alias}.event_type", types, "pt")]
    if all(m.event is not None for m in matchers):
        parts.append(params.in_list(f"{alias}.event_name", sorted({m.event for m in matchers}), "pn"))
    return " AND ".join(parts)


def matcher_errors(matcher: EventMatcher, field_name: str) -> dict[str, list[str]]:
    """What is wrong with a matcher, by field (empty when it is valid)."""
    errors: dict[str, list[str]] = {}
    if matcher.type not in EVENT_TYPES:
        errors[f"{field_name}.type"] = [f"Unknown event type {matcher.type!r}; use one of: {', '.join(EVENT_TYPES)}."]
    if matcher.type == "track" and not matcher.event:
        errors[f"{field_name}.event"] = ['A track step needs the event name (e.g. "Order Completed").']
    if matcher.event is not None and matcher.type not in NAMED_TYPES:
        errors[f"{field_name}.event"] = [f"{matcher.type} events have no name; leave event out."]
    for index, item in enumerate(matcher.filters):
        where = f"{field_name}.filters.{index}"
        operator = OPERATORS.get(item.operator)
        if not item.property:
            errors[f"{where}.property"] = ["Name the property."]
        if operator is None:
            errors[f"{where}.operator"] = [f"Unknown operator {item.operator!r}; use one of: {', '.join(OPERATORS)}."]
            continue
        reason = _value_problem(operator, item.value)
        if reason:
            errors[f"{where}.value"] = [reason]
    return errors


def _value_problem(operator: Operator, value: Any) -> str | None:
    if operator.value == "none":
        return None if value is None else f"{operator.name} takes no value."
    if operator.value == "list":
        if not isinstance(value, list | tuple) or not value:
            return f"{operator.name} needs a non-empty list of values."
        if not all(isinstance(v, str | int | float | bool) for v in value):
            return "Every value must be a string, number or boolean."
        return None
    if operator.value == "number":
        return None if _is_number(value) else f"{operator.name} needs a number."
    if isinstance(value, str | int | float | bool):
        return None
    return f"{operator.name} needs a string, number or boolean."
