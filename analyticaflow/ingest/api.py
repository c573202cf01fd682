"""HTTP API of capture beyond the Segment endpoints: uploading history as JSON Lines."""

from __future__ import annotations

import gzip

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analyticaflow.accounts.permissions import ProjectAccess, current_project
from analyticaflow.errors import InvalidInput, ServiceUnavailable
from analyticaflow.ingest.importing import ImportInterrupted, maybe_gunzip
from analyticaflow.ingest.services import events_import


class ImportRejectionSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="1-based line number in the uploaded file")
    messageId = serializers.CharField(allow_null=True)  # the Segment field name
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                   help_text="field → reasons")


class ImportReportSerializer(serializers.Serializer):
    lines = serializers.IntegerField(help_text="non-blank lines read")
    accepted = serializers.IntegerField(help_text="messages stored, including those already stored before")
    duplicates = serializers.IntegerField(help_text="accepted messages whose messageId was already stored")
    rejected_count = serializers.IntegerField()
    rejected = ImportRejectionSerializer(many=True, help_text="the first 1000 rejected lines")


class EventsImportView(APIView):
    """Backfill history: JSON Lines, one Segment message per line, validated and deduplicated like capture.

    Send the lines as the request body (``Content-Type: application/x-ndjson``; ``Content-Encoding: gzip``
    allowed) or as the multipart field ``file`` (``.jsonl`` or ``.jsonl.gz``). Events without ``messageId``
    get one derived from the line, so uploading a file again stores nothing twice. For very large files use
    ``analyticaflow import events``.
    """

    permission_classes = [IsAuthenticated, ProjectAccess]
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="events_import",
        request={
            "application/x-ndjson": OpenApiTypes.BINARY,
            "multipart/form-data": inline_serializer("EventsImportUpload", {"file": serializers.FileField()}),
        },
        responses={200: ImportReportSerializer},
        examples=[OpenApiExample("report", response_only=True, value={
            "lines": 3, "accepted": 2, "duplicates": 0, "rejected_count": 1,
            "rejected": [{"line": 2, "messageId": None, "errors": {"event": ["is required"]}}]})],
    )
    def post(self, request: Request, project_id: int) -> Response:
        project = current_project(request)
        try:
            report = events_import(project_id=project.id, stream=self._upload(request))
        except ImportInterrupted as exc:
            raise ServiceUnavailable(
                f"The event log became unavailable before line {exc.line}; the lines before it are stored. "
                "Upload the file again: events already stored are skipped.", headers={"Retry-After": "5"}
            ) from exc
        except (OSError, EOFError) as exc:  # a broken gzip stream
            raise InvalidInput(f"The upload could not be read: {exc}", code="malformed_body") from exc
        return Response(ImportReportSerializer(report.as_dict()).data)

    @staticmethod
    def _upload(request: Request):
        if request.content_type.startswith("multipart/form-data"):
            upload = request.FILES.get("file")
            if upload is None:
                raise InvalidInput(fields={"file": ["Attach the JSON Lines file as the multipart field 'file'."]})
            return maybe_gunzip(upload)
        stream = request.stream
        if stream is None:
            raise InvalidInput("The body is empty: send JSON Lines, or a multipart field 'file'.")
        if request.META.get("HTTP_CONTENT_ENCODING", "").strip().lower() == "gzip":
            return gzip.GzipFile(fileobj=stream, mode="rb")
        return stream
