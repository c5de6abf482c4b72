"""What every app's views share: putting a service's refusal onto the form
the person filled in. (It lives in the lowest app so that `rubrics` and
`assessments` can use it too; imports run upwards only.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django_htmx.middleware import HtmxDetails

from .models import User

T = TypeVar("T")


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's refusal beside the field it names when the form has that
    field, above the form otherwise."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def saved(form: forms.Form, write: Callable[[dict[str, Any]], T]) -> T | None:
    """Runs the service `write` on a valid form's data; a refusal by the
    service lands on the form, as the form's own errors would. None when
    nothing was saved."""
    if not form.is_valid():
        return None
    try:
        return write(form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return None


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind `login_required`: its user is a person,
    never anonymous (and django-htmx tells whether htmx sent it)."""

    user: User
    htmx: HtmxDetails


def forget_this_device(response: HttpResponse) -> HttpResponse:
    """Asks the browser to drop what it kept of the person's answers (the
    rating page's offline copy and its waiting changes): on a shared
    computer, the next person must find nothing of them."""
    response["Clear-Site-Data"] = '"cache", "storage"'
    return response
