"""Reads for accounts and projects."""

from __future__ import annotations

from django.db.models import QuerySet

from analyticaflow.accounts.models import ApiKey, Membership, Project, User


def projects_for_user(*, user: User) -> QuerySet[Project]:
    return Project.objects.filter(memberships__user=user).distinct()


def membership_for(*, user: User, project_id: int) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.select_related("project").filter(user=user, project_id=project_id).first()


def project_members(*, project: Project) -> QuerySet[Membership]:
    return Membership.objects.filter(project=project).select_related("user").order_by("user__email")


def project_api_keys(*, project: Project) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(project=project, revoked_at__isnull=True)


def api_key_by_hash(*, key_hash: str) -> ApiKey | None:
    return ApiKey.objects.select_related("project").filter(key_hash=key_hash, revoked_at__isnull=True).first()


def project_by_write_key(*, write_key: str) -> Project | None:
    return Project.objects.filter(write_key=write_key).first()


def project_by_id(*, project_id: int) -> Project | None:
    return Project.objects.filter(id=project_id).first()
