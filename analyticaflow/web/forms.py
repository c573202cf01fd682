from __future__ import annotations

import copy
import zoneinfo
from functools import cache

from django import forms
from django.contrib.auth import authenticate
from django.forms.utils import flatatt
from django.http import HttpRequest
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from analyticaflow.accounts.models import Role
from analyticaflow.accounts.reference import CURRENCIES

# The tz database on disk is walked once per process.
TIME_ZONE_CHOICES = tuple((name, name) for name in sorted(zoneinfo.available_timezones()))
CURRENCY_CHOICES = tuple((code, code) for code in sorted(CURRENCIES))


@cache
def _options_html(options: tuple[tuple[str, str], ...]) -> str:
    return "".join(f'<option value="{escape(key)}">{escape(label)}</option>' for key, label in options)


class LongSelect(forms.Select):
    """A select of hundreds of plain options (time zones, currencies) whose HTML is built once per process:
    Django's default renders a template per option, a fifth of a second for the time zones alone."""

    def __init__(self, *, options: tuple[tuple[str, str], ...], attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs)
        self.options_tuple = options

    def __deepcopy__(self, memo: dict) -> LongSelect:
        # Each form gets its own widget, but the options never change: share them instead of copying 600 pairs.
        result = copy.copy(self)
        result.attrs = self.attrs.copy()
        memo[id(self)] = result
        return result

    def render(self, name: str, value, attrs=None, renderer=None) -> SafeString:
        options = _options_html(self.options_tuple)
        if value not in (None, ""):
            plain = f'<option value="{escape(value)}">'
            options = options.replace(plain, plain[:-1] + " selected>", 1)
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")  # noqa: S308 - every value is escaped


class LongChoiceField(forms.ChoiceField):
    """A choice among fixed options shared by every form instance instead of deep-copied per form."""

    def __deepcopy__(self, memo: dict) -> LongChoiceField:
        result = forms.Field.__deepcopy__(self, memo)
        result._choices = self._choices
        return result


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
    timezone = LongChoiceField(choices=TIME_ZONE_CHOICES, initial="UTC", widget=LongSelect(options=TIME_ZONE_CHOICES))
    currency = LongChoiceField(choices=CURRENCY_CHOICES, initial="USD", widget=LongSelect(options=CURRENCY_CHOICES))


class MemberAddForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100)
