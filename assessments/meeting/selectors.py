"""What the meeting's screens show: the projector's and each phone's, in a
fixed number of queries whatever the size of the room."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Q

from assessments.models import Consensus, Meeting, MeetingReveal, Rating, Response, Round
from assessments.results.aggregation import Stats, stats_from_counts
from assessments.results.presentation import agreement_text, median_text
from assessments.results.releases import standing_invitations
from assessments.rounds.selectors import rubrics_to_rate
from convening import languages
from rubrics.models import KeyAction, Level, Rubric

from .services import live_meetings, room_responses

ITEMS_CACHE_SECONDS = 10 * 60


@dataclass(frozen=True)
class Item:
    rubric: Rubric
    key_action: KeyAction

    @property
    def levels(self) -> list[Level]:
        return list(self.rubric.levels.all())


@dataclass(frozen=True)
class Figures:
    reveal: MeetingReveal
    stats: Stats
    level_names: list[str]
    median: str  # in words, as the results page says it
    agreement: str


@dataclass(frozen=True)
class Room:
    """What the projector shows of the room beside the key action; phones do not read it."""

    answered: int  # of the current key action
    participants: int
    walk_ins: int
    consensus: Consensus | None


@dataclass(frozen=True)
class Screen:
    meeting: Meeting
    items: list[Item]
    position: int
    figures: Figures | None
    room: Room | None  # the projector's only

    @property
    def item(self) -> Item:
        return self.items[self.position]

    @property
    def round(self) -> Round:
        return self.meeting.round

    @property
    def consensus_level_name(self) -> str:
        """The agreed level's name in the screen's language (as the item's levels are)."""
        consensus = self.room.consensus if self.room else None
        if consensus is None:
            return ""
        return next(level.name for level in self.item.levels if level.pk == consensus.level_id)

    @property
    def is_first(self) -> bool:
        return self.position == 0

    @property
    def is_last(self) -> bool:
        return self.position == len(self.items) - 1


def live_meeting_of(*, round: Round) -> Meeting | None:
    return live_meetings().filter(round=round).select_related("round__team", "round__organization").first()


def live_meeting_by_code(*, code: str) -> Meeting | None:
    return live_meetings().filter(code=code).select_related("round__team", "round__organization").first()


def meeting_items(*, round: Round) -> list[Item]:
    """The round's key actions in the order the room takes them, each with its
    rubric's levels and descriptors, in the language of the screen asking
    (the facilitator's projector, each person's phone) where the rubric has
    a translation into it. Kept in the cache: a room of phones redraws at
    once whenever the facilitator moves, and an open round's rubric versions
    are frozen, their translations with them."""
    language = languages.current()
    key = f"meeting-items:{round.pk}:{language}"
    items: list[Item] | None = cache.get(key)
    if items is None:
        rubrics = rubrics_to_rate(round=round, language=language)
        items = [Item(rubric, key_action) for rubric in rubrics for key_action in rubric.key_actions.all()]
        cache.set(key, items, ITEMS_CACHE_SECONDS)
    return items


def live_meeting_revision(*, code: str) -> int | None:
    """Where the live meeting of `code` is (its revision), in one query: what a phone's poll asks first."""
    return live_meetings().filter(code=code).values_list("revision", flat=True).first()


def figures_of(reveal: MeetingReveal | None, levels: list[Level]) -> Figures | None:
    if reveal is None:
        return None
    counts = [int(reveal.counts.get(str(level.position), 0)) for level in levels]
    stats = stats_from_counts(counts, not_sure=int(reveal.counts.get("not_sure", 0)))
    return Figures(
        reveal=reveal,
        stats=stats,
        level_names=[level.name for level in levels],
        median=median_text(stats.median, levels),
        agreement=agreement_text(stats.agreement),
    )


def meeting_screen(*, meeting: Meeting, position: int | None = None, room: bool = True) -> Screen:
    """The room at `position` (default: where the facilitator is); `room`:
    with the counts and consensus the projector shows (a phone's redraw,
    which a whole room makes at once, reads neither)."""
    round_ = meeting.round
    items = meeting_items(round=round_)
    position = meeting.position if position is None else position
    position = min(max(position, 0), len(items) - 1)
    item = items[position]
    reveal = MeetingReveal.objects.filter(meeting=meeting, key_action=item.key_action).order_by("-pk").first()
    return Screen(
        meeting=meeting,
        items=items,
        position=position,
        figures=figures_of(reveal, item.levels),
        room=room_of(meeting, item) if room else None,
    )


def room_of(meeting: Meeting, item: Item) -> Room:
    round_ = meeting.round
    answered = (
        Rating.objects.filter(response__in=room_responses(round_).values("pk"), key_action=item.key_action)
        .filter(Q(level__isnull=False) | Q(not_sure=True))
        .count()
    )
    invited = standing_invitations(round_).aggregate(
        all=Count("pk"), walk_ins=Count("pk", filter=Q(walk_in_meeting=meeting))
    )
    on_paper = Response.objects.filter(round=round_, invitation__isnull=True).count()
    # The consensus alone: its level is named from the item's levels, in the screen's language.
    latest = Consensus.objects.filter(round=round_, key_action=item.key_action).order_by("-recorded_at", "-pk")
    return Room(
        answered=answered,
        participants=invited["all"] + on_paper,
        walk_ins=invited["walk_ins"],
        consensus=latest.first(),
    )
