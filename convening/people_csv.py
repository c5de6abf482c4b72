"""Lists of people that facilitators paste or upload (name, e-mail,
stakeholder group): parsing, and the per-row checks that the import preview
shows and that the confirmed import runs again before it saves anything."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import StakeholderGroup, Team, User
from .selectors import administrator_emails, stakeholder_groups_for, team_member_emails
from .text import comparison_key
from .uploads import decode_utf8

MAX_ROWS = 2000
MAX_BYTES = 1024 * 1024
NAME_MAX_LENGTH = cast(int, User._meta.get_field("name").max_length)
EMAIL_MAX_LENGTH = 254
# A confirmation older than this is refused, so a preview left open for a day
# cannot be confirmed against a team that has changed since.
SIGNATURE_MAX_AGE = 2 * 60 * 60

_HEADER_ALIASES = {
    "name": {"name", "fullname", "nombre"},
    "email": {"email", "emailaddress", "mail", "correo", "correoelectronico"},
    "group": {"group", "stakeholdergroup", "grupo"},
}
_POSITIONS = {"name": 0, "email": 1, "group": 2}


class RowStatus(models.TextChoices):
    ADD = "add", gettext_lazy("Will be added")
    ALREADY = "already", gettext_lazy("Already on the team")
    DUPLICATE = "duplicate", gettext_lazy("Duplicate, counted once")
    ERROR = "error", gettext_lazy("Error")


@dataclass(frozen=True)
class PersonRow:
    """One row as it was given; `line` is its line number in the text."""

    line: int
    name: str
    email: str
    group: str
    # (this line's separator, the list's) when the line seems separated otherwise than the list (as its first
    # line is), so that its fields could not be told apart. Never signed: such a line is an error, and no
    # preview with an error is confirmed.
    mixed_separators: tuple[str, str] | None = None


@dataclass
class RowResult:
    row: PersonRow
    status: RowStatus
    email: str = ""
    name: str = ""
    group: StakeholderGroup | None = None
    messages: list[str] = field(default_factory=list)

    @property
    def is_error(self) -> bool:
        return self.status == RowStatus.ERROR


def normalize_email(value: str) -> str:
    """The address as stored: trimmed and lower-cased."""
    email = value.strip().lower()
    if not email:
        raise ValidationError(_("The e-mail address is missing."), code="required")
    try:
        validate_email(email)
        valid = len(email) <= EMAIL_MAX_LENGTH
    except ValidationError:
        valid = False
    if not valid:
        raise ValidationError(
            _("“%(email)s” is not a valid e-mail address.") % {"email": value.strip()}, code="invalid"
        )
    return email


def clean_name(value: str) -> str:
    if "\x00" in value:  # PostgreSQL stores no NUL in a text, and the preview must say so, not the Confirm
        raise ValidationError(_("The name contains a character that cannot be stored (NUL)."), code="null_characters")
    name = " ".join(value.split())
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            _("The name is longer than %(max)d characters.") % {"max": NAME_MAX_LENGTH}, code="max_length"
        )
    return name


def decode_upload(data: bytes) -> str:
    _check_size(len(data))
    return decode_utf8(data)


def parse(text: str) -> list[PersonRow]:
    """Rows of `name, e-mail, group`, separated by commas, semicolons or tabs,
    with an optional header row that may name the columns in any order."""
    _check_size(len(text.encode("utf-8")))
    text = text.removeprefix("\ufeff")
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    delimiter = _delimiter(first)
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    columns: dict[str, int] | None = None
    rows: list[PersonRow] = []
    for cells in _read(reader):
        if not any(cell.strip() for cell in cells):
            continue
        if columns is None:
            columns = _header_columns(cells)
            if columns:
                continue
            columns = _POSITIONS
        values = {key: cells[index].strip() if index < len(cells) else "" for key, index in columns.items()}
        other = _other_separator(cells, expected=len(columns), delimiter=delimiter)
        if not other and columns is _POSITIONS:
            values = _short_line(cells, values)
        rows.append(
            PersonRow(
                line=reader.line_num,
                mixed_separators=(other, delimiter) if other else None,
                **{key: values.get(key, "") for key in _POSITIONS},
            )
        )
        if len(rows) > MAX_ROWS:
            raise ValidationError(
                _("The list has more than %(max)d people. Split it into smaller lists and import each one.")
                % {"max": MAX_ROWS},
                code="too_many_rows",
            )
    if not rows:
        raise ValidationError(_("The list is empty: give one person per line."), code="empty")
    return rows


def _other_separator(cells: list[str], *, expected: int, delimiter: str) -> str:
    """The separator a line with too few fields holds instead of the list's, if any."""
    if len(cells) >= expected:
        return ""
    joined = delimiter.join(cells)
    return next((separator for separator in SEPARATORS if separator != delimiter and separator in joined), "")


def _short_line(cells: list[str], values: dict[str, str]) -> dict[str, str]:
    """A line without a header that starts with the e-mail address gave the address and perhaps the group
    (`ana@example.org` or `ana@example.org, Family`), not a name: read as such, the line says what is missing."""
    given = [cell.strip() for cell in cells if cell.strip()]
    if len(given) in (1, 2) and "@" in given[0] and "@" not in values["email"]:
        return {"name": "", "email": given[0], "group": given[1] if len(given) == 2 else ""}
    return values


