"""A closed round's results, kept in the shared cache under a fingerprint of
everything that can still change them."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from django.core.cache import cache
from django.db import connection

from assessments.models import Consensus, Invitation, Response, Round, RoundStatus
from convening.models import StakeholderGroup

from .computation import RoundResults, round_results

# A safety net only: every change the product makes to a closed round's
# figures changes its fingerprint (see `_closed_round_fingerprint`).
RESULTS_CACHE_SECONDS = 24 * 60 * 60


def _closed_round_fingerprint(round: Round) -> str:
    """What a closed round's figures depend on that can still change, in two
    small queries: paper responses added (and responses gone with a deleted
    person) move the responses' count or highest id; a consensus recorded,
    the consensus records'; a revoked or deleted invitation, the invitations';
    a renamed or reordered group, the groups' rows. Closing again after a
    reopening moves `closed_at`. Ratings themselves change only while a round
    is open, and open rounds are never cached."""
    tables = {
        "response": Response._meta.db_table,
        "invitation": Invitation._meta.db_table,
        "consensus": Consensus._meta.db_table,
    }
    # COUNT and MAX in one aggregate per table: a lone MAX(id) tempts the
    # planner to walk the whole primary key backwards (0.8 s at national size).
    sql = f"""
        SELECT r.n, r.last, i.n, i.last, c.n, c.last
        FROM (SELECT COUNT(*) AS n, MAX(id) AS last FROM {tables["response"]} WHERE round_id = %s) r
        CROSS JOIN (SELECT SUM(CASE WHEN revoked_at IS NULL THEN 1 ELSE 0 END) AS n, MAX(id) AS last
                    FROM {tables["invitation"]} WHERE round_id = %s) i
        CROSS JOIN (SELECT COUNT(*) AS n, MAX(id) AS last FROM {tables["consensus"]} WHERE round_id = %s) c
    """  # noqa: S608 — table names from the models
    with connection.cursor() as cursor:
        cursor.execute(sql, [round.pk] * 3)
        counts = cursor.fetchone()
    groups = list(
        StakeholderGroup.objects.filter(organization_id=round.organization_id)
        .order_by("pk")
        .values_list("pk", "name", "position")
    )
    state = (round.pk, round.closed_at.isoformat() if round.closed_at else "", round.threshold, counts, groups)
    return hashlib.sha256(repr(state).encode()).hexdigest()


def round_results_cached(*, round: Round) -> RoundResults:
    """`round_results`, kept in the shared cache once the round is closed,
    when its figures are read again and again (results page, JSON, exports)
    but seldom change. An open round is always counted afresh: its answers
    change at any moment."""
    if round.status != RoundStatus.CLOSED:
        return round_results(round=round)
    fingerprint = _closed_round_fingerprint(round)
    # The version changes with the cached classes' shape, so a deployment never unpickles an older one.
    key = f"round-results:v1:{fingerprint}"
    results = cache.get(key)
    if results is None:
        results = round_results(round=round)
        cache.set(key, results, RESULTS_CACHE_SECONDS)
    # The round's own fields (name, team) are read live, never from the cache.
    return replace(results, round=round, fingerprint=fingerprint)
