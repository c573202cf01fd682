"""HTTP API of the event store: the support log of a project's events."""

from __future__ import annotations

import orjson
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analyticaflow.accounts.permissions import ProjectAccess, current_project
from analyticaflow.eventlog import selectors
from analyticaflow.eventlog.contracts import EVENT_TYPES, StoredEvent

NAMED_FIELD_BY_TYPE = {"track": "event", "page": "name", "screen": "name"}


class EventListInputSerializer(serializers.Serializer):
    since = serializers.DateTimeField(required=False, help_text="Events at or after this instant (ISO 8601).")
    until = serializers.DateTimeField(required=False, help_text="Events before this instant (ISO 8601).")
    type = serializers.ChoiceField(choices=EVENT_TYPES, required=False)
    event = serializers.CharField(
        required=False, max_length=500, help_text="A track event name, or a page/screen name."
    )
    person = serializers.CharField(required=False, max_length=500, help_text="An anonymousId or a userId.")
    cursor = serializers.CharField(required=False, max_length=200, help_text="`next` from the previous page.")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=500, default=50)

    def validate(self, attrs: dict) -> dict:
        since, until = attrs.get("since"), attrs.get("until")
        if since is not None and until is not None and until <= since:
            raise serializers.ValidationError({"until": ["Must be later than since."]})
        return attrs


class EventOutputSerializer(serializers.Serializer):
    seq = serializers.IntegerField(help_text="Position in the event log (arrival order).")
    messageId = serializers.CharField()
    type = serializers.ChoiceField(choices=EVENT_TYPES)
    event = serializers.CharField(allow_null=True, help_text="Track events: the event name.")
    name = serializers.CharField(allow_null=True, help_text="Page and screen events: the page/screen name.")
    timestamp = serializers.DateTimeField()
    receivedAt = serializers.DateTimeField()
    anonymousId = serializers.CharField(allow_null=True)
    userId = serializers.CharField(allow_null=True)
    payload = serializers.JSONField(help_text="The original message as stored, never modified.")


class EventPageOutputSerializer(serializers.Serializer):
    results = EventOutputSerializer(many=True)
    next = serializers.CharField(allow_null=True, help_text="Cursor of the next (older) page; null on the last.")


def event_item(stored: StoredEvent) -> dict:
    record = stored.record
    named_field = NAMED_FIELD_BY_TYPE.get(record.type)
    return {
        "seq": stored.seq,
        "messageId": record.message_id,
        "type": record.type,
        "event": record.name if named_field == "event" else None,
        "name": record.name if named_field == "name" else None,
        "timestamp": record.timestamp,
        "receivedAt": record.received_at,
        "anonymousId": record.anonymous_id,
        "userId": record.user_id,
        "payload": orjson.loads(record.payload),
    }


class EventListView(APIView):
    """List the project's stored events, newest first: the process log support staff read.

    Filters combine (AND). Paging: pass the `next` cursor back as `cursor` for older events.
    """

    permission_classes = [IsAuthenticated, ProjectAccess]

    @extend_schema(
        parameters=[EventListInputSerializer], responses=EventPageOutputSerializer, operation_id="projects_events_list"
    )
    def get(self, request: Request, project_id: int) -> Response:
        data = EventListInputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        page = selectors.events_list(project_id=current_project(request).id, **data.validated_data)
        body = {"results": [event_item(stored) for stored in page.events], "next": page.next_cursor}
        return Response(EventPageOutputSerializer(body).data)
