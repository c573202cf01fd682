"""The demo: a user and a project to explore. Later capabilities add the shop's data through the real pipeline."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from analyticaflow.accounts import services as accounts
from analyticaflow.accounts.models import Project, User

DEMO_EMAIL = "demo@analyticaflow.local"
DEMO_PROJECT = "Demo Shop"


@dataclass(frozen=True)
class DemoSetup:
    user: User
    password: str
    project: Project


def demo_create(*, password: str | None = None) -> DemoSetup:
    password = password or secrets.token_urlsafe(12)
    user = accounts.user_create(email=DEMO_EMAIL, password=password, name="Demo Marketer", validate=False)
    project = accounts.project_create(owner=user, name=DEMO_PROJECT, timezone_name="Europe/Berlin", currency="EUR")
    return DemoSetup(user=user, password=password, project=project)
