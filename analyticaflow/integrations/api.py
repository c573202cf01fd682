"""HTTP API of integrations: ``/api/v1/projects/{project_id}/integrations`` and the platform catalogue.

Members read; owners and marketers write (ProjectAccess); non-members get 403. Nothing secret is ever part of
an answer: credentials stay encrypted in the database and OAuth state exists only in the authorize URL.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analyticaflow.accounts.authentication import SessionAuthentication
from analyticaflow.accounts.permissions import ProjectAccess, current_project
from analyticaflow.errors import NotFound
from analyticaflow.integrations import selectors, services
from analyticaflow.integrations.linking import CALLBACK_PATH
from analyticaflow.integrations.models import Integration, IntegrationStatus, SyncKind, SyncRun, SyncRunStatus
from analyticaflow.integrations.platforms import catalogue, connector_label

# --- output ----------------------------------------------------------------------------------------------------


class AccountSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The platform's account id.")
    name = serializers.CharField()
    currency = serializers.CharField(allow_null=True, help_text="ISO 4217; null for social accounts.")
    time_zone = serializers.CharField(help_text="IANA zone the platform reports days in.")


class BackfillSerializer(serializers.Serializer):
    percent = serializers.IntegerField(help_text="Share of the history's chunks loaded, 0-100.")
    rows = serializers.IntegerField(help_text="Rows loaded by the backfill so far.")
    chunks_done = serializers.IntegerField()
    chunks_total = serializers.IntegerField()
    current_chunk = serializers.CharField(allow_null=True, help_text="'YYYY-MM-DD..YYYY-MM-DD' being pulled.")
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class SyncRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=SyncKind.choices)
    status = serializers.ChoiceField(choices=SyncRunStatus.choices)
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    rows = serializers.IntegerField()
    chunks = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    duration_seconds = serializers.FloatField(allow_null=True)
    error_message = serializers.CharField(allow_blank=True)


class IntegrationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.CharField(source="platform", help_text="Platform: meta_ads, instagram, google_ads, ...")
    label = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=IntegrationStatus.choices)
    error_message = serializers.CharField(allow_blank=True)
    settings = serializers.DictField()
    account = serializers.SerializerMethodField()
    accounts_to_choose = serializers.SerializerMethodField()
    sync_hour = serializers.IntegerField(help_text="Hour of the daily sync, project time zone.")
    next_sync_at = serializers.DateTimeField(allow_null=True)
    last_synced_at = serializers.DateTimeField(allow_null=True)
    backfill = serializers.SerializerMethodField()
    last_run = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_label(self, integration: Integration) -> str:
        return connector_label(integration.platform)

    @extend_schema_field(AccountSerializer(allow_null=True))
    def get_account(self, integration: Integration) -> dict | None:
        if not integration.account_id:
            return None
        return {
            "id": integration.account_id,
            "name": integration.account_name,
            "currency": integration.account_currency or None,
            "time_zone": integration.account_time_zone,
        }

    @extend_schema_field(
        serializers.BooleanField(
            help_text="True after the OAuth callback when the accounts to sync remain to be picked."
        )
    )
    def get_accounts_to_choose(self, integration: Integration) -> bool:
        return selectors.link_waiting_for_choice(integration=integration) is not None

    @extend_schema_field(BackfillSerializer)
    def get_backfill(self, integration: Integration) -> dict:
        return {
            "percent": integration.backfill_percent,
            "rows": integration.backfill_rows,
            "chunks_done": integration.backfill_cursor,
            "chunks_total": len(integration.backfill_windows),
            "current_chunk": integration.backfill_chunk or None,
            "started_at": integration.backfill_started_at,
            "finished_at": integration.backfill_finished_at,
        }

    @extend_schema_field(SyncRunSerializer(allow_null=True))
    def get_last_run(self, integration: Integration) -> dict | None:
        run = self.context.get("last_runs", {}).get(integration.id, serializers.empty)
        if run is serializers.empty:
            run = next(iter(selectors.sync_runs_of(integration=integration, limit=1)), None)
        return SyncRunSerializer(run).data if run is not None else None


class IntegrationCreatedSerializer(IntegrationOutputSerializer):
    authorize_url = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.URLField(
            help_text="Send the user here to grant access; the platform redirects back to /integrations/callback."
        )
    )
    def get_authorize_url(self, integration: Integration) -> str:
        return self.context["authorize_url"]


class AuthorizeUrlSerializer(serializers.Serializer):
    authorize_url = serializers.URLField()


def _output(integrations: Integration | list[Integration], *, many: bool = False, **context) -> dict | list:
    items = list(integrations) if many else [integrations]
    context.setdefault("last_runs", selectors.last_runs(integrations=items))
    serializer = IntegrationOutputSerializer if "authorize_url" not in context else IntegrationCreatedSerializer
    return serializer(integrations, many=many, context=context).data


def redirect_uri(request: Request) -> str:
    """Where the platform sends the user back (the public URL when configured, else this request's host)."""
    base = settings.ANALYTICAFLOW_PUBLIC_URL
    return f"{base}{CALLBACK_PATH}" if base else request.build_absolute_uri(CALLBACK_PATH)


def session_key(request: Request) -> str | None:
    """The browser session that starts a link (callbacks must come back to it); None for token clients."""
    if isinstance(request.successful_authenticator, SessionAuthentication):
        return request._request.session.session_key
    return None


def _integration(request: Request, integration_id: int) -> Integration:
    integration = selectors.integration_get(project_id=current_project(request).id, integration_id=integration_id)
    if integration is None:
        raise NotFound("No such integration in this project.")
    return integration


# --- views -------------------------------------------------------------------------------------------------------


class PlatformSettingSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    type = serializers.ChoiceField(choices=("string", "integer", "boolean", "choice", "list"))
    required = serializers.BooleanField()
    default = serializers.JSONField(required=False)
    choices = serializers.ListField(child=serializers.CharField(), required=False)
    help = serializers.CharField(required=False)


class PlatformSerializer(serializers.Serializer):
    type = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=("ads", "social"))
    oauth = serializers.ChoiceField(choices=("oauth2", "oauth1"))
    configured = serializers.BooleanField(help_text="Whether this server has the platform's app credentials.")
    restatement_days = serializers.IntegerField(help_text="Recent days every daily sync pulls again.")
    settings = PlatformSettingSerializer(many=True)


