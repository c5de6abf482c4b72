"""Reading the text files people upload (CSV lists of people or of ratings)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def decode_utf8(data: bytes) -> str:
    """An uploaded file as text: UTF-8, with or without a byte-order mark
    (spreadsheet programs write one when saving "CSV UTF-8")."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            _("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again."), code="encoding"
        ) from None
