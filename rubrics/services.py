"""Writes for rubrics. Each function validates before it saves and runs in one
transaction, so a rubric is stored whole or not at all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from convening.models import Organization

from . import exchange
from .models import Descriptor, KeyAction, Level, Rubric, RubricTranslation


@transaction.atomic
def rubric_import(*, data: dict[str, Any], organization: Organization | None) -> Rubric:
    """Stores exchange data as a rubric of the organization (None: built-in).
    A slug the organization already sees becomes the next version of that
    chain; a new slug keeps the file's version. Raises ValidationError."""
    # exchange.clean checks every field against the model's limits; the
    # database's constraints catch the rest.
    cleaned = exchange.clean(data)
    try:
        # A savepoint of its own, so that losing a race leaves the caller's
        # transaction usable.
        with transaction.atomic():
            rubric = Rubric.objects.create(
                organization=organization,
                slug=cleaned["slug"],
                version=_next_version(slug=cleaned["slug"], organization=organization, wanted=cleaned["version"]),
                title=cleaned["title"],
                source=cleaned["source"],
                row_heading=cleaned["row_heading"],
                row_subheading=cleaned["row_subheading"],
            )
    except IntegrityError as error:
        raise ValidationError(
            _("slug: another version of this rubric was saved at the same moment; please import again")
        ) from error
    levels = Level.objects.bulk_create(Level(rubric=rubric, **level) for level in cleaned["levels"])
    key_actions = KeyAction.objects.bulk_create(
        KeyAction(rubric=rubric, position=key_action["position"], title=key_action["title"])
        for key_action in cleaned["key_actions"]
    )
    Descriptor.objects.bulk_create(
        Descriptor(key_action=key_action, level=level, text=text)
        for key_action, row in zip(key_actions, cleaned["key_actions"], strict=True)
        for level, text in zip(levels, row["descriptors"], strict=True)
    )
    RubricTranslation.objects.bulk_create(
        RubricTranslation(rubric=rubric, language=language, texts=texts)
        for language, texts in cleaned.get("translations", {}).items()
    )
    return rubric


def _next_version(*, slug: str, organization: Organization | None, wanted: int) -> int:
    # Built-ins are seen by every organization, so a new built-in version has
    # to outrank every organization's chain of that slug; an organization's
    # version only has to outrank what that organization sees. Either way two
    # visible rubrics never share a slug and version.
    chain = Rubric.objects.filter(slug=slug)
    if organization is not None:
        chain = chain.visible_to([organization.pk])
    latest = chain.aggregate(latest=Max("version"))["latest"]
    return wanted if latest is None else latest + 1


@transaction.atomic
def rubric_freeze(*, rubric: Rubric) -> bool:
    """Marks a rubric as used, so that it is never edited again; True when
    this call froze it. A conditional update: rounds starting at the same
    moment agree on who froze it."""
    frozen_now = Rubric.objects.filter(pk=rubric.pk, frozen=False).update(frozen=True) == 1
    rubric.frozen = True
    return frozen_now


@transaction.atomic
def rubric_translation_save(*, rubric: Rubric, language: str, data: dict[str, Any]) -> RubricTranslation:
    """Stores (or replaces) the rubric's translation into `language`, checked
    as an import checks it: complete, or refused with nothing changed. The
    built-in rubrics' translations ship with the project, and a version a
    round has used is frozen, its translations with it."""
    # Read again under a lock: a round freezing the rubric meanwhile wins.
    rubric = Rubric.objects.select_for_update().get(pk=rubric.pk)
    if rubric.is_builtin:
        raise ValidationError(_("The built-in rubrics’ translations come with Convening and cannot be changed here."))
    if rubric.frozen:
        raise ValidationError(
            _(
                "A round has used this version, so its texts and translations are frozen. "
                "Import it again to make a new version, and translate that one."
            )
        )
    original = exchange.original_to_dict(
        Rubric.objects.prefetch_related("levels", "key_actions__descriptors").get(pk=rubric.pk)
    )
    texts = exchange.clean_translation(original=original, language=language, data=data)
    translation, _created = RubricTranslation.objects.update_or_create(
        rubric=rubric, language=language, defaults={"texts": texts}
    )
    return translation


BUILTIN_DATA_DIR = Path(__file__).resolve().parent / "data"


@transaction.atomic
def builtin_translations_load(*, data_dir: Path = BUILTIN_DATA_DIR) -> list[str]:
    """Stores the translations of the built-in rubrics shipped as
    `<data_dir>/<language>/<slug>.json` (the structure of a translation in the
    exchange format), for every language of the site: adding a language is
    adding its files, then running this (`manage.py load_rubric_translations`;
    the web service runs it after migrating). Each is checked against its
    rubric's first version as an import checks it, and stored in place of
    what was there; one bad file refuses them all, with nothing changed.
    Returns "<slug> [<language>]" for each one stored."""
    loaded = []
    errors: list[str] = []
    for language in exchange.translation_languages():
        for path in sorted((data_dir / language).glob("*.json")):
            rubric = (
                Rubric.objects.filter(organization__isnull=True, slug=path.stem, version=1)
                .prefetch_related("levels", "key_actions__descriptors")
                .first()
            )
            if rubric is None:
                errors.append(_("%(file)s: no built-in rubric “%(slug)s”") % {"file": path.name, "slug": path.stem})
                continue
            try:
                texts = exchange.clean_translation(
                    original=exchange.original_to_dict(rubric),
                    language=language,
                    data=json.loads(path.read_text(encoding="utf-8")),
                )
            except (ValueError, ValidationError) as error:
                messages = error.messages if isinstance(error, ValidationError) else [str(error)]
                errors.extend(f"{language}/{path.name}: {message}" for message in messages)
                continue
            RubricTranslation.objects.update_or_create(rubric=rubric, language=language, defaults={"texts": texts})
            loaded.append(f"{rubric.slug} [{language}]")
    if errors:
        raise ValidationError(errors)
    return loaded
