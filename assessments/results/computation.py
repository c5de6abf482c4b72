"""A round's results (SPEC §5) as every output reads them: the figures of
the round's current release (SPEC §5.1, `releases`), turned into statistics
by `aggregation`. Pages, JSON, files, history and the overview all read
releases, so what no output may reveal holds everywhere."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery

from assessments.models import Consensus, Invitation, Release, Round, RoundStatus
from convening.models import StakeholderGroup
from rubrics import localization
from rubrics.models import KeyAction, Level, Rubric

from .aggregation import Stats, stats_from_counts
from .disclosure import Withheld
from .releases import counted_responses, release_to_show


@dataclass(frozen=True)
class GroupResult:
    name: str
    respondents: int
    suppressed: bool
    stats: Stats | None
    withheld: Withheld | None = None


@dataclass(frozen=True)
class KeyActionResult:
    key_action: KeyAction
    levels: list[Level]
    stats: Stats | None  # None: the round shows no figures (see RoundResults.withheld)
    consensus: Level | None
    groups: list[GroupResult]


@dataclass(frozen=True)
class RubricResult:
    rubric: Rubric
    levels: list[Level]
    key_actions: list[KeyActionResult]


@dataclass(frozen=True)
class ReleaseInfo:
    made_at: datetime
    respondents: int  # in the figures
    waiting: int  # respondents who differ from them


@dataclass(frozen=True)
class RoundResults:
    round: Round
    invited: int
    submitted: int  # every submitted response, withdrawn ones aside
    private: int  # of them, those answered online
    release: ReleaseInfo | None
    withheld: Withheld | None  # why the round shows no figures at all (None: it shows the release)
    groups_shown: bool  # stakeholder groups (and comments) are shown once the round has closed
    group_respondents: dict[str, int]
    suppressed: set[str]
    comments: dict[int, int]  # key action id → comments (evidence) on it, in the release
    rubrics: list[RubricResult] = field(default_factory=list)
    # Set for a closed round's release: a key that changes whenever what is
    # drawn from the figures does, for caching the HTML drawn from them.
    fingerprint: str = ""

    @property
    def needed(self) -> int:
        """How many more responses the round needs before it shows figures."""
        return max(0, self.round.threshold - self.submitted)


def current_consensus(*, round: Round) -> dict[int, int]:
    """Key action id → level id of the latest consensus record (one query)."""
    latest = Consensus.objects.filter(round=round, key_action=OuterRef("key_action")).order_by("-recorded_at", "-pk")
    rows = Consensus.objects.filter(round=round, pk=Subquery(latest.values("pk")[:1]))
    # Unordered: one row per key action, and the model's ordering joins the round, key action and rubric to sort them.
    return dict(rows.order_by().values_list("key_action_id", "level_id"))


def round_results(*, round: Round, language: str | None = None) -> RoundResults:
    """The round's release as figures (eight queries, whatever the number of
    respondents, once the release is made), recorded as shown. The rubrics'
    words (and the stakeholder groups' names) are in `language` where they
    have a translation into it (by default, and else, in their originals); the
    figures never depend on it."""
    release = release_to_show(round=round)
    language = language or localization.original_language()
    # 1–3: the rubrics (with their translation into `language`) with their levels and key actions
    rubrics = list(
        localization.with_translation(
            round.rubrics.order_by("round_rubrics__position"), language=language
        ).prefetch_related(
            Prefetch("levels", queryset=Level.objects.order_by("position")),
            Prefetch("key_actions", queryset=KeyAction.objects.order_by("position")),
        )
    )
    localization.show_in(rubrics, language=language)
    # 4: who has submitted, 5: invitations still standing (paper respondents count as invited too)
    counted = counted_responses(round).aggregate(
        total=Count("pk"), private=Count("pk", filter=Q(invitation__isnull=False))
    )
    invited = Invitation.objects.filter(round=round, revoked_at__isnull=True).count()
    # 6: current consensus
    consensus = current_consensus(round=round)
    submitted, private = counted["total"], counted["private"]
    results_kwargs = {
        "round": round,
        "invited": invited + submitted - private,
        "submitted": submitted,
        "private": private,
    }
    if release is None:
        results = RoundResults(
            **results_kwargs,
            release=None,
            withheld=_withheld(round, submitted, private),
            groups_shown=False,
            group_respondents={},
            suppressed=set(),
            comments={},
        )
        for rubric in rubrics:
            levels = list(rubric.levels.all())
            level_by_id = {level.pk: level for level in levels}
            key_actions = [
                KeyActionResult(
                    key_action=key_action,
                    levels=levels,
                    stats=None,
                    consensus=level_by_id.get(consensus.get(key_action.pk, 0)),
                    groups=[],
                )
                for key_action in rubric.key_actions.all()
            ]
            results.rubrics.append(RubricResult(rubric=rubric, levels=levels, key_actions=key_actions))
        return results
    return _released(release, rubrics, consensus, results_kwargs, language=language)


def _withheld(round: Round, submitted: int, private: int) -> Withheld:
    k = round.threshold
    if submitted < k:
        return Withheld.FEW
    if 0 < private < k:
        return Withheld.PRIVATE
    return Withheld.CHANGES


def _released(
    release: Release, rubrics: list[Rubric], consensus: dict[int, int], results_kwargs: dict, *, language: str
) -> RoundResults:
    round = results_kwargs["round"]
    figures = release.figures
    groups_shown = round.status == RoundStatus.CLOSED
    # 7: the released groups' names (in `language` where they have one) and order; their figures are by id
    groups = [
        (pk, names.get(language) or name)
        for pk, name, names in StakeholderGroup.objects.filter(pk__in=[int(pk) for pk in figures["groups"]])
        .order_by("position", "name")
        .values_list("pk", "name", "names")
    ]
    entries = {pk: figures["groups"][str(pk)] for pk, _name in groups}
    results = RoundResults(
        **results_kwargs,
        release=ReleaseInfo(made_at=release.made_at, respondents=release.respondents, waiting=release.waiting),
        withheld=None,
        groups_shown=groups_shown,
        group_respondents={name: entries[pk]["respondents"] for pk, name in groups} if groups_shown else {},
        suppressed={name for pk, name in groups if entries[pk]["hidden"]} if groups_shown else set(),
        comments={int(pk): count for pk, count in figures["comments"].items() if count} if groups_shown else {},
        fingerprint=_fingerprint(release, consensus, groups) if groups_shown else "",
    )
    for rubric in rubrics:
        levels = list(rubric.levels.all())
        level_by_id = {level.pk: level for level in levels}
        key_action_results = []
        for key_action in rubric.key_actions.all():
            ka = str(key_action.pk)
            group_results = [
                GroupResult(
                    name=name,
                    respondents=entries[pk]["respondents"],
                    suppressed=bool(entries[pk]["hidden"]),
                    stats=None
                    if entries[pk]["hidden"]
                    else _stats(figures["by_group"].get(str(pk), {}).get(ka, {}), levels),
                    withheld=Withheld(entries[pk]["hidden"]) if entries[pk]["hidden"] else None,
                )
                for pk, name in groups
            ]
            key_action_results.append(
                KeyActionResult(
                    key_action=key_action,
                    levels=levels,
                    stats=_stats(figures["team"].get(ka, {}), levels),
                    consensus=level_by_id.get(consensus.get(key_action.pk, 0)),
                    groups=group_results if groups_shown else [],
                )
            )
        results.rubrics.append(RubricResult(rubric=rubric, levels=levels, key_actions=key_action_results))
    return results


def _fingerprint(release: Release, consensus: dict[int, int], groups: list[tuple[int, str]]) -> str:
    state = (release.pk, release.waiting, sorted(consensus.items()), groups)
    return hashlib.sha256(repr(state).encode()).hexdigest()


def _stats(cell: dict[str, int], levels: list[Level]) -> Stats:
    return stats_from_counts([cell.get(str(level.pk), 0) for level in levels], not_sure=cell.get("not_sure", 0))
