from __future__ import annotations

import zoneinfo
from functools import cache

from django import forms
from django.contrib.auth import authenticate
from django.http import HttpRequest

from analyticaflow.accounts.models import Role
from analyticaflow.accounts.reference import CURRENCIES


@cache
def _time_zone_choices() -> list[tuple[str, str]]:
    # available_timezones() walks the tz database on disk: once per process is enough.
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class LoginForm(forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, request: HttpRequest, *args, **kwargs) -> None:
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        self.user = authenticate(self.request, email=data["email"], password=data["password"])
        if self.user is None or not self.user.is_active:
            raise forms.ValidationError("Email or password is incorrect.")
        return data


class ProjectForm(forms.Form):
    name = forms.CharField(max_length=200)
    timezone = forms.ChoiceField(choices=_time_zone_choices, initial="UTC")
    currency = forms.ChoiceField(choices=[(c, c) for c in sorted(CURRENCIES)], initial="USD")


class MemberAddForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100)
