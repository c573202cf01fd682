"""Server-rendered pages. Every project page checks membership; writes check the role."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from analyticaflow.accounts import selectors, services
from analyticaflow.accounts.models import ROLE_CAN_ADMINISTER, ROLE_CAN_WRITE, Membership
from analyticaflow.errors import AppError
from analyticaflow.web.forms import ApiKeyForm, LoginForm, MemberAddForm, MemberRoleForm, ProjectForm


def require_membership(request: HttpRequest, project_id: int, *, need: str = "read") -> Membership:
    """The caller's membership of the project; 403 when there is none or its role cannot do ``need``."""
    membership = selectors.membership_for(user=request.user, project_id=project_id)
    if membership is None:
        raise PermissionDenied("You are not a member of this project.")
    if need == "write" and not ROLE_CAN_WRITE[membership.role]:
        raise PermissionDenied("Your role cannot change this project.")
    if need == "admin" and not ROLE_CAN_ADMINISTER[membership.role]:
        raise PermissionDenied("Only project owners can do this.")
    return membership


def _report_error(request: HttpRequest, error: AppError) -> None:
    details = "; ".join(f"{field}: {' '.join(reasons)}" for field, reasons in error.fields.items())
    messages.error(request, f"{error.message} {details}".strip())


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.user.is_authenticated:
        return redirect("web:projects")
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.user, backend="django.contrib.auth.backends.ModelBackend")
        if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
            return HttpResponseRedirect(next_url)
        return redirect("web:projects")
    status = 400 if request.method == "POST" else 200
    return render(request, "web/login.html", {"form": form, "next": next_url}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:login")


def home(request: HttpRequest) -> HttpResponse:
    return redirect("web:projects" if request.user.is_authenticated else "web:login")


@login_required
@require_http_methods(["GET", "POST"])
def projects(request: HttpRequest) -> HttpResponse:
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(owner=request.user, name=form.cleaned_data["name"],
                                              timezone_name=form.cleaned_data["timezone"],
                                              currency=form.cleaned_data["currency"])
        except AppError as error:
            _report_error(request, error)
        else:
            messages.success(request, f"Project “{project.name}” created.")
            return redirect("web:project", project_id=project.id)
    memberships = Membership.objects.filter(user=request.user).select_related("project").order_by("project__name")
    return render(request, "web/projects.html", {"memberships": memberships, "form": form})


@login_required
def project_setup(request: HttpRequest, project_id: int) -> HttpResponse:
    membership = require_membership(request, project_id)
    capture_url = request.build_absolute_uri("/v1/track")
    return render(request, "web/project_home.html", {
        "project": membership.project, "membership": membership, "capture_url": capture_url,
        "section": "setup",
    })


@login_required
@require_http_methods(["GET", "POST"])
def project_settings(request: HttpRequest, project_id: int) -> HttpResponse:
    membership = require_membership(request, project_id)
    project = membership.project
    is_owner = ROLE_CAN_ADMINISTER[membership.role]
    form = ProjectForm(request.POST or None, initial={
        "name": project.name, "timezone": project.timezone, "currency": project.currency})
    if request.method == "POST":
        require_membership(request, project_id, need="admin")
        if form.is_valid():
            try:
                services.project_update(project=project, name=form.cleaned_data["name"],
                                        timezone_name=form.cleaned_data["timezone"],
                                        currency=form.cleaned_data["currency"])
            except AppError as error:
                _report_error(request, error)
            else:
                messages.success(request, "Project settings saved.")
                return redirect("web:project-settings", project_id=project.id)
    return render(request, "web/project_settings.html", {
        "project": project, "membership": membership, "is_owner": is_owner, "form": form,
        "members": selectors.project_members(project=project),
        "member_form": MemberAddForm(), "role_form": MemberRoleForm(),
        "api_keys": selectors.project_api_keys(project=project), "api_key_form": ApiKeyForm(),
        "new_api_key": request.session.pop("new_api_key", None),
        "section": "settings",
    })


def _back_to_settings(project_id: int, anchor: str) -> HttpResponse:
    return HttpResponseRedirect(reverse("web:project-settings", args=[project_id]) + f"#{anchor}")


@login_required
@require_POST
def rotate_write_key(request: HttpRequest, project_id: int) -> HttpResponse:
    membership = require_membership(request, project_id, need="admin")
    services.project_rotate_write_key(project=membership.project)
    messages.success(request, "A new write key is active. Update your tracking code; the old key no longer works.")
    return _back_to_settings(project_id, "write-key")


@login_required
@require_POST
def member_add(request: HttpRequest, project_id: int) -> HttpResponse:
    membership = require_membership(request, project_id, need="admin")
    form = MemberAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter a valid email address and role.")
    else:
        try:
            added = services.membership_add(project=membership.project, **form.cleaned_data)
        except AppError as error:
            _report_error(request, error)
        else:
            messages.success(request, f"{added.user.email} added as {added.get_role_display().lower()}.")
    return _back_to_settings(project_id, "members")


@login_required
@require_POST
def member_change(request: HttpRequest, project_id: int, user_id: int) -> HttpResponse:
    membership = require_membership(request, project_id, need="admin")
    target = selectors.project_members(project=membership.project).filter(user_id=user_id).first()
    if target is None:
        raise PermissionDenied("No such member.")
    try:
        if request.POST.get("action") == "remove":
            services.membership_remove(membership=target)
            messages.success(request, f"{target.user.email} removed.")
        else:
            form = MemberRoleForm(request.POST)
            if form.is_valid():
                services.membership_change_role(membership=target, role=form.cleaned_data["role"])
                messages.success(request, f"{target.user.email} is now {form.cleaned_data['role']}.")
            else:
                messages.error(request, "Choose a valid role.")
    except AppError as error:
        _report_error(request, error)
    return _back_to_settings(project_id, "members")


@login_required
@require_POST
def api_key_issue(request: HttpRequest, project_id: int) -> HttpResponse:
    membership = require_membership(request, project_id, need="admin")
    form = ApiKeyForm(request.POST)
    if form.is_valid():
        issued = services.api_key_issue(project=membership.project, name=form.cleaned_data["name"],
                                        created_by=request.user)
        # Shown once on the next page view, then gone from the session.
        request.session["new_api_key"] = issued.raw_key
    else:
        messages.error(request, "Give the key a name.")
    return _back_to_settings(project_id, "api-keys")


@login_required
@require_POST
def api_key_revoke(request: HttpRequest, project_id: int, key_id: int) -> HttpResponse:
    membership = require_membership(request, project_id, need="admin")
    try:
        services.api_key_revoke(project=membership.project, api_key_id=key_id)
        messages.success(request, "API key revoked.")
    except AppError as error:
        _report_error(request, error)
    return _back_to_settings(project_id, "api-keys")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"error": {"code": "forbidden", "message": str(exception or "Forbidden")}}, status=403)
    return render(request, "web/error.html", {"title": "Access denied", "message": str(exception or "")}, status=403)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(("/api/", "/v1/"))


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"error": {"code": "not_found", "message": "Not found."}}, status=404)
    return render(request, "web/error.html", {"title": "Page not found", "message": ""}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"error": {"code": "server_error", "message": "Internal error."}}, status=500)
    return HttpResponse("<h1>Something went wrong</h1>", status=500)
