"""What the assessments app's views share: dates in the organization's time
zone, and the answers to a state change that does not fit (409) or results
that are not shown (yet)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from convening.models import Organization

from .exceptions import StateConflict
from .models import Round


def local_time(organization: Organization) -> timezone.override:
    """Dates are typed and shown in the organization's time zone, whoever looks."""
    return timezone.override(ZoneInfo(organization.time_zone))


def conflict_page(request: HttpRequest, round_: Round, error: StateConflict) -> HttpResponse:
    """A state change that does not fit the round's state now (a second click,
    a page left open): 409, with the reason and the way back."""
    return render(request, "assessments/rounds/conflict.html", {"round": round_, "message": str(error)}, status=409)


def act(request: HttpRequest, round_: Round, action: Callable[[], Any], success: Callable[[Any], str]) -> HttpResponse:
    """Runs one state change: on success back to the round's page with
    `success(result)` as the message, on a conflict the 409 page."""
    try:
        result = action()
    except StateConflict as error:
        return conflict_page(request, round_, error)
    messages.success(request, success(result))
    return redirect("assessments:round_detail", pk=round_.pk)


def problem_page(
    request: HttpRequest, round_: Round, message: str, *, status: int, can_reveal: bool = False
) -> HttpResponse:
    """Why a round's results page shows nothing (yet), or why an action on it was refused."""
    context = {"round": round_, "message": message, "can_reveal": can_reveal}
    return render(request, "assessments/results/problem.html", context, status=status)
