"""Rounds with results, and checks of the pages that show them, shared by
the results, consensus and action-plan tests."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

from django.urls import reverse

from assessments.models import Round, RoundStatus
from assessments.tests.factories import RoundFactory, invite, lbc_rubrics
from convening.models import StakeholderGroup
from convening.tests.factories import TeamFactory

CAE = "creating-active-engagement"


def cae_round(org, *, team=None, status=RoundStatus.CLOSED, **fields) -> Round:
    """A round of Creating Active Engagement alone (as `add_respondents`
    needs), put straight into `status` with any other field set as given."""
    create = {key: fields.pop(key) for key in ("opens_at", "closes_at", "threshold", "share_results") if key in fields}
    round_ = RoundFactory.create(
        team=team or TeamFactory(organization=org), rubrics=[r for r in lbc_rubrics() if r.slug == CAE], **create
    )
    Round.objects.filter(pk=round_.pk).update(status=status, **fields)
    round_.refresh_from_db()
    return round_


def key_action(round_, position=1):
    return round_.rubrics.get().key_actions.get(position=position)


def level(round_, position):
    return round_.rubrics.get().levels.get(position=position)


def url(name, round_, *args):
    return reverse(f"assessments:{name}", args=[round_.pk, *args])


class _Structure(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.inline_scripts = 0
        self._in_script_without_src = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        self._in_script_without_src = tag == "script" and "src" not in attributes

    def handle_data(self, data):
        if self._in_script_without_src and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag):
        self._in_script_without_src = False


def assert_page_rules(html: str) -> None:
    """The CSP and WCAG rules every page of ours keeps: one h1, no style
    attribute or element, no inline script, every table captioned with
    scoped header cells, every form control labelled."""
    page = _Structure()
    page.feed(html)
    tags = page.tags
    assert sum(1 for tag, _ in tags if tag == "h1") == 1
    assert not [attrs for _, attrs in tags if "style" in attrs]
    assert not [tag for tag, _ in tags if tag == "style"]
    assert page.inline_scripts == 0
    assert html.count("<table") == html.count("<caption")
    assert not [attrs for tag, attrs in tags if tag == "th" and "scope" not in attrs]
    labelled = {attrs["for"] for tag, attrs in tags if tag == "label" and "for" in attrs}
    controls = [
        attrs
        for tag, attrs in tags
        if tag in ("select", "textarea") or (tag == "input" and attrs.get("type") not in ("hidden", "submit"))
    ]
    assert all(attrs.get("id") in labelled for attrs in controls), controls
    ids = [attrs["id"] for _, attrs in tags if "id" in attrs]
    assert len(ids) == len(set(ids)), "duplicate ids"


def row_of(html: str, header: str) -> str:
    """The cells after the row header `header` (first match)."""
    match = re.search(rf"<th scope=\"row\">{re.escape(header)}</th>(.*?)</tr>", html, re.DOTALL)
    assert match, f"no row {header!r}"
    return match.group(1)


def invite_to(round_, person, group_name="Family"):
    """Invites `person` whatever the round's state (a closed round takes no
    new invitations: the invitation is made as if before closing)."""
    group = StakeholderGroup.objects.get(organization=round_.organization, name=group_name)
    status, round_.status = round_.status, RoundStatus.DRAFT
    try:
        (invitation,) = invite(round_, person, group=group)
    finally:
        round_.status = status
    return invitation


def text_of(html: str) -> str:
    """What a reader sees of some markup: the text without tags or entities."""
    return unescape(re.sub(r"<[^>]+>", "", html))
