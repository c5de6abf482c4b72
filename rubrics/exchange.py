"""The rubric exchange format (SPEC §2): export, and the strict check every
import goes through.

Messages name the place of each problem the way the file is written, counting
list items from 1 like positions do: `key_actions[3].descriptors` is the third
key action in the file. Descriptors are given in the order of the levels'
positions.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import slug_re
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import (
    DESCRIPTOR_MAX_LENGTH,
    MAX_KEY_ACTIONS,
    MAX_LEVELS,
    MIN_KEY_ACTIONS,
    MIN_LEVELS,
    TITLE_MAX_LENGTH,
    Level,
    Rubric,
    RubricTranslation,
)

MAX_FILE_BYTES = 1024 * 1024
# Enough to fix a file in one go without flooding the page.
MAX_MESSAGES = 50
# Far beyond any real chain of versions, and far below the column's limit, so
# that "latest + 1" can never overflow it.
MAX_VERSION = 1_000_000
SLUG_MAX_LENGTH = cast(int, Rubric._meta.get_field("slug").max_length)
LEVEL_NAME_MAX_LENGTH = cast(int, Level._meta.get_field("name").max_length)
# /rubrics/import/ is the import page, so a rubric of that slug would have none.
RESERVED_SLUGS = frozenset({"import"})
# Names quoted back in messages (unknown fields, bad slugs) are cut to this.
QUOTE_MAX_LENGTH = 40

RUBRIC_FIELDS = ("title", "slug", "version", "source", "row_heading", "row_subheading", "levels", "key_actions")
# A file without translations is still a whole rubric, so this one may be left out.
OPTIONAL_RUBRIC_FIELDS = ("translations",)
# A translation has the original's texts, in its structure, and a note saying
# whose translation it is (may be empty).
TRANSLATION_FIELDS = ("note", "title", "source", "row_heading", "row_subheading", "levels", "key_actions")
TRANSLATED_TEXTS = ("title", "source", "row_heading", "row_subheading")
LEVEL_FIELDS = ("position", "name", "summary")
KEY_ACTION_FIELDS = ("position", "title", "descriptors")


def translation_languages() -> list[str]:
    """The languages a rubric may be translated into: the site's languages
    but the originals' one. Adding a language to the site adds it here."""
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def rubric_to_dict(rubric: Rubric) -> dict[str, Any]:
    """The exchange form of a rubric; prefetch its levels, its key actions'
    descriptors and its translations to keep this at a fixed number of
    queries. A rubric without translations has no `translations` field, so
    that its file is exactly the one it was imported from."""
    data = original_to_dict(rubric)
    translations = sorted(rubric.translations.all(), key=lambda translation: translation.language)
    if translations:
        data["translations"] = {translation.language: translation_to_dict(translation) for translation in translations}
    return data


def translation_to_dict(translation: RubricTranslation) -> dict[str, Any]:
    """The stored texts in the format's order: a database may keep a JSON
    object's keys in its own order (PostgreSQL's jsonb does)."""
    texts = translation.texts
    return {
        **{field: texts[field] for field in ("note", *TRANSLATED_TEXTS)},
        "levels": [
            {"position": level["position"], "name": level["name"], "summary": level["summary"]}
            for level in texts["levels"]
        ],
        "key_actions": [
            {"position": row["position"], "title": row["title"], "descriptors": row["descriptors"]}
            for row in texts["key_actions"]
        ],
    }


def original_to_dict(rubric: Rubric) -> dict[str, Any]:
    """The exchange form of the original texts alone."""
    return {
        "title": rubric.title,
        "slug": rubric.slug,
        "version": rubric.version,
        "source": rubric.source,
        "row_heading": rubric.row_heading,
        "row_subheading": rubric.row_subheading,
        "levels": [
            {"position": level.position, "name": level.name, "summary": level.summary} for level in rubric.levels.all()
        ],
        "key_actions": [
            {
                "position": key_action.position,
                "title": key_action.title,
                "descriptors": [descriptor.text for descriptor in key_action.descriptors.all()],
            }
            for key_action in rubric.key_actions.all()
        ],
    }


