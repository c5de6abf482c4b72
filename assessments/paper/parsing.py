"""Reading a CSV file of paper ratings into rows, before any check against
the round. Rows are numbered as a spreadsheet shows them, the header being
row 1, so that every message points at the row to fix."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from convening.uploads import decode_utf8

MAX_BYTES = 2 * 1024 * 1024


REQUIRED_COLUMNS = ("respondent", "group", "rubric", "key_action", "level")


COLUMNS = (*REQUIRED_COLUMNS, "evidence")


# Beyond this many problems the file is plainly the wrong one; listing
# thousands of them would help nobody.
MAX_PROBLEMS = 100


# (CSV row or None, message)
Problem = tuple[int | None, str]


def located(row: int | None, message: str) -> str:
    return _("Row %(row)d: %(problem)s") % {"row": row, "problem": message} if row else message


def problems_error(problems: list[Problem]) -> ValidationError:
    """One error holding every problem, in row order (those of no row last)."""
    ordered = sorted(problems, key=lambda problem: (problem[0] is None, problem[0] or 0))
    messages = [located(row, message) for row, message in ordered[:MAX_PROBLEMS]]
    if len(ordered) > MAX_PROBLEMS:
        more = len(ordered) - MAX_PROBLEMS
        messages.append(
            ngettext("…and %(count)d more problem.", "…and %(count)d more problems.", more) % {"count": more}
        )
    return ValidationError(messages)


@dataclass(frozen=True)
class PaperRow:
    """One CSV row as written (cells trimmed)."""

    row: int
    respondent: str
    group: str
    rubric: str
    key_action: str
    level: str
    evidence: str


def check_size(size: int) -> None:
    if size > MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(max)d MB. Split it into smaller files and upload each one.")
            % {"max": MAX_BYTES // (1024 * 1024)},
            code="too_large",
        )


def decode_upload(data: bytes) -> str:
    check_size(len(data))
    return decode_utf8(data)


def _column_name(cell: str) -> str:
    """ "Key action", "key-action" and "KEY_ACTION" all name one column."""
    return "_".join(cell.strip().casefold().replace("-", " ").split())


def parse_csv(text: str) -> list[PaperRow]:
    """The rows of a CSV file whose first row names the columns (in any order;
    other columns are ignored). Separated by commas, or by semicolons or tabs
    as some spreadsheets save them."""
    check_size(len(text.encode("utf-8")))
    if "\x00" in text:
        # Text never holds them (PostgreSQL refuses them): it is another kind of file.
        raise ValidationError(
            _("The file holds NUL characters, so it is not a CSV text file. Save it as “CSV UTF-8” and try again.")
        )
    text = text.removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[PaperRow] = []
    columns: dict[str, int] | None = None
    try:
        # Every record counts as a row, blank ones too, so that the numbers
        # match the rows a spreadsheet shows.
        for number, cells in enumerate(reader, start=1):
            if columns is None:
                columns = _columns(cells)
                continue
            if not any(cell.strip() for cell in cells):
                continue
            values = {name: cells[index].strip() if index < len(cells) else "" for name, index in columns.items()}
            rows.append(PaperRow(row=number, evidence=values.pop("evidence", ""), **values))
    except csv.Error as error:
        raise ValidationError(
            _("Row %(row)d cannot be read as CSV (%(error)s).") % {"row": reader.line_num, "error": error}
        ) from None
    if columns is None:
        raise ValidationError(_("The file is empty."))
    if not rows:
        raise ValidationError(_("The file has a header row but no ratings."))
    return rows


def _columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = _column_name(cell)
        if name in COLUMNS:
            columns.setdefault(name, index)
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        message = ngettext(
            "The column %(columns)s is missing. The first row must name the columns %(all)s.",
            "The columns %(columns)s are missing. The first row must name the columns %(all)s.",
            len(missing),
        )
        raise problems_error([(1, message % {"columns": ", ".join(missing), "all": ", ".join(COLUMNS)})])
    return columns
