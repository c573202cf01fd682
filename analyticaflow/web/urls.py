from django.urls import path

from analyticaflow.web import analysis_pages, attribution, channel_grouping, dashboard, integrations, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("projects/", views.projects, name="projects"),
    path("projects/<int:project_id>/", dashboard.dashboard, name="project"),
    path("projects/<int:project_id>/utm-audit/", dashboard.utm_audit, name="utm-audit"),
    path("projects/<int:project_id>/attribution/", attribution.attribution, name="attribution"),
    path("projects/<int:project_id>/funnels/", analysis_pages.funnels_page, name="analysis-funnels"),
    path("projects/<int:project_id>/cohorts/", analysis_pages.cohorts_page, name="analysis-cohorts"),
    path("projects/<int:project_id>/ltv/", analysis_pages.ltv_page, name="analysis-ltv"),
    path("projects/<int:project_id>/journeys/", analysis_pages.journeys_page, name="analysis-journeys"),
    path("projects/<int:project_id>/people/", analysis_pages.person_page, name="analysis-person"),
    path("projects/<int:project_id>/setup/", views.project_setup, name="project-setup"),
    path("projects/<int:project_id>/integrations/", integrations.integrations_page, name="integrations"),
    path(
        "projects/<int:project_id>/integrations/<int:integration_id>/accounts/",
        integrations.account_picker,
        name="integration-accounts",
    ),
    path("integrations/callback", integrations.oauth_callback, name="integrations-callback"),
    path("projects/<int:project_id>/settings/", views.project_settings, name="project-settings"),
    path("projects/<int:project_id>/settings/channel-grouping/", channel_grouping.channel_grouping_page,
         name="channel-grouping"),
    path("projects/<int:project_id>/settings/write-key/rotate", views.rotate_write_key, name="rotate-write-key"),
    path("projects/<int:project_id>/settings/members", views.member_add, name="member-add"),
    path("projects/<int:project_id>/settings/members/<int:user_id>", views.member_change, name="member-change"),
    path("projects/<int:project_id>/settings/api-keys", views.api_key_issue, name="api-key-issue"),
    path("projects/<int:project_id>/settings/api-keys/<int:key_id>/revoke", views.api_key_revoke,
         name="api-key-revoke"),
]
