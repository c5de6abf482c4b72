from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from convening.access import current_organization, get_current_organization_for
from convening.web import AuthenticatedHttpRequest

from . import exchange, selectors, services
from .forms import RubricImportForm


def _requested_version(request: HttpRequest) -> int | None:
    """`?version=N`; anything but a whole number answers 404, like an unknown
    version. Nine digits at most: a longer number is no version, and would
    overflow the database's integer."""
    raw = request.GET.get("version")
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        raise Http404
    return int(raw)


@login_required
@require_safe
def rubric_library(request: HttpRequest) -> HttpResponse:
    rubrics = selectors.rubric_library(organization=current_organization(request))
    return render(request, "rubrics/library.html", {"rubrics": rubrics})


@login_required
@require_safe
def rubric_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organization = current_organization(request)
    version = _requested_version(request)
    rubric = selectors.get_rubric_for(request.user, slug, organization=organization, version=version)
    context = {"rubric": rubric, "versions": selectors.rubric_versions(slug=slug, organization=organization)}
    return render(request, "rubrics/detail.html", context)


@login_required
@require_safe
def rubric_json(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    rubric = selectors.get_rubric_for(
        request.user, slug, organization=current_organization(request), version=_requested_version(request)
    )
    response = HttpResponse(
        exchange.dumps(exchange.rubric_to_dict(rubric)), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="{rubric.slug}-v{rubric.version}.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def rubric_import(request: HttpRequest) -> HttpResponse:
    organization = get_current_organization_for(request, need="rubric.manage")
    if request.method != "POST":
        return render(request, "rubrics/import.html", {"form": RubricImportForm()})
    form = RubricImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            rubric = services.rubric_import(data=form.cleaned_data["file"], organization=organization)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            message = _("Imported “%(title)s”, version %(version)s.")
            messages.success(request, message % {"title": rubric.title, "version": rubric.version})
            return redirect(f"{reverse('rubrics:detail', args=[rubric.slug])}?version={rubric.version}")
    return render(request, "rubrics/import.html", {"form": form})
