"""Template context shared by every page: the projects in the left navigation and the current one."""

from __future__ import annotations

from django.http import HttpRequest

from analyticaflow.accounts import selectors
from analyticaflow.web.metric_catalog import metric_catalog
from analyticaflow.web.platforms import presentation


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_projects": list(selectors.projects_for_user(user=user)[:50]),
        # Platform names, icons and tiles for the accounts in the menu (pure data, no query).
        "platform_catalog": presentation(known_metrics=frozenset(metric_catalog())),
    }
