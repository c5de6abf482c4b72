"""Reads an LbC rubric source document (a table saved as text) into the
exchange format of SPEC §2.

A cell starts on a line beginning with a tab (after stray spaces); lines that
do not begin with a tab continue the cell before them. Two blank lines in a row
end the table; the rubric's title and the source line follow it. Whitespace is
folded to single spaces; every other character is kept as written.
"""

from __future__ import annotations

import re
from pathlib import Path

COLUMNS = 5  # the row heading, then four levels
LEVEL_SUFFIX = " Level"
WORD_PROCESSOR_MARKS = re.compile(r"\[bookmark: [^\]]*\]")


def fold(text: str) -> str:
    return " ".join(text.split())


def _cells_and_trailer(text: str) -> tuple[list[str], list[str]]:
    cells: list[str] = []
    trailer: list[str] = []
    blank_run = 0
    in_table = False
    for line in text.splitlines():
        if not line.strip():
            blank_run += 1
            continue
        if in_table and blank_run >= 2:
            in_table = False
            trailer.append(line)
        elif not in_table and trailer:
            trailer.append(line)
        elif line.lstrip(" ").startswith("\t"):
            in_table = True
            cells.append(line)
        elif in_table:
            cells[-1] += " " + line
        blank_run = 0
    cleaned = [fold(WORD_PROCESSOR_MARKS.sub("", cell)) for cell in cells]
    return cleaned, [fold(line) for line in trailer if fold(line)]


def parse_lbc_document(text: str, *, slug: str) -> dict:
    cells, trailer = _cells_and_trailer(text)
    if len(cells) % COLUMNS or len(cells) < 3 * COLUMNS:
        raise ValueError(f"expected rows of {COLUMNS} cells, got {len(cells)} cells")
    header, summaries, body = cells[:COLUMNS], cells[COLUMNS : 2 * COLUMNS], cells[2 * COLUMNS :]
    levels = [
        {"position": i, "name": name.removesuffix(LEVEL_SUFFIX), "summary": summary}
        for i, (name, summary) in enumerate(zip(header[1:], summaries[1:], strict=True), start=1)
    ]
    rows = [body[i : i + COLUMNS] for i in range(0, len(body), COLUMNS)]
    return {
        "title": trailer[0],
        "slug": slug,
        "version": 1,
        "source": trailer[1],
        "row_heading": header[0],
        "row_subheading": summaries[0],
        "levels": levels,
        "key_actions": [
            {"position": i, "title": row[0], "descriptors": row[1:]} for i, row in enumerate(rows, start=1)
        ],
    }


def parse_lbc_file(path: Path) -> dict:
    return parse_lbc_document(path.read_text(encoding="utf-8"), slug=path.stem)
