"""A rubric's texts in the reader's language (issue 15): the version's
translation into that language when it has one (the services keep only
complete ones), else its original, saying so. Every output that shows a
rubric (the rating page, the results and their files) reads its texts
through here, so that they all agree, and no figure depends on it: only the
words change, never which level or key action they belong to.

The translation is read in the rubrics' own query (`with_translation`), so
showing a rubric in another language costs no query; `show_in` then puts the
translated texts in place on the rubric and on the levels, key actions and
descriptors prefetched with it, keeping each original beside it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import JSONField, Model, OuterRef, QuerySet, Subquery

from .models import KeyAction, Rubric, RubricTranslation

M = TypeVar("M", bound=Model)


def original_language() -> str:
    """The language rubrics' originals are written in (the LbC sources' English)."""
    return settings.LANGUAGE_CODE


def with_translation(rubrics: QuerySet[Rubric], *, language: str) -> QuerySet[Rubric]:
    """The rubrics, each with its translation's texts into `language` read in
    the same query (`translation_texts`, None when it has none)."""
    if language == original_language():
        return rubrics
    texts = RubricTranslation.objects.filter(rubric=OuterRef("pk"), language=language).values("texts")[:1]
    return rubrics.annotate(translation_texts=Subquery(texts, output_field=JSONField()))


def show_in(rubrics: Iterable[Rubric], *, language: str) -> None:
    """Shows each rubric (read by `with_translation` for `language`) in that
    language when it has a translation, else in its original. Sets on each:
    `shown_language`, the language its texts are now in; `is_translated` and
    `translation_note` (whose translation it is); `lacks_translation`, when
    `language` was asked for and the version has no translation into it; and
    `original_*` beside every text replaced. The instances are for showing
    only: saving one would write the translation over the original."""
    for rubric in rubrics:
        texts: dict[str, Any] | None = getattr(rubric, "translation_texts", None)
        rubric.is_translated = texts is not None
        rubric.lacks_translation = texts is None and language != original_language()
        rubric.shown_language = language if texts is not None else original_language()
        rubric.translation_note = texts["note"] if texts is not None else ""
        if texts is not None:
            _translate(rubric, texts)


def with_translation_of(rows: QuerySet[M], *, relation: str, language: str) -> QuerySet[M]:
    """Rows that point at a rubric (`relation`, as a round's rubrics do),
    each with that rubric's translation into `language` read in the same
    query; `show_related_in` then shows the rubrics of the rows read."""
    if language == original_language():
        return rows
    texts = RubricTranslation.objects.filter(rubric=OuterRef(relation), language=language).values("texts")[:1]
    return rows.annotate(rubric_translation_texts=Subquery(texts, output_field=JSONField()))


def show_related_in(rows: Iterable[Any], *, relation: str, language: str) -> None:
    """`show_in` for the rubrics of rows read by `with_translation_of`."""
    rubrics = []
    for row in rows:
        rubric = getattr(row, relation)
        rubric.translation_texts = getattr(row, "rubric_translation_texts", None)
        rubrics.append(rubric)
    show_in(rubrics, language=language)


def translated_descriptors(rubric: Rubric) -> dict[tuple[int, int], str]:
    """(key action id, level id) → descriptor text in the language `show_in`
    showed `rubric` in, from its prefetched levels and key actions (no
    query); empty for a rubric shown in its original."""
    texts: dict[str, Any] | None = getattr(rubric, "translation_texts", None)
    if texts is None:
        return {}
    rows = {row["position"]: row["descriptors"] for row in texts["key_actions"]}
    levels = sorted(rubric.levels.all(), key=lambda level: level.position)
    return {
        (key_action.pk, level.pk): rows[key_action.position][index]
        for key_action in rubric.key_actions.all()
        for index, level in enumerate(levels)
    }


def show_key_action_in(key_action: KeyAction, *, language: str) -> None:
    """One key action, read with its rubric, titled in `language` where its
    version has a translation into it: one query, none in the originals'."""
    if language == original_language():
        return
    texts = RubricTranslation.objects.filter(rubric_id=key_action.rubric_id, language=language).values_list(
        "texts", flat=True
    )
    translation = next(iter(texts), None)
    if translation is None:
        return
    row = next(row for row in translation["key_actions"] if row["position"] == key_action.position)
    key_action.title, key_action.rubric.title = row["title"], translation["title"]


def _translate(rubric: Rubric, texts: dict[str, Any]) -> None:
    for field in ("title", "source", "row_heading", "row_subheading"):
        setattr(rubric, f"original_{field}", getattr(rubric, field))
        setattr(rubric, field, texts[field])
    levels = {level["position"]: level for level in texts["levels"]}
    cache = _prefetched(rubric)
    for level in cache.get("levels", ()):
        _translate_level(level, levels)
    rows = {row["position"]: row for row in texts["key_actions"]}
    # A descriptor's place in the translation is its level's among the rubric's levels.
    index_of_level = {position: index for index, position in enumerate(sorted(levels))}
    for key_action in cache.get("key_actions", ()):
        row = rows[key_action.position]
        key_action.original_title = key_action.title
        key_action.title = row["title"]
        for descriptor in _prefetched(key_action).get("descriptors", ()):
            descriptor.original_text = descriptor.text
            descriptor.text = row["descriptors"][index_of_level[descriptor.level.position]]
            _translate_level(descriptor.level, levels)


def _translate_level(level: Any, levels: dict[int, dict[str, Any]]) -> None:
    if hasattr(level, "original_name"):  # one instance reached twice
        return
    level.original_name, level.original_summary = level.name, level.summary
    level.name, level.summary = levels[level.position]["name"], levels[level.position]["summary"]


def _prefetched(instance: Any) -> dict[str, Any]:
    """What was prefetched with `instance`: a relation not prefetched is not
    shown by the caller, and reading it here would cost a query."""
    return getattr(instance, "_prefetched_objects_cache", {})
