"""HTTP API of channel data: uploading daily ad spend as CSV."""

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
from analyticaflow.channeldata.services import spend_import
from analyticaflow.channeldata.spend_csv import MAX_ROWS, SpendFileInvalid, SpendFileTooLarge, maybe_gunzip
from analyticaflow.errors import InvalidInput, PayloadTooLarge, ServiceUnavailable
from analyticaflow.warehouse.backends import WarehouseError


class SpendAccountSerializer(serializers.Serializer):
    source = serializers.CharField()
    account_id = serializers.CharField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    rows = serializers.IntegerField()


class SpendImportReportSerializer(serializers.Serializer):
    lines = serializers.IntegerField(help_text="Data lines read (blank lines skipped).")
    rows = serializers.IntegerField(help_text="Rows loaded.")
    days_replaced = serializers.IntegerField(help_text="(source, account_id, date) days replaced by the file.")
    accounts = SpendAccountSerializer(many=True)


class SpendImportView(APIView):
    """Load daily ad spend for platforms without a connector from a CSV file.

    Columns (header line required): `date,source,account_id,campaign_id,campaign_name,spend,impressions,clicks,
    currency`, optionally `adset_id,ad_id,platform_conversions,platform_conversion_value`. Send the file as the
    request body (`Content-Type: text/csv`, `Content-Encoding: gzip` allowed) or as the multipart field `file`.
    Every line is checked first: any problem answers 400 naming each line and column, and nothing is imported.
    A valid file replaces, for each (source, account_id, date) it holds, that day's rows — importing it again
    changes nothing. Owners and marketers only.
    """

    permission_classes = [IsAuthenticated, ProjectAccess]
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="spend_import",
        request={"text/csv": OpenApiTypes.BINARY,
                 "multipart/form-data": inline_serializer("SpendImportUpload", {"file": serializers.FileField()})},
        responses={200: SpendImportReportSerializer},
        examples=[OpenApiExample("report", response_only=True, value={
            "lines": 2, "rows": 2, "days_replaced": 2,
            "accounts": [{"source": "tiktok", "account_id": "7001", "date_from": "2026-03-01",
                          "date_to": "2026-03-02", "rows": 2}]})],
    )
    def post(self, request: Request, project_id: int) -> Response:
        project = current_project(request)
        try:
            report = spend_import(project_id=project.id, stream=self._upload(request))
        except SpendFileInvalid as exc:
            fields = {f"line {e.line}: {e.field}": [e.message] for e in exc.errors}
            raise InvalidInput(str(exc), fields=fields, code="invalid_file") from exc
        except SpendFileTooLarge as exc:
            raise PayloadTooLarge(f"The file has {exc}; at most {MAX_ROWS:,} rows per upload.") from exc
        except (OSError, EOFError) as exc:  # a broken gzip stream
            raise InvalidInput(f"The upload could not be read: {exc}", code="malformed_body") from exc
        except WarehouseError as exc:
            raise ServiceUnavailable(f"The warehouse is not available: {exc}") from exc
        return Response(SpendImportReportSerializer(report.as_dict()).data)

    @staticmethod
    def _upload(request: Request):
        if request.content_type.startswith("multipart/form-data"):
            upload = request.FILES.get("file")
            if upload is None:
                raise InvalidInput(fields={"file": ["Attach the CSV file as the multipart field 'file'."]})
            return maybe_gunzip(upload)
        stream = request.stream
        if stream is None:
            raise InvalidInput("The body is empty: send the CSV file, or a multipart field 'file'.")
        if request.META.get("HTTP_CONTENT_ENCODING", "").strip().lower() == "gzip":
            return gzip.GzipFile(fileobj=stream, mode="rb")
        return stream
