"""Broken exchange files and the one message each must produce. Shared by the
service and the HTTP tests: both must refuse them the same way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

Data = dict[str, Any]


def _set(path: str, value: object) -> Callable[[Data], None]:
    """A change at a dotted path: "key_actions.2.title" is key_actions[2]["title"] (0-based here)."""

    def change(data: Data) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return change


def _delete(path: str) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        del target[last]

    return change


def _levels(count: int) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        data["levels"] = [{"position": i, "name": f"L{i}", "summary": ""} for i in range(1, count + 1)]
        for key_action in data["key_actions"]:
            key_action["descriptors"] = ["text"] * count

    return change


def _key_actions(count: int) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        data["key_actions"] = [
            {"position": k, "title": f"K{k}", "descriptors": ["a", "b", "c", "d"]} for k in range(1, count + 1)
        ]

    return change


# The default data (rubrics.tests.factories.exchange_data) has 4 levels and 3 key actions.
BAD_DATA = [
    ("missing field", _delete("title"), "title: missing"),
    ("unknown field", _set("colour", "red"), "colour: unknown field"),
    ("missing level field", _delete("levels.1.name"), "levels[2].name: missing"),
    ("unknown level field", _set("levels.0.colour", "red"), "levels[1].colour: unknown field"),
    ("missing key action field", _delete("key_actions.0.descriptors"), "key_actions[1].descriptors: missing"),
    ("unknown key action field", _set("key_actions.1.notes", "x"), "key_actions[2].notes: unknown field"),
    ("title not text", _set("title", 42), "title: expected text, got a whole number"),
    ("version as text", _set("version", "1"), "version: expected a whole number, got text"),
    ("version as boolean", _set("version", True), "version: expected a whole number, got true or false"),
    ("version as decimal", _set("version", 1.5), "version: expected a whole number, got a number"),
    ("version zero", _set("version", 0), "version: expected 1 to 1000000, got 0"),
    ("levels not a list", _set("levels", {}), "levels: expected a list, got an object"),
    ("level not an object", _set("levels.0", "Informing"), "levels[1]: expected an object, got text"),
    ("one level", _levels(1), "levels: expected 2 to 6 levels, got 1"),
    ("seven levels", _levels(7), "levels: expected 2 to 6 levels, got 7"),
    ("no key action", _key_actions(0), "key_actions: expected 1 to 50 key actions, got 0"),
    ("51 key actions", _key_actions(51), "key_actions: expected 1 to 50 key actions, got 51"),
    (
        "a descriptor short",
        _set("key_actions.2.descriptors", ["a", "b", "c"]),
        "key_actions[3].descriptors: expected 4, got 3",
    ),
    (
        "descriptors not a list",
        _set("key_actions.0.descriptors", "a"),
        "key_actions[1].descriptors: expected a list, got text",
    ),
    (
        "descriptor not text",
        _set("key_actions.0.descriptors.0", None),
        "key_actions[1].descriptors[1]: expected text, got null",
    ),
    ("duplicate level position", _set("levels.1.position", 1), "levels[2].position: 1 is already used by levels[1]"),
    (
        "duplicate key action position",
        _set("key_actions.2.position", 1),
        "key_actions[3].position: 1 is already used by key_actions[1]",
    ),
    ("level position past the end", _set("levels.3.position", 5), "levels[4].position: expected 1 to 4, got 5"),
    ("key action position zero", _set("key_actions.0.position", 0), "key_actions[1].position: expected 1 to 3, got 0"),
    ("position as text", _set("levels.0.position", "1"), "levels[1].position: expected a whole number, got text"),
    ("empty title", _set("title", "   "), "title: must not be empty"),
    ("empty row heading", _set("row_heading", ""), "row_heading: must not be empty"),
    ("empty level name", _set("levels.2.name", ""), "levels[3].name: must not be empty"),
    ("empty key action title", _set("key_actions.1.title", "\n"), "key_actions[2].title: must not be empty"),
    ("empty descriptor", _set("key_actions.0.descriptors.1", " "), "key_actions[1].descriptors[2]: must not be empty"),
    ("long title", _set("title", "x" * 301), "title: expected at most 300 characters, got 301 characters"),
    ("long source", _set("source", "x" * 301), "source: expected at most 300 characters, got 301 characters"),
    (
        "long row sub-heading",
        _set("row_subheading", "x" * 301),
        "row_subheading: expected at most 300 characters, got 301 characters",
    ),
    (
        "long level name",
        _set("levels.0.name", "x" * 101),
        "levels[1].name: expected at most 100 characters, got 101 characters",
    ),
    (
        "long summary",
        _set("levels.0.summary", "x" * 301),
        "levels[1].summary: expected at most 300 characters, got 301 characters",
    ),
    (
        "long key action title",
        _set("key_actions.0.title", "x" * 301),
        "key_actions[1].title: expected at most 300 characters, got 301 characters",
    ),
    (
        "long descriptor",
        _set("key_actions.0.descriptors.3", "x" * 2001),
        "key_actions[1].descriptors[4]: expected at most 2000 characters, got 2001 characters",
    ),
    (
        "bad slug",
        _set("slug", "Our rubric!"),
        "slug: expected only letters, digits, hyphens and underscores, got “Our rubric!”",
    ),
    ("long slug", _set("slug", "x" * 101), "slug: expected at most 100 characters, got 101 characters"),
    ("empty slug", _set("slug", ""), "slug: must not be empty"),
    ("reserved slug", _set("slug", "import"), "slug: “import” is reserved"),
    (
        "NUL character",
        _set("key_actions.0.descriptors.0", "a\x00b"),
        "key_actions[1].descriptors[1]: contains a character that is not allowed",
    ),
]

bad_data = pytest.mark.parametrize(("change", "message"), [pytest.param(c, m, id=i) for i, c, m in BAD_DATA])

# Files that fail before their content can be looked at, or in ways only raw bytes can show.
BAD_BYTES = [
    ("over 1 MB", b'{"title": "' + b"x" * (1024 * 1024) + b'"}', "file: larger than 1 MB"),
    ("not UTF-8", b'{"title": "caf\xe9"}', "file: not UTF-8 text"),
    ("not JSON", b'{"title": ', "file: not valid JSON (line 1, column 11)"),
    ("nested too deep", b"[" * 100_000, "file: not valid JSON"),
    ("lone surrogate", b'{"title": "\\ud800"}', "title: contains a character that is not allowed"),
    ("a list, not an object", b"[]", "file: expected an object, got a list"),
    ("field given twice", b'{"title": "a", "title": "b"}', "title: given more than once"),
]

bad_bytes = pytest.mark.parametrize(("raw", "message"), [pytest.param(r, m, id=i) for i, r, m in BAD_BYTES])
