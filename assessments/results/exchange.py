"""The exchange shape of GET /rounds/<id>/results.json (SPEC §5), and the
rounding every file shares with it."""

from __future__ import annotations

from .aggregation import Stats
from .computation import KeyActionResult, RoundResults, RubricResult

MEAN_DECIMALS = 2


AGREEMENT_DECIMALS = 2


PERCENT_DECIMALS = 4


def rounded(value: float | None, decimals: int) -> float | None:
    return None if value is None else round(value, decimals)


def _figures(stats: Stats) -> dict:
    return {
        "n": stats.n,
        "not_sure": stats.not_sure,
        "counts": list(stats.counts),
        "percent": [round(p, PERCENT_DECIMALS) for p in stats.percent],
        "median": stats.median,
        "mean": rounded(stats.mean, MEAN_DECIMALS),
        "agreement": rounded(stats.agreement, AGREEMENT_DECIMALS),
        "discuss": stats.discuss,
    }


def _key_action(result: KeyActionResult) -> dict:
    head = {"position": result.key_action.position, "title": result.key_action.title}
    if result.stats is None:
        return {**head, "suppressed": True}
    return {
        **head,
        **_figures(result.stats),
        "consensus": result.consensus.position if result.consensus else None,
        "groups": [
            {"name": group.name, "suppressed": True}
            if group.suppressed or group.stats is None
            else {"name": group.name, **_figures(group.stats)}
            for group in result.groups
        ],
    }


def results_as_json(results: RoundResults) -> dict:
    """SPEC §5's shape, with §5.1's `release`: `round.submitted` counts every
    submitted response, `release.respondents` those in the figures and
    `waiting` those who differ from them (null while there is no release)."""
    round_ = results.round
    release = results.release
    return {
        "round": {
            "id": round_.pk,
            "name": round_.name,
            "team": round_.team.name,
            "status": round_.status,
            "threshold": round_.threshold,
            "invited": results.invited,
            "submitted": results.submitted,
        },
        "release": None
        if release is None
        else {"made_at": release.made_at.isoformat(), "respondents": release.respondents, "waiting": release.waiting},
        "rubrics": [_rubric(rubric_result) for rubric_result in results.rubrics],
    }


def _rubric(rubric_result: RubricResult) -> dict:
    """SPEC §5's rubric; one shown in a translation (`?lang=`) also says in
    which language, and whose translation it is."""
    rubric = rubric_result.rubric
    translated = (
        {"language": rubric.shown_language, "translation_note": rubric.translation_note}
        if getattr(rubric, "is_translated", False)
        else {}
    )
    return {
        "slug": rubric.slug,
        "title": rubric.title,
        **translated,
        "key_actions": [_key_action(result) for result in rubric_result.key_actions],
    }