def _read(reader: Any) -> Iterator[list[str]]:
    """The reader's rows; a field longer than the csv module takes is the
    list's fault, told as such."""
    try:
        yield from reader
    except csv.Error:
        raise ValidationError(
            _("Line %(line)d is too long to read: a field has more than %(max)d characters.")
            % {"line": reader.line_num, "max": csv.field_size_limit()},
            code="field_too_long",
        ) from None


def check_rows(*, team: Team, rows: list[PersonRow]) -> list[RowResult]:
    """What importing `rows` into `team` would do, row by row (two queries)."""
    listed = list(stakeholder_groups_for(organization=team.organization))
    # A row may name its group in any of the site's languages ("Familia").
    groups = {key: group for group in listed for key in group.keys}
    members = team_member_emails(team=team)
    administrators = administrator_emails([row.email.strip().lower() for row in rows])
    first_seen: dict[str, RowResult] = {}
    results = []
    for row in rows:
        result = RowResult(row=row, status=RowStatus.ADD)
        if row.mixed_separators:
            line_separator, list_separator = row.mixed_separators
            result.status = RowStatus.ERROR
            result.messages.append(
                _(
                    "This line is separated by %(line)s, but the list by %(list)s (as its first line is): "
                    "separate every line the same way."
                )
                % {"line": SEPARATORS[line_separator], "list": SEPARATORS[list_separator]}
            )
            results.append(result)
            continue
        for attribute, clean in (("email", normalize_email), ("name", clean_name)):
            try:
                setattr(result, attribute, clean(getattr(row, attribute)))
            except ValidationError as error:
                result.messages.extend(error.messages)
        result.group = groups.get(comparison_key(row.group))
        if not row.group:
            result.messages.append(_("The stakeholder group is missing."))
        elif result.group is None:
            result.messages.append(
                _("“%(group)s” is not a stakeholder group of %(organization)s. The groups are: %(groups)s.")
                % {
                    "group": row.group,
                    "organization": team.organization.name,
                    "groups": ", ".join(str(group) for group in listed),
                }
            )
        if result.email in administrators:
            result.messages.append(_("A site administrator’s account cannot be a team member: use another address."))
        earlier = first_seen.get(result.email)
        if result.messages:
            result.status = RowStatus.ERROR
        elif earlier is not None and earlier.group != result.group:
            result.status = RowStatus.ERROR
            result.messages.append(
                _("Line %(line)d puts this person in the group “%(group)s”; a person belongs to one group only.")
                % {"line": earlier.row.line, "group": earlier.group}
            )
        elif earlier is not None:
            result.status = RowStatus.DUPLICATE
            result.messages.append(_("Same person as line %(line)d: added once.") % {"line": earlier.row.line})
        elif result.email in members:
            result.status = RowStatus.ALREADY
            result.messages.append(
                _("Already on the team, in the group “%(group)s”: nothing changes.")
                % {"group": members[result.email].stakeholder_group}
            )
        if not result.is_error:
            first_seen.setdefault(result.email, result)
        results.append(result)
    return results


def status_counts(results: list[RowResult]) -> dict[str, int]:
    counts = Counter(result.status for result in results)
    return {status.value: counts[status] for status in RowStatus}


def rows_sign(*, team: Team, rows: list[PersonRow]) -> str:
    return signing.dumps([[r.line, r.name, r.email, r.group] for r in rows], salt=_salt(team), compress=True)


def rows_unsign(*, team: Team, token: str) -> list[PersonRow]:
    """The rows of a preview, exactly as they were shown; a token that was
    altered, made for another team, or is too old is refused."""
    try:
        data = signing.loads(token, salt=_salt(team), max_age=SIGNATURE_MAX_AGE)
        return [
            PersonRow(line=int(line), name=str(name), email=str(email), group=str(group))
            for line, name, email, group in data
        ]
    except signing.SignatureExpired:
        raise ValidationError(_("This preview is too old. Paste or upload the list again."), code="expired") from None
    except (signing.BadSignature, TypeError, ValueError):
        raise ValidationError(
            _("This preview could not be verified. Paste or upload the list again."), code="bad_signature"
        ) from None


def _salt(team: Team) -> str:
    return f"convening.team_members_import.{team.pk}"


def _check_size(size: int) -> None:
    if size > MAX_BYTES:
        raise ValidationError(
            ngettext(
                "The list is larger than %(max)d megabyte. Split it into smaller lists and import each one.",
                "The list is larger than %(max)d megabytes. Split it into smaller lists and import each one.",
                MAX_BYTES // (1024 * 1024),
            )
            % {"max": MAX_BYTES // (1024 * 1024)},
            code="too_large",
        )


SEPARATORS = {",": gettext_lazy("commas"), ";": gettext_lazy("semicolons"), "\t": gettext_lazy("tabs")}


def rows_text(rows: list[PersonRow]) -> str:
    """The rows as a list to paste again, one person a line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow([row.name, row.email, row.group])
    return out.getvalue()


def _delimiter(line: str) -> str:
    if "\t" in line:
        return "\t"
    return ";" if line.count(";") > line.count(",") else ","


def _header_columns(cells: list[str]) -> dict[str, int]:
    """Column positions when `cells` is a header row (it names the e-mail column), else {}."""
    normalized = ["".join(ch for ch in cell.lower() if ch.isalnum()) for cell in cells]
    columns = {
        key: index
        for index, cell in enumerate(normalized)
        for key, aliases in _HEADER_ALIASES.items()
        if cell in aliases
    }
    return columns if "email" in columns else {}
