"""E-mail addresses in narrow columns."""

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def email_address(value: str) -> SafeString:
    """The address in a span that may wrap only after its @ and before a dot
    (`maria.lopez@<wbr>example<wbr>.org`), never inside a word: a table cell that may break anywhere is squeezed
    by the table to a few letters a line."""
    escaped = str(conditional_escape(value or ""))
    breakable = escaped.replace("@", "@<wbr>").replace(".", "<wbr>.")
    return format_html('<span class="email-address">{}</span>', mark_safe(breakable))  # noqa: S308 — escaped above
