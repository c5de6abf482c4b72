"""A round's results as CSV: the aggregated figures, and the anonymized
ratings. Both are built from `round_results`, so a suppressed stakeholder
group's figures are in neither."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence

from django.utils.translation import gettext as _

from assessments.results.aggregation import Stats
from assessments.results.computation import RoundResults, RubricResult
from assessments.results.exchange import AGREEMENT_DECIMALS, MEAN_DECIMALS, rounded
from assessments.results.presentation import group_row

from .selectors import AnonymousRatings, anonymized_rating_rows

# A spreadsheet reads a text starting with these as a formula; group names and
# titles are typed by people, so such a text is written with a leading quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A spreadsheet set to another separator (Spanish Excel splits on ";") ignores
# the quotes and starts a cell after any separator, spaces aside: a formula
# character there is quoted too.
_FORMULA_AFTER_SEPARATOR = re.compile(r"([,;\t\r\n] *)(?=[=+\-@])")


def safe_text(value: object) -> object:
    if not isinstance(value, str):
        return value
    value = _FORMULA_AFTER_SEPARATOR.sub(r"\1'", value)
    return "'" + value if value.lstrip(" ").startswith(FORMULA_STARTS) else value


def safe_rows(rows: Iterable[Sequence[object]]) -> list[list[object]]:
    return [[safe_text(value) for value in row] for row in rows]


def write_csv(rows: Iterable[Sequence[object]], *, first: bool = True) -> str:
    """Rows as CSV; `first=False` for a later piece of a streamed file, which has no byte-order mark."""
    # The byte-order mark makes spreadsheet programs read the file as UTF-8.
    # Every field quoted: a reader splitting on another separator than ours
    # still finds each field whole.
    buffer = io.StringIO()
    if first:
        buffer.write("\ufeff")
    csv.writer(buffer, quoting=csv.QUOTE_ALL).writerows(safe_rows(rows))
    return buffer.getvalue()


def figure_cells(stats: Stats, level_count: int) -> list[object]:
    """The figures as results.json rounds them, levels padded to `level_count` columns."""
    counts = [*stats.counts, *[None] * (level_count - len(stats.counts))]
    mean, agreement = rounded(stats.mean, MEAN_DECIMALS), rounded(stats.agreement, AGREEMENT_DECIMALS)
    return [stats.n, stats.not_sure, *counts, stats.median, mean, agreement, _("yes") if stats.discuss else _("no")]


def figure_headers(level_names: Sequence[str]) -> list[str]:
    return [_("n"), _("Not sure"), *level_names, _("Median"), _("Mean"), _("Agreement"), _("Discuss")]


def rubric_rows(rubric_result: RubricResult, *, threshold: int, level_count: int) -> tuple[list[list], list[list]]:
    """(key action rows, stakeholder group rows) of one rubric: rubric slug,
    key action position and title, [group,] the figures, [consensus]. A
    suppressed group has the reason in place of its figures, in the words of
    the results page."""
    team_rows, group_rows = [], []
    for result in rubric_result.key_actions:
        key = [rubric_result.rubric.slug, result.key_action.position, result.key_action.title]
        consensus = result.consensus.position if result.consensus else None
        if result.stats is None:
            team_rows.append([*key, _("Not shown")])
            continue
        team_rows.append([*key, *figure_cells(result.stats, level_count), consensus])
        for group in result.groups:
            if group.suppressed or group.stats is None:
                reason = group_row(group, result.levels, threshold=threshold).suppressed_text
                group_rows.append([*key, group.name, reason])
            else:
                group_rows.append([*key, group.name, *figure_cells(group.stats, level_count)])
    return team_rows, group_rows


def results_csv(results: RoundResults) -> list[str]:
    """One table: every key action's team figures, then every stakeholder
    group's. Rubrics with fewer levels leave the last level columns empty."""
    level_count = max((len(rubric.levels) for rubric in results.rubrics), default=0)
    level_headers = [_("Level %(position)d") % {"position": p} for p in range(1, level_count + 1)]
    key_headers = [_("Rubric"), _("Key action"), _("Title")]
    team_rows, group_rows = [], []
    for rubric_result in results.rubrics:
        team, groups = rubric_rows(rubric_result, threshold=results.round.threshold, level_count=level_count)
        team_rows += team
        group_rows += groups
    # Made whole here, in the reader's language, and sent in two pieces.
    return [
        write_csv([[*key_headers, *figure_headers(level_headers), _("Consensus")], *team_rows, []]),
        write_csv([[*key_headers, _("Stakeholder group"), *figure_headers(level_headers)], *group_rows], first=False),
    ]


# The columns of the paper-ratings upload (SPEC §4 item 3), so the file reads
# like one; not interface text, hence not translated.
RATINGS_HEADER = ["respondent", "group", "rubric", "key_action", "level"]
NOT_SURE = "Not sure"


def ratings_csv(ratings: AnonymousRatings) -> Iterator[str]:
    """The file in pieces, as the database hands the rows over: its size never sits in memory. Group names
    and slugs are typed by people, so each is made safe and quoted once, not once per cell; codes and
    numbers need neither. Nothing in it is translated, so it reads the same whenever the pieces are made.
    The lines are what `write_csv` writes (every field quoted, CRLF), put together here from those pieces:
    a csv writer's list and call per row were a third of the time of the whole file."""
    yield write_csv([RATINGS_HEADER])
    width = ratings.code_width
    groups = {pk: _quoted(str(safe_text(name))) for pk, name in ratings.group_names.items()}
    middles: dict[tuple[int, str], str] = {}  # (group, rubric slug) → the fields between code and key action
    levels: dict[int | None, str] = {None: _quoted(NOT_SURE)}
    for batch in anonymized_rating_rows(ratings):
        lines = []
        for code, group_id, slug, position, level in batch:
            middle = middles.get((group_id, slug))
            if middle is None:
                middle = middles[(group_id, slug)] = f",{groups[group_id]},{_quoted(str(safe_text(slug)))},"
            shown = levels.get(level) or levels.setdefault(level, _quoted(str(level)))
            lines.append(f'"R-{code:0{width}d}"{middle}"{position}",{shown}\r\n')
        yield "".join(lines)


def _quoted(text: str) -> str:
    """One field as csv.QUOTE_ALL writes it."""
    return '"' + text.replace('"', '""') + '"'
