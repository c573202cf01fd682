"""HTTP API for authentication, projects, members and keys. One small view per operation."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt import views as jwt_views
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from analyticaflow.accounts import selectors, services
from analyticaflow.accounts.authentication import ApiKeyPrincipal
from analyticaflow.accounts.models import Membership, Project, Role
from analyticaflow.accounts.permissions import ProjectAccess, current_project
from analyticaflow.errors import Forbidden, InvalidInput, LockedOut, NotFound

# --- authentication -------------------------------------------------------------------------------


class TokenObtainView(jwt_views.TokenObtainPairView):
    """Exchange email and password for an access token (~15 min) and a refresh token (~30 days).

    Repeated failures lock the email out for a while (429 with Retry-After), whatever the password.
    """

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    def post(self, request: Request, *args, **kwargs) -> Response:
        try:
            return super().post(request, *args, **kwargs)
        except AuthenticationFailed:
            # The lockout backend marks the request it was given (this DRF request), not Django's.
            if getattr(request, "axes_locked_out", False):
                raise LockedOut(
                    headers={"Retry-After": str(int(settings.AXES_COOLOFF_TIME.total_seconds()))}
                ) from None
            raise


class TokenRefreshView(jwt_views.TokenRefreshView):
    """Exchange a refresh token for a new access token and a new refresh token (the old one is revoked)."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"


class LogoutView(APIView):
    """Revoke a refresh token (it can no longer be used to get access tokens)."""

    permission_classes = [AllowAny]

    class LogoutInputSerializer(serializers.Serializer):
        refresh = serializers.CharField()

    @extend_schema(request=LogoutInputSerializer, responses={204: None})
    def post(self, request: Request) -> Response:
        data = self.LogoutInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            RefreshToken(data.validated_data["refresh"]).blacklist()
        except TokenError as exc:
            raise InvalidInput(fields={"refresh": [str(exc)]}) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    class MeSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        email = serializers.EmailField()
        name = serializers.CharField()
        is_site_admin = serializers.BooleanField()

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        if isinstance(request.user, ApiKeyPrincipal):
            raise Forbidden("API keys do not belong to a user.")
        return Response(self.MeSerializer(request.user).data)


# --- projects -------------------------------------------------------------------------------------


class ProjectOutputSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = ["id", "name", "write_key", "timezone", "currency", "role", "created_at", "updated_at"]

    def get_role(self, project: Project) -> str | None:
        roles: dict[int, str] = self.context.get("roles", {})
        return roles.get(project.id)


def _project_output(request: Request, projects: Project | QuerySet[Project], *, many: bool = False) -> dict:
    user = request.user
    if isinstance(user, ApiKeyPrincipal):
        roles = {}
    else:
        roles = dict(Membership.objects.filter(user=user).values_list("project_id", "role"))
    return ProjectOutputSerializer(projects, many=many, context={"roles": roles}).data


class ProjectWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    timezone = serializers.CharField(max_length=64, default="UTC")
    currency = serializers.CharField(max_length=3, min_length=3, default="USD")


class ProjectListCreateView(APIView):
    @extend_schema(responses=ProjectOutputSerializer(many=True), operation_id="projects_list")
    def get(self, request: Request) -> Response:
        if isinstance(request.user, ApiKeyPrincipal):
            projects = Project.objects.filter(id=request.user.project_id)
        else:
            projects = selectors.projects_for_user(user=request.user)
        return Response(_project_output(request, projects, many=True))

    @extend_schema(request=ProjectWriteSerializer, responses={201: ProjectOutputSerializer},
                   operation_id="projects_create")
    def post(self, request: Request) -> Response:
        if isinstance(request.user, ApiKeyPrincipal):
            raise Forbidden("API keys are read-only.")
        data = ProjectWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = services.project_create(owner=request.user, name=data.validated_data["name"],
                                          timezone_name=data.validated_data["timezone"],
                                          currency=data.validated_data["currency"])
        return Response(_project_output(request, project), status=status.HTTP_201_CREATED)


