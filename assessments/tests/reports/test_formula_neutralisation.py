"""CSV cells that a spreadsheet would run as a formula, whatever separator it
splits the lines on (Spanish Excel splits on ";", and ignores the quotes of
a file written for ","). Issue 13."""

import csv
import io

import pytest

from assessments.reports.tables import safe_rows, write_csv

SEPARATORS = [",", ";", "\t"]


def _cells_split_on(text: str, separator: str) -> list[str]:
    """The cells of `text` as a program that splits on `separator` and drops
    the quotes would read them."""
    return [cell.strip('"') for line in text.lstrip("\ufeff").splitlines() for cell in line.split(separator)]


@pytest.mark.parametrize("separator", SEPARATORS)
@pytest.mark.parametrize("name", ["Semi;=1+1;x", "Comma,=1+1,x", "Tab\t@SUM(A1)\tx", "Line\n+1\nx", "a; -2+3"])
def test_no_cell_starts_a_formula_whatever_the_separator(name, separator):
    text = write_csv([["Family", name, 3]])

    cells = _cells_split_on(text, separator)

    assert not [cell for cell in cells if cell.lstrip(" ").startswith(("=", "+", "-", "@"))]


def test_every_field_is_quoted():
    text = write_csv([["Family", "Semi;=1+1;x", 3, None]])

    assert text == '\ufeff"Family","Semi;\'=1+1;x","3",""\r\n'


def test_a_csv_reader_gets_the_text_back_with_only_the_quote_marks_added():
    text = write_csv([["=1", "Semi;=1+1;x", "Smith-Jones", "-", 2.5]])

    assert next(csv.reader(io.StringIO(text.lstrip("\ufeff")))) == ["'=1", "Semi;'=1+1;x", "Smith-Jones", "'-", "2.5"]


def test_numbers_and_plain_text_are_left_as_they_are():
    assert safe_rows([[-1, 2.5, "Family", "Smith-Jones", "1+1"]]) == [[-1, 2.5, "Family", "Smith-Jones", "1+1"]]