class PlatformListView(APIView):
    """The platforms a project can connect, with the settings each accepts."""

    @extend_schema(responses=PlatformSerializer(many=True), operation_id="integration_platforms_list")
    def get(self, request: Request) -> Response:
        return Response(PlatformSerializer(catalogue(), many=True).data)


class IntegrationCreateInputSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="Platform: meta_ads, instagram, google_ads, twitter_ads, yahoo_ads.")
    settings = serializers.JSONField(
        required=False, default=dict, help_text='Platform settings, e.g. {"customer_id": "123-456-7890"}.'
    )
    sync_hour = serializers.IntegerField(
        required=False, min_value=0, max_value=23, help_text="Hour of the daily sync, project time zone (default 6)."
    )


class IntegrationListCreateView(APIView):
    permission_classes = [IsAuthenticated, ProjectAccess]

    @extend_schema(responses=IntegrationOutputSerializer(many=True), operation_id="integrations_list")
    def get(self, request: Request, project_id: int) -> Response:
        integrations = list(selectors.integrations_for_project(project_id=current_project(request).id))
        return Response(_output(integrations, many=True))

    @extend_schema(
        request=IntegrationCreateInputSerializer,
        responses={201: IntegrationCreatedSerializer},
        operation_id="integrations_create",
    )
    def post(self, request: Request, project_id: int) -> Response:
        data = IntegrationCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        integration, authorize_url = services.integration_create(
            project=current_project(request),
            user=request.user,
            platform=data.validated_data["type"],
            settings_data=data.validated_data["settings"],
            sync_hour=data.validated_data.get("sync_hour"),
            redirect_uri=redirect_uri(request),
            session_key=session_key(request),
        )
        return Response(_output(integration, authorize_url=authorize_url), status=status.HTTP_201_CREATED)


class IntegrationUpdateInputSerializer(serializers.Serializer):
    sync_hour = serializers.IntegerField(required=False, min_value=0, max_value=23)
    settings = serializers.JSONField(required=False)


