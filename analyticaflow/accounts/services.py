"""Writes for accounts and projects. Keyword-only ``<entity>_<action>()`` functions."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from analyticaflow.accounts.models import (
    API_KEY_PREFIX,
    ApiKey,
    Membership,
    Project,
    Role,
    User,
    new_write_key,
)
from analyticaflow.accounts.reference import is_currency, is_time_zone
from analyticaflow.errors import Conflict, InvalidInput, NotFound


def _check_project_fields(*, timezone_name: str | None, currency: str | None) -> None:
    fields: dict[str, list[str]] = {}
    if timezone_name is not None and not is_time_zone(timezone_name):
        fields["timezone"] = [f"'{timezone_name}' is not an IANA time zone (e.g. 'Europe/Berlin')."]
    if currency is not None and not is_currency(currency):
        fields["currency"] = [f"'{currency}' is not an ISO 4217 currency code (e.g. 'EUR')."]
    if fields:
        raise InvalidInput(fields=fields)


def user_create(*, email: str, password: str, is_admin: bool = False, name: str = "",
                validate: bool = True) -> User:
    """Create a user; ``validate`` runs the password policy (scripts may pass ``validate=False``)."""
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email=email).exists():
        raise Conflict(f"A user with email {email} already exists.", fields={"email": ["Already registered."]})
    if validate:
        try:
            validate_password(password, User(email=email))
        except DjangoValidationError as exc:
            raise InvalidInput(fields={"password": list(exc.messages)}) from exc
    if is_admin:
        return User.objects.create_superuser(email=email, password=password, name=name)
    return User.objects.create_user(email=email, password=password, name=name)


def user_set_password(*, user: User, password: str) -> User:
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


@transaction.atomic
def project_create(*, owner: User, name: str, timezone_name: str = "UTC", currency: str = "USD") -> Project:
    _check_project_fields(timezone_name=timezone_name, currency=currency)
    project = Project.objects.create(name=name, timezone=timezone_name, currency=currency)
    Membership.objects.create(project=project, user=owner, role=Role.OWNER)
    return project


def project_update(*, project: Project, name: str | None = None, timezone_name: str | None = None,
                   currency: str | None = None) -> Project:
    _check_project_fields(timezone_name=timezone_name, currency=currency)
    changed = []
    for field, value in (("name", name), ("timezone", timezone_name), ("currency", currency)):
        if value is not None and getattr(project, field) != value:
            setattr(project, field, value)
            changed.append(field)
    if changed:
        project.save(update_fields=[*changed, "updated_at"])
    return project


def project_delete(*, project: Project) -> None:
    project.delete()


def project_rotate_write_key(*, project: Project) -> Project:
    """Issue a new write key; the old one stops working at once."""
    project.write_key = new_write_key()
    project.save(update_fields=["write_key", "updated_at"])
    return project


def _owner_count(project: Project) -> int:
    return Membership.objects.filter(project=project, role=Role.OWNER).count()


@transaction.atomic
def membership_add(*, project: Project, email: str, role: str) -> Membership:
    email = email.strip().lower()
    user = User.objects.filter(email=email, is_active=True).first()
    if user is None:
        raise InvalidInput(fields={"email": [f"No active user with email {email}; create the user first."]})
    try:
        with transaction.atomic():
            return Membership.objects.create(project=project, user=user, role=role)
    except IntegrityError as exc:
        raise Conflict(f"{email} is already a member of this project.",
                       fields={"email": ["Already a member."]}) from exc


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str) -> Membership:
    if membership.role == Role.OWNER and role != Role.OWNER and _owner_count(membership.project) == 1:
        raise InvalidInput(fields={"role": ["A project needs at least one owner."]})
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    if membership.role == Role.OWNER and _owner_count(membership.project) == 1:
        raise InvalidInput(fields={"user": ["The last owner cannot be removed; make someone else owner first."]})
    membership.delete()


def hash_api_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedApiKey:
    api_key: ApiKey
    raw_key: str  # shown to the user once, never stored


def api_key_issue(*, project: Project, name: str, created_by: User | None) -> IssuedApiKey:
    raw_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(project=project, name=name, prefix=raw_key[:10],
                                    key_hash=hash_api_key(raw_key), created_by=created_by)
    return IssuedApiKey(api_key=api_key, raw_key=raw_key)


def api_key_revoke(*, project: Project, api_key_id: int) -> ApiKey:
    api_key = ApiKey.objects.filter(project=project, id=api_key_id, revoked_at__isnull=True).first()
    if api_key is None:
        raise NotFound("No active API key with that id in this project.")
    api_key.revoked_at = timezone.now()
    api_key.save(update_fields=["revoked_at"])
    return api_key


def api_key_touch(*, api_key: ApiKey) -> None:
    """Record use, at most once a minute per key to keep reads cheap."""
    now = timezone.now()
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(id=api_key.id).update(last_used_at=now)