def dumps(data: dict[str, Any]) -> str:
    """The canonical text: the format of rubrics/data/*.json, so that an
    export of a built-in rubric is byte for byte its data file."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def parse_exchange(raw: bytes) -> dict[str, Any]:
    """The checked content of an uploaded file; raises ValidationError with
    every problem found."""
    if len(raw) > MAX_FILE_BYTES:
        raise ValidationError(_("file: larger than 1 MB"))
    try:
        # Some editors start UTF-8 files with a byte-order mark; it carries no content.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(_("file: not UTF-8 text")) from error
    try:
        data = json.loads(text, object_pairs_hook=_JSONObject.from_pairs)
    except json.JSONDecodeError as error:
        raise ValidationError(
            _("file: not valid JSON (line %(line)s, column %(column)s)") % {"line": error.lineno, "column": error.colno}
        ) from error
    except (ValueError, RecursionError) as error:
        # Numbers too long to convert, or lists nested thousands deep.
        raise ValidationError(_("file: not valid JSON")) from error
    return clean(data)


def clean(data: object) -> dict[str, Any]:
    """Checks decoded exchange data against the format and the model's limits.
    Returns a copy with text stripped and levels and key actions in position
    order; raises ValidationError listing every problem (capped)."""
    checker = _Checker()
    cleaned = checker.rubric(data)
    if checker.messages:
        raise ValidationError(_capped(checker.messages))
    return cleaned


def clean_translation(*, original: dict[str, Any], language: str, data: object) -> dict[str, Any]:
    """Checks one translation of a rubric (`original`, its exchange form
    without translations) as the import checks it; raises ValidationError."""
    checker = _Checker()
    place = f"translations.{language}"
    if language not in translation_languages():
        checker.unknown_language(place)
    cleaned = checker.translation(data, place, original=original)
    if checker.messages:
        raise ValidationError(_capped(checker.messages))
    return cleaned


class _JSONObject(dict):
    """A decoded JSON object that remembers the names given more than once
    (json.loads would silently keep the last value)."""

    duplicates: list[str]

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, Any]]) -> _JSONObject:
        obj = cls(pairs)
        counts = Counter(name for name, _value in pairs)
        obj.duplicates = [name for name, count in counts.items() if count > 1]
        return obj


def _capped(messages: list[str]) -> list[str]:
    if len(messages) <= MAX_MESSAGES:
        return messages
    hidden = len(messages) - MAX_MESSAGES
    more = ngettext("… and %(count)s more problem", "… and %(count)s more problems", hidden) % {"count": hidden}
    return [*messages[:MAX_MESSAGES], more]


def _quote(name: str) -> str:
    """A name from the file, safe and short enough to show back."""
    safe = name.encode("utf-8", "replace").decode("utf-8")
    return safe if len(safe) <= QUOTE_MAX_LENGTH else safe[: QUOTE_MAX_LENGTH - 1] + "…"


def _storable(text: str) -> bool:
    """PostgreSQL cannot store NUL, and a lone surrogate ("\\ud800" in JSON) is
    not UTF-8 at all: better a message than a server error."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def _kind(value: object) -> str:
    """What a JSON value is, in the words of the messages."""
    if value is None:
        return _("null")
    if isinstance(value, bool):
        return _("true or false")
    if isinstance(value, int):
        return _("a whole number")
    if isinstance(value, float):
        return _("a number")
    if isinstance(value, str):
        return _("text")
    if isinstance(value, list):
        return _("a list")
    return _("an object")


def _range(low: int, high: int) -> str:
    return _("%(low)s to %(high)s") % {"low": low, "high": high}


