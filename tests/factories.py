"""Test data factories: real objects through the product's own services."""

from __future__ import annotations

from analyticaflow.accounts import services
from analyticaflow.accounts.models import Membership, Project, User

PASSWORD = "correct-horse-battery-staple"


def make_user(email: str, *, password: str = PASSWORD, admin: bool = False) -> User:
    return services.user_create(email=email, password=password, is_admin=admin)


def make_project(owner: User, *, name: str = "Shop", timezone_name: str = "UTC", currency: str = "USD") -> Project:
    return services.project_create(owner=owner, name=name, timezone_name=timezone_name, currency=currency)


def add_member(project: Project, user: User, role: str) -> Membership:
    return services.membership_add(project=project, email=user.email, role=role)
