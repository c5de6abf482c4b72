"""Names people type, made comparable: a stakeholder group's name decides
whose ratings are counted together, so two names that look alike must be
one name (issue 13)."""

from __future__ import annotations

import unicodedata

# Characters that show as nothing (or as a blank) but are not spaces: the
# format characters (zero-width space and joiners, soft hyphen, word joiner,
# byte-order mark, bidirectional marks) are Unicode category Cf; these are not.
_INVISIBLE_OTHERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800", "\u034f"}
# Alphabets with letters drawn alike: a name mixing them ("F" Latin, "а"
# Cyrillic) is a look-alike of another name, never a name of its own.
_LOOKALIKE_SCRIPTS = {"LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC"}


def _invisible(character: str) -> bool:
    category = unicodedata.category(character)
    return (
        category == "Cf"
        or (category == "Cc" and not character.isspace())
        or "\ufe00" <= character <= "\ufe0f"  # variation selectors
        or character in _INVISIBLE_OTHERS
    )


def clean_text(value: str) -> str:
    """`value` in its compatibility form (NFKC: "Ｆ" is "F"), without invisible
    characters, its spaces collapsed."""
    text = "".join(ch for ch in unicodedata.normalize("NFKC", value) if not _invisible(ch))
    return " ".join(text.split())


def comparison_key(value: str) -> str:
    """What two names must share to be the same name."""
    return clean_text(value).casefold()


def mixes_scripts(value: str) -> bool:
    """Whether the letters of `value` come from more than one alphabet whose letters look alike."""
    scripts = {unicodedata.name(ch, "").split(" ", 1)[0] for ch in value if ch.isalpha()} & _LOOKALIKE_SCRIPTS
    return len(scripts) > 1
