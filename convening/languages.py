"""The language a person sees (issue 15): their profile's choice once they
have signed in; before that, the language they use the site in (their
browser's, or one picked from the language menu, as LocaleMiddleware finds
it). A new account takes the language of the request that created it, and a
person's first sign-in or link opening replaces that with their own."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


def supported(code: str | None) -> str:
    """`code` as one of the site's languages ("es-MX" is "es"), or the
    originals' language when none fits."""
    try:
        return translation.get_supported_language_variant(code or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


def current() -> str:
    """The language this request (or task) is answered in."""
    return supported(translation.get_language())


def catalogue_names(text: str) -> dict[str, str]:
    """`text` as the message catalogue translates it into each of the site's
    other languages (those it has a translation in): a language added to the
    catalogue is included with no code change."""
    names = {}
    for code, _label in settings.LANGUAGES:
        if code != settings.LANGUAGE_CODE:
            with translation.override(code):
                translated = translation.gettext(text)
            if translated != text:
                names[code] = translated
    return names
