"""The figures' HTML on the results page: each rubric's table and each key
action's chart and group table. A closed round's are kept in the cache under
its release's fingerprint (`RoundResults.fingerprint`) and fetched in one
round trip for the whole page; an open round's move with every response and
are drawn on each request."""

from __future__ import annotations

from django.core.cache import cache
from django.template.loader import render_to_string

from .computation import RoundResults

TABLE_TEMPLATE = "assessments/results/_table.html"
FIGURES_TEMPLATE = "assessments/results/_figures.html"
# In every key: a new drawing or rule is never served from a fragment kept by the code before it.
DRAWING_VERSION = 4
KEPT_SECONDS = 24 * 60 * 60


def draw_figures(*, results: RoundResults, rubrics: list[dict], language: str, order: str) -> None:
    """Sets `table_html` on each rubric of the page's context and
    `figures_html` on each of its items (whose `display` draws the figures
    where the cache has none). The table follows the page's `order`; a key
    action's figures do not. A round that shows no figures has none drawn."""
    if results.withheld is not None:
        return
    wanted: dict[str, tuple[dict, str, str, dict]] = {}
    for rubric in rubrics:
        key = _key(results, "table", rubric["result"].rubric.pk, language, order)
        wanted[key] = (rubric, "table_html", TABLE_TEMPLATE, {"rubric": rubric})
        for item in rubric["items"]:
            key = _key(results, "figures", item["key_action"].pk, language, "")
            wanted[key] = (item, "figures_html", FIGURES_TEMPLATE, {"item": item})
    kept = cache.get_many(list(wanted)) if results.fingerprint else {}
    drawn: dict[str, str] = {}  # safe strings, as the template engine returns them (and the cache keeps them)
    for key, (target, name, template, context) in wanted.items():
        html = kept.get(key)
        if html is None:
            html = drawn[key] = render_to_string(template, context)
        target[name] = html
    if results.fingerprint and drawn:
        cache.set_many(drawn, KEPT_SECONDS)


def _key(results: RoundResults, kind: str, pk: int, language: str, order: str) -> str:
    return f"results-html:{DRAWING_VERSION}:{kind}:{results.round.pk}:{results.fingerprint}:{pk}:{language}:{order}"
