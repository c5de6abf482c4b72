"""Merging a stakeholder group into another: choose the group (a form sent
by GET), read what moves, confirm (POST). No step needs JavaScript."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from convening.access import get_stakeholder_group_of_user_for
from convening.selectors import stakeholder_groups_for
from convening.web import AuthenticatedHttpRequest, add_service_errors

from . import services
from .forms import GroupMergeForm


@login_required
def stakeholder_group_merge(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    group = get_stakeholder_group_of_user_for(request.user, pk, need="team.manage")
    others = stakeholder_groups_for(organization=group.organization).exclude(pk=group.pk)
    data = request.POST if request.method == "POST" else (request.GET if "into" in request.GET else None)
    form = GroupMergeForm(data, groups=others)
    if form.is_valid():
        into = form.cleaned_data["into"]
        if request.method == "POST":
            try:
                services.stakeholder_group_merge(group=group, into=into, by=request.user)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("“%(group)s” was merged into “%(into)s”.") % {"group": group, "into": into},
                )
                return redirect("convening:stakeholder_groups")
        else:
            context = {"group": group, "into": into, "usage": services.stakeholder_group_usage(group=group)}
            return render(request, "assessments/groups/merge_confirm.html", context)
    status = 400 if data is not None else 200
    context = {"group": group, "form": form, "has_others": others.exists()}
    return render(request, "assessments/groups/merge.html", context, status=status)
