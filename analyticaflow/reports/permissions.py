"""Access to reports sent as POST: a report is a read whose query is a JSON body, so every member of the
project (viewers too) and the project's read-only API keys may run it; anyone else gets 403."""

from __future__ import annotations

from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from analyticaflow.accounts import selectors
from analyticaflow.accounts.authentication import ApiKeyPrincipal
from analyticaflow.errors import Forbidden


class ProjectReadAccess(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        project_id = int(view.kwargs["project_id"])
        if isinstance(request.user, ApiKeyPrincipal):
            if request.user.project_id != project_id:
                raise Forbidden("This API key belongs to another project.")
            request.project = request.user.api_key.project
            request.role = None
            return True
        membership = selectors.membership_for(user=request.user, project_id=project_id)
        if membership is None:
            raise Forbidden("You are not a member of this project.")
        request.project = membership.project
        request.role = membership.role
        return True
