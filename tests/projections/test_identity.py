"""Identity resolution (pure): who is one person, and which id stands for them."""

from __future__ import annotations

from analyticaflow.projections.event_types import IdentityLink
from analyticaflow.projections.identity import Member, resolve


def link(member: str, user: str, seq: int, role: int = 0) -> IdentityLink:
    return IdentityLink(1, member, user, role, seq)


def persons(members: list[Member]) -> dict[str, str]:
    return {m.distinct_id: m.person_id for m in members}


def test_identify_makes_the_user_id_the_person():
    assert persons(resolve([], [link("a:A", "u:U", 5)])) == {"a:A": "u:U", "u:U": "u:U"}


def test_two_users_merged_keep_the_one_linked_first():
    stored = [Member("a:A", "u:U1", 3, 0), Member("u:U1", "u:U1", 3, 0)]
    result = resolve(stored, [link("a:A", "u:U2", 9)])
    assert persons(result) == {"a:A": "u:U1", "u:U1": "u:U1", "u:U2": "u:U1"}
    assert {m.distinct_id: m.first_seq for m in result} == {"a:A": 3, "u:U1": 3, "u:U2": 9}


def test_alias_previous_id_loses_a_tie_to_the_user_id():
    result = resolve([], [link("a:old", "u:new", 4, role=1), link("u:old", "u:new", 4, role=1)])
    assert set(persons(result).values()) == {"u:new"}


def test_resolution_does_not_depend_on_chunking():
    links = [link("a:A", "u:U1", 1), link("a:B", "u:U2", 2), link("a:B", "u:U1", 3), link("a:C", "u:U2", 4)]
    at_once = persons(resolve([], links))
    first = resolve([], links[:2])
    second = resolve([m for m in first if m.person_id in {"u:U1", "u:U2"}], links[2:])
    assert persons(second) == at_once == {k: "u:U1" for k in ["a:A", "a:B", "a:C", "u:U1", "u:U2"]}
