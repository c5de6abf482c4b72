from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from convening.access import current_capabilities, current_organization, get_current_organization_for
from convening.web import AuthenticatedHttpRequest

from . import exchange, selectors, services
from .forms import RubricImportForm, RubricTranslationForm


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
    translated = {translation.language for translation in rubric.translations.all()}
    context = {
        "rubric": rubric,
        "versions": selectors.rubric_versions(slug=slug, organization=organization),
        # Facilitators see and edit the translations: a link per language of the site.
        "translations": [
            {"language": code, "name": get_language_info(code)["name_translated"], "complete": code in translated}
            for code in exchange.translation_languages()
        ]
        if "rubric.manage" in current_capabilities(request)
        else [],
    }
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


@login_required
@require_http_methods(["GET", "POST"])
def rubric_translation(request: AuthenticatedHttpRequest, slug: str, language: str) -> HttpResponse:
    """One version's texts in one language, each beside its original, for
    facilitators: a form for their organization's own versions no round has
    used; the built-in rubrics' translations (they ship with Convening) and
    those of a version a round has used are shown, not edited."""
    organization = get_current_organization_for(request, need="rubric.manage")
    if language not in exchange.translation_languages():
        raise Http404
    rubric = selectors.get_rubric_for(
        request.user, slug, organization=organization, version=_requested_version(request)
    )
    translation = next((t for t in rubric.translations.all() if t.language == language), None)
    original = exchange.original_to_dict(rubric)
    editable = not rubric.is_builtin and not rubric.frozen
    data = request.POST if request.method == "POST" else None
    form = RubricTranslationForm(data, original=original, texts=translation.texts if translation else None)
    # A read-only version is refused by the service, which says why, whatever was posted.
    if data is not None and (not editable or form.is_valid()):
        try:
            services.rubric_translation_save(
                rubric=rubric, language=language, data=form.translation() if editable else {}
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The translation is saved."))
            return redirect(f"{reverse('rubrics:detail', args=[rubric.slug])}?version={rubric.version}")
    context = {
        "rubric": rubric,
        "form": form,
        "editable": editable,
        "language": language,
        "language_name": get_language_info(language)["name_translated"],
        "original_language": settings.LANGUAGE_CODE,
        "translation": translation,
    }
    status = 400 if form.errors else 200
    return render(request, "rubrics/translation.html", context, status=status)
