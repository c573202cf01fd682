"""Identity resolution: which distinct ids are one person. Pure; the projector supplies what is stored.

A person is a connected component of distinct ids (``u:<userId>``, ``a:<anonymousId>``) linked by identify
(anonymousId ↔ userId) and alias (previousId ↔ userId). Its ``person_id`` is the member that first became
known through a link, preferring userIds: the smallest ``(first_seq, link_role, distinct_id)`` among the
``u:`` members. The choice depends only on the links in the log, never on how they were chunked, and an
identified person keeps their id when later devices join. Ids never linked are persons of their own
(``person_id`` = their ``distinct_id``) and are not stored in the identity map.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from analyticaflow.projections.event_types import IdentityLink


@dataclass(frozen=True, slots=True)
class Member:
    distinct_id: str
    person_id: str
    first_seq: int
    link_role: int


class _Components:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.rank: dict[str, tuple[int, int]] = {}

    def add(self, node: str, rank: tuple[int, int]) -> None:
        if node not in self.parent:
            self.parent[node] = node
            self.rank[node] = rank
        elif rank < self.rank[node]:
            self.rank[node] = rank

    def find(self, node: str) -> str:
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:
            self.parent[node], node = root, self.parent[node]
        return root

    def union(self, left: str, right: str) -> None:
        a, b = self.find(left), self.find(right)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def _canonical(members: list[str], rank: dict[str, tuple[int, int]]) -> str:
    users = [m for m in members if m.startswith("u:")] or members
    return min(users, key=lambda m: (*rank[m], m))


def resolve(existing: Iterable[Member], links: Iterable[IdentityLink]) -> list[Member]:
    """Every member of every component that ``links`` touch, with its person after the links.

    ``existing`` must hold the whole stored components of every id the links name (the identity map rows
    of those persons).
    """
    components = _Components()
    stored = list(existing)
    for member in stored:
        components.add(member.distinct_id, (member.first_seq, member.link_role))
    for member in stored:
        if member.person_id in components.parent:
            components.union(member.distinct_id, member.person_id)
    for link in links:
        components.add(link.member, (link.seq, link.role))
        components.add(link.user, (link.seq, 0))
        components.union(link.member, link.user)
    groups: dict[str, list[str]] = {}
    for node in components.parent:
        groups.setdefault(components.find(node), []).append(node)
    resolved = []
    for nodes in groups.values():
        person = _canonical(nodes, components.rank)
        resolved.extend(Member(n, person, *components.rank[n]) for n in sorted(nodes))
    return resolved
