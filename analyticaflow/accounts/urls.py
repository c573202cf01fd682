from django.urls import path

from analyticaflow.accounts import api

urlpatterns = [
    path("auth/token", api.TokenObtainView.as_view(), name="token"),
    path("auth/token/refresh", api.TokenRefreshView.as_view(), name="token-refresh"),
    path("auth/logout", api.LogoutView.as_view(), name="logout"),
    path("me", api.MeView.as_view(), name="me"),
    path("projects", api.ProjectListCreateView.as_view(), name="projects"),
    path("projects/<int:project_id>", api.ProjectDetailView.as_view(), name="project"),
    path("projects/<int:project_id>/write-key/rotate", api.WriteKeyRotateView.as_view(), name="write-key-rotate"),
    path("projects/<int:project_id>/members", api.MemberListAddView.as_view(), name="members"),
    path("projects/<int:project_id>/members/<int:user_id>", api.MemberDetailView.as_view(), name="member"),
    path("projects/<int:project_id>/api-keys", api.ApiKeyListIssueView.as_view(), name="api-keys"),
    path("projects/<int:project_id>/api-keys/<int:key_id>", api.ApiKeyRevokeView.as_view(), name="api-key"),
]