class IntegrationDetailView(APIView):
    permission_classes = [IsAuthenticated, ProjectAccess]

    @extend_schema(responses=IntegrationOutputSerializer, operation_id="integrations_retrieve")
    def get(self, request: Request, project_id: int, integration_id: int) -> Response:
        return Response(_output(_integration(request, integration_id)))

    @extend_schema(
        request=IntegrationUpdateInputSerializer,
        responses=IntegrationOutputSerializer,
        operation_id="integrations_partial_update",
    )
    def patch(self, request: Request, project_id: int, integration_id: int) -> Response:
        data = IntegrationUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        integration = services.integration_schedule_update(
            integration=_integration(request, integration_id),
            sync_hour=data.validated_data.get("sync_hour"),
            settings_data=data.validated_data.get("settings"),
        )
        return Response(_output(integration))

    @extend_schema(responses={204: None}, operation_id="integrations_destroy")
    def delete(self, request: Request, project_id: int, integration_id: int) -> Response:
        services.integration_disconnect(integration=_integration(request, integration_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class IntegrationSyncView(APIView):
    """Sync now: re-pull the platform's restatement window (or continue the backfill) in the background."""

    permission_classes = [IsAuthenticated, ProjectAccess]

    @extend_schema(request=None, responses={202: IntegrationOutputSerializer}, operation_id="integrations_sync")
    def post(self, request: Request, project_id: int, integration_id: int) -> Response:
        integration = _integration(request, integration_id)
        services.integration_sync_request(integration=integration)
        return Response(_output(integration), status=status.HTTP_202_ACCEPTED)


class IntegrationReconnectView(APIView):
    """A new authorization for an integration whose grant expired or was revoked."""

    permission_classes = [IsAuthenticated, ProjectAccess]

    @extend_schema(request=None, responses=AuthorizeUrlSerializer, operation_id="integrations_reconnect")
    def post(self, request: Request, project_id: int, integration_id: int) -> Response:
        url = services.integration_reconnect(
            integration=_integration(request, integration_id),
            user=request.user,
            redirect_uri=redirect_uri(request),
            session_key=session_key(request),
        )
        return Response({"authorize_url": url})


class AccountChoiceInputSerializer(serializers.Serializer):
    account_ids = serializers.ListField(
        child=serializers.CharField(max_length=64),
        min_length=1,
        help_text="Accounts to sync, from the list the link offers.",
    )
    sync_hour = serializers.IntegerField(required=False, min_value=0, max_value=23)


class IntegrationAccountsView(APIView):
    """After the OAuth callback: the accounts the grant can read, and picking those to sync."""

    permission_classes = [IsAuthenticated, ProjectAccess]

    @extend_schema(responses=AccountSerializer(many=True), operation_id="integrations_accounts_list")
    def get(self, request: Request, project_id: int, integration_id: int) -> Response:
        link = selectors.link_waiting_for_choice(integration=_integration(request, integration_id))
        accounts = link.accounts if link is not None else []
        return Response(
            [
                {
                    "id": a["account_id"],
                    "name": a.get("name", ""),
                    "currency": a.get("currency"),
                    "time_zone": a["time_zone"],
                }
                for a in accounts
            ]
        )

    @extend_schema(
        request=AccountChoiceInputSerializer,
        responses={201: IntegrationOutputSerializer(many=True)},
        operation_id="integrations_accounts_choose",
    )
    def post(self, request: Request, project_id: int, integration_id: int) -> Response:
        data = AccountChoiceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.integration_accounts_choose(
            integration=_integration(request, integration_id),
            account_ids=data.validated_data["account_ids"],
            sync_hour=data.validated_data.get("sync_hour"),
        )
        return Response(_output(created, many=True), status=status.HTTP_201_CREATED)


class IntegrationRunsView(APIView):
    """The sync history: kind, rows, duration and outcome of each run, newest first."""

    permission_classes = [IsAuthenticated, ProjectAccess]

    @extend_schema(responses=SyncRunSerializer(many=True), operation_id="integrations_runs_list")
    def get(self, request: Request, project_id: int, integration_id: int) -> Response:
        runs: list[SyncRun] = selectors.sync_runs_of(integration=_integration(request, integration_id), limit=50)
        return Response(SyncRunSerializer(runs, many=True).data)
