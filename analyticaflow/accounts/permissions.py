"""Project scoping for every ``/api/v1/projects/{project_id}/...`` view.

A caller who is not a member of the project gets 403, whether or not the project exists (no enumeration).
Safe methods need any role; writes need a role that may write; views that administer the project
(members, keys, settings) declare ``project_admin_methods``.
"""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from analyticaflow.accounts import selectors
from analyticaflow.accounts.authentication import ApiKeyPrincipal
from analyticaflow.accounts.models import ROLE_CAN_ADMINISTER, ROLE_CAN_WRITE, Project
from analyticaflow.errors import Forbidden


class ProjectAccess(BasePermission):
    message = "You are not a member of this project, or your role does not allow this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        project_id = view.kwargs.get("project_id")
        if project_id is None:
            return True
        if isinstance(request.user, ApiKeyPrincipal):
            if request.user.project_id != int(project_id):
                raise Forbidden("This API key belongs to another project.")
            if request.method not in SAFE_METHODS or getattr(view, "api_key_forbidden", False):
                raise Forbidden("API keys are read-only.")
            request.project = request.user.api_key.project
            request.role = None
            return True
        membership = selectors.membership_for(user=request.user, project_id=int(project_id))
        if membership is None:
            raise Forbidden("You are not a member of this project.")
        role = membership.role
        admin_methods = getattr(view, "project_admin_methods", ())
        if request.method in admin_methods and not ROLE_CAN_ADMINISTER[role]:
            raise Forbidden("Only project owners can do this.")
        if request.method not in SAFE_METHODS and not ROLE_CAN_WRITE[role]:
            raise Forbidden("Viewers cannot change anything in this project.")
        request.project = membership.project
        request.role = role
        return True


def current_project(request: Request) -> Project:
    """The project resolved by :class:`ProjectAccess` for this request."""
    return request.project
