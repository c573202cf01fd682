"""URL map: the web UI at the root, the API under /api/v1/, its schema and docs, the admin site."""

from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

admin.site.site_header = "AnalyticaFlow administration"
admin.site.site_title = "AnalyticaFlow admin"


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("healthz", health, name="health"),
    path("admin/", admin.site.urls),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include("analyticaflow.accounts.urls")),
    path("api/v1/", include("analyticaflow.eventlog.urls")),
    path("api/v1/", include("analyticaflow.ingest.urls")),
    path("api/v1/", include("analyticaflow.reports.urls")),
    path("api/v1/", include("analyticaflow.analysis.urls")),
    path("api/v1/", include("analyticaflow.reports.attribution_report.urls")),
    path("api/v1/", include("analyticaflow.channelgroups.urls")),
    path("api/v1/", include("analyticaflow.channeldata.urls")),
    path("api/v1/", include("analyticaflow.integrations.urls")),
    path("", include("analyticaflow.web.urls")),
]

handler403 = "analyticaflow.web.views.permission_denied"
handler404 = "analyticaflow.web.views.not_found"
handler500 = "analyticaflow.web.views.server_error"