class _Checker:
    """Walks the data once, noting every problem with its place."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def expected(self, place: str, expected: object, got: object) -> None:
        self.messages.append(
            _("%(place)s: expected %(expected)s, got %(got)s") % {"place": place, "expected": expected, "got": got}
        )

    def too_long(self, place: str, limit: int, length: int) -> None:
        self.expected(
            place, _("at most %(limit)s characters") % {"limit": limit}, _("%(count)s characters") % {"count": length}
        )

    def rubric(self, data: object) -> dict[str, Any]:
        obj = self.object(data, _("file"), RUBRIC_FIELDS, prefix="", optional=OPTIONAL_RUBRIC_FIELDS)
        if obj is None:
            return {}
        cleaned: dict[str, Any] = {
            "title": self.text(obj, "title", "title", TITLE_MAX_LENGTH),
            "slug": self.slug(obj),
            "version": self.whole_number(obj, "version", "version", low=1, high=MAX_VERSION),
            "source": self.text(obj, "source", "source", TITLE_MAX_LENGTH, required=False),
            "row_heading": self.text(obj, "row_heading", "row_heading", TITLE_MAX_LENGTH),
            "row_subheading": self.text(obj, "row_subheading", "row_subheading", TITLE_MAX_LENGTH, required=False),
        }
        level_items = self.items(obj, "levels", MIN_LEVELS, MAX_LEVELS, _("%(low)s to %(high)s levels"))
        levels = [self.level(item, f"levels[{index}]") for index, item in enumerate(level_items, start=1)]
        self.positions(levels, "levels")
        # Counting descriptors against a wrong number of levels would only repeat that one problem.
        level_count = len(levels) if MIN_LEVELS <= len(levels) <= MAX_LEVELS else None
        key_action_items = self.items(
            obj, "key_actions", MIN_KEY_ACTIONS, MAX_KEY_ACTIONS, _("%(low)s to %(high)s key actions")
        )
        key_actions = [
            self.key_action(item, f"key_actions[{index}]", level_count=level_count)
            for index, item in enumerate(key_action_items, start=1)
        ]
        self.positions(key_actions, "key_actions")
        cleaned |= {"levels": sorted(levels, key=_position), "key_actions": sorted(key_actions, key=_position)}
        if "translations" in obj:
            # Translations are checked against the original's structure, so
            # only once that structure is sound (else every problem repeats).
            sound = not self.messages
            cleaned["translations"] = self.translations(obj["translations"], original=cleaned if sound else None)
        return cleaned

    def unknown_language(self, place: str) -> None:
        self.messages.append(
            _("%(place)s: not a language rubrics are translated into here (%(languages)s)")
            % {"place": place, "languages": ", ".join(translation_languages()) or _("none")}
        )

    def translations(self, data: object, *, original: dict[str, Any] | None) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.expected("translations", _("an object"), _kind(data))
            return {}
        for name in getattr(data, "duplicates", []):
            self.messages.append(_("%(place)s: given more than once") % {"place": "translations." + _quote(name)})
        cleaned = {}
        for language, translation in data.items():
            place = f"translations.{_quote(language)}"
            if language not in translation_languages():
                self.unknown_language(place)
            elif original is not None:
                cleaned[language] = self.translation(translation, place, original=original)
        return cleaned

    def translation(self, data: object, place: str, *, original: dict[str, Any]) -> dict[str, Any]:
        """A complete translation: every text of the original, in the
        original's structure; a text the original leaves empty stays empty."""
        obj = self.object(data, place, TRANSLATION_FIELDS, prefix=place + ".")
        if obj is None:
            return {}
        cleaned: dict[str, Any] = {"note": self.text(obj, "note", f"{place}.note", TITLE_MAX_LENGTH, required=False)}
        for field in TRANSLATED_TEXTS:
            cleaned[field] = self.translated(obj, field, f"{place}.{field}", TITLE_MAX_LENGTH, original[field])
        cleaned["levels"] = self.translated_items(obj, "levels", place, original["levels"], self.translated_level)
        cleaned["key_actions"] = self.translated_items(
            obj, "key_actions", place, original["key_actions"], self.translated_key_action
        )
        return cleaned

    def translated(self, obj: dict[str, Any], key: str, place: str, max_length: int, original: str) -> str:
        if key not in obj:
            return ""
        text = self.string(obj[key], place, max_length, required=bool(original))
        if text and not original:
            self.messages.append(_("%(place)s: must be empty, as the original is") % {"place": place})
        return text

    def translated_items(
        self,
        obj: dict[str, Any],
        key: str,
        place: str,
        originals: list[dict[str, Any]],
        check: Callable[[dict[str, Any], str, dict[str, Any]], dict[str, Any]],
    ) -> list[dict[str, Any]]:
        """The translated levels or key actions: as many as the original has,
        with its positions, each checked against the original's item."""
        if key not in obj:
            return []
        items = obj[key]
        list_place = f"{place}.{key}"
        if not isinstance(items, list):
            self.expected(list_place, _("a list"), _kind(items))
            return []
        if len(items) != len(originals):
            self.expected(list_place, len(originals), len(items))
            return []
        by_position = {item["position"]: item for item in originals}
        fields = LEVEL_FIELDS if key == "levels" else KEY_ACTION_FIELDS
        cleaned: list[dict[str, Any]] = []
        for index, item in enumerate(items, start=1):
            item_place = f"{list_place}[{index}]"
            item_obj = self.object(item, item_place, fields, prefix=item_place + ".")
            if item_obj is None:
                cleaned.append({})  # keeps the places of the items after it
                continue
            position = self.whole_number(item_obj, "position", f"{item_place}.position")
            translated = {"position": position}
            # An item at no position of the original has nothing to compare
            # with: `positions` below names the problem.
            if position in by_position:
                translated |= check(item_obj, item_place, by_position[position])
            cleaned.append(translated)
        self.positions(cleaned, list_place)
        return sorted(cleaned, key=_position)

    def translated_level(self, obj: dict[str, Any], place: str, original: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": self.translated(obj, "name", f"{place}.name", LEVEL_NAME_MAX_LENGTH, original["name"]),
            "summary": self.translated(obj, "summary", f"{place}.summary", TITLE_MAX_LENGTH, original["summary"]),
        }

    def translated_key_action(self, obj: dict[str, Any], place: str, original: dict[str, Any]) -> dict[str, Any]:
        cleaned: dict[str, Any] = {
            "title": self.translated(obj, "title", f"{place}.title", TITLE_MAX_LENGTH, original["title"])
        }
        if "descriptors" not in obj:
            return cleaned
        descriptors = obj["descriptors"]
        if not isinstance(descriptors, list):
            self.expected(f"{place}.descriptors", _("a list"), _kind(descriptors))
            return cleaned
        if len(descriptors) != len(original["descriptors"]):
            self.expected(f"{place}.descriptors", len(original["descriptors"]), len(descriptors))
            return cleaned
        cleaned["descriptors"] = [
            self.string(text, f"{place}.descriptors[{index}]", DESCRIPTOR_MAX_LENGTH)
            for index, text in enumerate(descriptors, start=1)
        ]
        return cleaned

    def level(self, data: object, place: str) -> dict[str, Any]:
        obj = self.object(data, place, LEVEL_FIELDS, prefix=place + ".")
        if obj is None:
            return {}
        return {
            "position": self.whole_number(obj, "position", f"{place}.position"),
            "name": self.text(obj, "name", f"{place}.name", LEVEL_NAME_MAX_LENGTH),
            "summary": self.text(obj, "summary", f"{place}.summary", TITLE_MAX_LENGTH, required=False),
        }

    def key_action(self, data: object, place: str, *, level_count: int | None) -> dict[str, Any]:
        obj = self.object(data, place, KEY_ACTION_FIELDS, prefix=place + ".")
        if obj is None:
            return {}
        cleaned: dict[str, Any] = {
            "position": self.whole_number(obj, "position", f"{place}.position"),
            "title": self.text(obj, "title", f"{place}.title", TITLE_MAX_LENGTH),
        }
        if "descriptors" not in obj:
            return cleaned
        descriptors = obj["descriptors"]
        if not isinstance(descriptors, list):
            self.expected(f"{place}.descriptors", _("a list"), _kind(descriptors))
            return cleaned
        if level_count is not None and len(descriptors) != level_count:
            self.expected(f"{place}.descriptors", level_count, len(descriptors))
        if len(descriptors) <= MAX_LEVELS:
            cleaned["descriptors"] = [
                self.string(text, f"{place}.descriptors[{index}]", DESCRIPTOR_MAX_LENGTH)
                for index, text in enumerate(descriptors, start=1)
            ]
        return cleaned

    def object(
        self, data: object, place: str, fields: tuple[str, ...], *, prefix: str, optional: tuple[str, ...] = ()
    ) -> dict[str, Any] | None:
        if not isinstance(data, dict):
            self.expected(place, _("an object"), _kind(data))
            return None
        for name in getattr(data, "duplicates", []):
            self.messages.append(_("%(place)s: given more than once") % {"place": prefix + _quote(name)})
        self.messages.extend(_("%(place)s: missing") % {"place": prefix + name} for name in fields if name not in data)
        self.messages.extend(
            _("%(place)s: unknown field") % {"place": prefix + _quote(name)}
            for name in data
            if name not in fields and name not in optional
        )
        return data

    def items(self, obj: dict[str, Any], key: str, low: int, high: int, expected: str) -> list[Any]:
        """The items to check further: none when there are too many, so that
        a huge list costs one message, not one per item."""
        if key not in obj:
            return []
        value = obj[key]
        if not isinstance(value, list):
            self.expected(key, _("a list"), _kind(value))
            return []
        if not low <= len(value) <= high:
            self.expected(key, expected % {"low": low, "high": high}, len(value))
        return value if len(value) <= high else []

    def whole_number(
        self, obj: dict[str, Any], key: str, place: str, *, low: int | None = None, high: int | None = None
    ) -> int | None:
        if key not in obj:
            return None
        value = obj[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.expected(place, _("a whole number"), _kind(value))
            return None
        if low is not None and high is not None and not low <= value <= high:
            self.expected(place, _range(low, high), value)
            return None
        return value

    def text(self, obj: dict[str, Any], key: str, place: str, max_length: int, *, required: bool = True) -> str:
        if key not in obj:
            return ""
        return self.string(obj[key], place, max_length, required=required)

    def string(self, value: Any, place: str, max_length: int, *, required: bool = True) -> str:
        if not isinstance(value, str):
            self.expected(place, _("text"), _kind(value))
            return ""
        text = value.strip()
        if required and not text:
            self.messages.append(_("%(place)s: must not be empty") % {"place": place})
        elif len(text) > max_length:
            self.too_long(place, max_length, len(text))
        elif not _storable(text):
            self.messages.append(_("%(place)s: contains a character that is not allowed") % {"place": place})
        return text

    def slug(self, obj: dict[str, Any]) -> str:
        if "slug" not in obj:
            return ""
        value = obj["slug"]
        if not isinstance(value, str):
            self.expected("slug", _("text"), _kind(value))
            return ""
        if not value:
            self.messages.append(_("%(place)s: must not be empty") % {"place": "slug"})
        elif len(value) > SLUG_MAX_LENGTH:
            self.too_long("slug", SLUG_MAX_LENGTH, len(value))
        elif not slug_re.fullmatch(value):
            self.expected("slug", _("only letters, digits, hyphens and underscores"), f"“{_quote(value)}”")
        elif value in RESERVED_SLUGS:
            self.messages.append(_("%(place)s: “%(slug)s” is reserved") % {"place": "slug", "slug": value})
        return value

    def positions(self, items: list[dict[str, Any]], place: str) -> None:
        """Positions must number the items 1 to N; all in range and none
        repeated means exactly that."""
        used: dict[int, int] = {}
        for index, item in enumerate(items, start=1):
            position = item.get("position")
            if position is None:
                continue
            item_place = f"{place}[{index}].position"
            if not 1 <= position <= len(items):
                self.expected(item_place, _range(1, len(items)), position)
            elif position in used:
                self.messages.append(
                    _("%(place)s: %(position)s is already used by %(other)s")
                    % {"place": item_place, "position": position, "other": f"{place}[{used[position]}]"}
                )
            else:
                used[position] = index


def _position(item: dict[str, Any]) -> int:
    return item.get("position") or 0
