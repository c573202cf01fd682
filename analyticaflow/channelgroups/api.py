"""HTTP API of the channel grouping: read it (any member), change it (owners and marketers)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analyticaflow.accounts.permissions import ProjectAccess, current_project
from analyticaflow.channelgroups import selectors, services
from analyticaflow.channelgroups.rules import GROUPS, LABELS, describe_defaults


class GroupSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=GROUPS)
    label = serializers.CharField()


class DefaultRuleSerializer(serializers.Serializer):
    group = serializers.ChoiceField(choices=GROUPS)
    when = serializers.CharField()


class ChannelGroupingOutputSerializer(serializers.Serializer):
    groups = GroupSerializer(many=True)
    rules = serializers.DictField(
        child=serializers.ChoiceField(choices=GROUPS),
        help_text="The project's rules: a source (`tiktok`) or a source and medium "
        "(`google/cpc`) → group. The more specific rule wins.",
    )
    defaults = DefaultRuleSerializer(
        many=True, help_text="The built-in classification used where no rule applies, in the order it is applied."
    )
    updated_at = serializers.DateTimeField(allow_null=True)
    updated_by = serializers.EmailField(allow_null=True)


class ChannelGroupingInputSerializer(serializers.Serializer):
    rules = serializers.DictField(
        child=serializers.CharField(allow_null=True),
        allow_empty=True,
        help_text="source or source/medium → group. PUT replaces every rule; PATCH merges, null removing a rule.",
    )


def _output(project_id: int) -> dict:
    grouping = selectors.channel_grouping_for(project_id=project_id)
    stored = selectors.channel_grouping_updated(project_id=project_id)
    return {
        "groups": [{"name": str(group), "label": LABELS[group]} for group in GROUPS],
        "rules": dict(grouping.rules),
        "defaults": [{"group": str(rule["group"]), "when": rule["when"]} for rule in describe_defaults()],
        "updated_at": stored.updated_at if stored else None,
        "updated_by": stored.updated_by.email if stored and stored.updated_by else None,
    }


EXAMPLE = OpenApiExample(
    "Two rules", value={"rules": {"tiktok": "paid_social", "partner/referral": "referral"}}, request_only=True
)


class ChannelGroupingView(APIView):
    """The project's channel grouping: which sources count as paid search, paid social, email, organic,
    referral or direct in the attribution report (``group_by: channel_group``)."""

    permission_classes = [IsAuthenticated, ProjectAccess]

    @extend_schema(responses=ChannelGroupingOutputSerializer, operation_id="channel_grouping_retrieve")
    def get(self, request: Request, project_id: int) -> Response:
        return Response(ChannelGroupingOutputSerializer(_output(current_project(request).id)).data)

    def _change(self, request: Request, *, replace: bool) -> Response:
        data = ChannelGroupingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = current_project(request)
        services.channel_grouping_update(
            project=project, rules=data.validated_data["rules"], replace=replace, user=request.user
        )
        return Response(ChannelGroupingOutputSerializer(_output(project.id)).data)

    @extend_schema(
        request=ChannelGroupingInputSerializer,
        responses=ChannelGroupingOutputSerializer,
        examples=[EXAMPLE],
        operation_id="channel_grouping_replace",
    )
    def put(self, request: Request, project_id: int) -> Response:
        return self._change(request, replace=True)

    @extend_schema(
        request=ChannelGroupingInputSerializer,
        responses=ChannelGroupingOutputSerializer,
        examples=[EXAMPLE],
        operation_id="channel_grouping_update",
    )
    def patch(self, request: Request, project_id: int) -> Response:
        return self._change(request, replace=False)
