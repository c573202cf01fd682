"""Template context shared by every page: the projects in the left navigation and the current one."""

from __future__ import annotations

from django.http import HttpRequest

from analyticaflow.accounts import selectors


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_projects": list(selectors.projects_for_user(user=user)[:50])}