class ProjectDetailView(APIView):
    permission_classes = [IsAuthenticated, ProjectAccess]
    project_admin_methods = ("PUT", "PATCH", "DELETE")

    @extend_schema(responses=ProjectOutputSerializer, operation_id="projects_retrieve")
    def get(self, request: Request, project_id: int) -> Response:
        return Response(_project_output(request, current_project(request)))

    def _update(self, request: Request, *, partial: bool) -> Response:
        data = ProjectWriteSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        project = services.project_update(project=current_project(request), name=values.get("name"),
                                          timezone_name=values.get("timezone"), currency=values.get("currency"))
        return Response(_project_output(request, project))

    @extend_schema(request=ProjectWriteSerializer, responses=ProjectOutputSerializer,
                   operation_id="projects_update")
    def put(self, request: Request, project_id: int) -> Response:
        return self._update(request, partial=False)

    @extend_schema(request=ProjectWriteSerializer, responses=ProjectOutputSerializer,
                   operation_id="projects_partial_update")
    def patch(self, request: Request, project_id: int) -> Response:
        return self._update(request, partial=True)

    @extend_schema(responses={204: None}, operation_id="projects_destroy")
    def delete(self, request: Request, project_id: int) -> Response:
        services.project_delete(project=current_project(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WriteKeyRotateView(APIView):
    """Replace the project's public write key; events sent with the old key are refused from now on."""

    permission_classes = [IsAuthenticated, ProjectAccess]
    project_admin_methods = ("POST",)

    @extend_schema(request=None, responses=ProjectOutputSerializer)
    def post(self, request: Request, project_id: int) -> Response:
        project = services.project_rotate_write_key(project=current_project(request))
        return Response(_project_output(request, project))


# --- members --------------------------------------------------------------------------------------


class MemberOutputSerializer(serializers.Serializer):
    user_id = serializers.IntegerField(source="user.id")
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.name")
    role = serializers.ChoiceField(choices=Role.choices)
    created_at = serializers.DateTimeField()


class MemberListAddView(APIView):
    permission_classes = [IsAuthenticated, ProjectAccess]
    project_admin_methods = ("POST",)

    class MemberAddInputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        role = serializers.ChoiceField(choices=Role.choices)

    @extend_schema(responses=MemberOutputSerializer(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        members = selectors.project_members(project=current_project(request))
        return Response(MemberOutputSerializer(members, many=True).data)

    @extend_schema(request=MemberAddInputSerializer, responses={201: MemberOutputSerializer})
    def post(self, request: Request, project_id: int) -> Response:
        data = self.MemberAddInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_add(project=current_project(request), **data.validated_data)
        return Response(MemberOutputSerializer(membership).data, status=status.HTTP_201_CREATED)


class MemberDetailView(APIView):
    permission_classes = [IsAuthenticated, ProjectAccess]
    project_admin_methods = ("PATCH", "DELETE")

    class MemberRoleInputSerializer(serializers.Serializer):
        role = serializers.ChoiceField(choices=Role.choices)

    def _membership(self, request: Request, user_id: int) -> Membership:
        membership = selectors.project_members(project=current_project(request)).filter(user_id=user_id).first()
        if membership is None:
            raise NotFound("No such member in this project.")
        return membership

    @extend_schema(responses=MemberOutputSerializer)
    def get(self, request: Request, project_id: int, user_id: int) -> Response:
        return Response(MemberOutputSerializer(self._membership(request, user_id)).data)

    @extend_schema(request=MemberRoleInputSerializer, responses=MemberOutputSerializer)
    def patch(self, request: Request, project_id: int, user_id: int) -> Response:
        data = self.MemberRoleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_change_role(membership=self._membership(request, user_id),
                                                     role=data.validated_data["role"])
        return Response(MemberOutputSerializer(membership).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, project_id: int, user_id: int) -> Response:
        services.membership_remove(membership=self._membership(request, user_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- secret API keys ------------------------------------------------------------------------------


class ApiKeyOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)


class ApiKeyListIssueView(APIView):
    """Secret keys for read access to this project's API. The key itself is shown only once, on issue."""

    permission_classes = [IsAuthenticated, ProjectAccess]
    project_admin_methods = ("POST",)
    api_key_forbidden = True

    class ApiKeyIssueInputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100)

    @extend_schema(responses=ApiKeyOutputSerializer(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        keys = selectors.project_api_keys(project=current_project(request))
        return Response(ApiKeyOutputSerializer(keys, many=True).data)

    @extend_schema(request=ApiKeyIssueInputSerializer, responses={201: inline_serializer(
        "IssuedApiKey", {"key": serializers.CharField(), "api_key": ApiKeyOutputSerializer()})})
    def post(self, request: Request, project_id: int) -> Response:
        data = self.ApiKeyIssueInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = services.api_key_issue(project=current_project(request), name=data.validated_data["name"],
                                        created_by=request.user)
        return Response({"key": issued.raw_key, "api_key": ApiKeyOutputSerializer(issued.api_key).data},
                        status=status.HTTP_201_CREATED)


class ApiKeyRevokeView(APIView):
    permission_classes = [IsAuthenticated, ProjectAccess]
    project_admin_methods = ("DELETE",)
    api_key_forbidden = True

    @extend_schema(responses={204: None})
    def delete(self, request: Request, project_id: int, key_id: int) -> Response:
        services.api_key_revoke(project=current_project(request), api_key_id=key_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
