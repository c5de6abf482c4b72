"""What every app's views share: putting a service's refusal onto the form
the person filled in. (It lives in the lowest app so that `rubrics` and
`assessments` can use it too; imports run upwards only.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
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


def confirmation_page(
    request: HttpRequest,
    *,
    title: str,
    consequences: list[str],
    submit_label: str,
    cancel_url: str,
    danger: bool = False,
    hidden: dict[str, object] | None = None,
    action: str | None = None,
) -> HttpResponse:
    """The page a consequential button leads to first: what will happen, in numbers, then the button
    that does it (posting to `action`, by default the same address). A page, not a confirm() box, so it
    reads the same without JavaScript, and it states the consequences a box could not."""
    context = {
        "title": title,
        "consequences": consequences,
        "action": action or request.path,
        "submit_label": submit_label,
        "cancel_url": cancel_url,
        "danger": danger,
        "hidden": hidden or {},
    }
    return render(request, "confirm.html", context)
