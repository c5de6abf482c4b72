"""In-process timings on PostgreSQL: each view through Django's full request
handling (middleware, templates, JSON) with the test client, its median over
repeated runs, its query count, and the EXPLAIN (ANALYZE, BUFFERS) plans of
its slowest queries. Results pages are set against the floor: the same grouped
counts fetched by one raw SQL query through psycopg on the same connection.

    python bench/measure.py --label state --out bench/results/state.json [--profile-slowest]

Run by bench/run, with DJANGO_SETTINGS_MODULE=bench.settings and DATABASE_URL set."""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
from collections.abc import Callable
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
django.setup()

from django.db import connection  # noqa: E402
from django.db.models import F  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from assessments.invitations.tokens import make_token  # noqa: E402
from assessments.models import Invitation, Rating, Release, Round, RoundStatus  # noqa: E402
from assessments.results.releases import release_to_show  # noqa: E402
from bench import loaddata  # noqa: E402
from bench.peer.timing import median_ms  # noqa: E402
from convening.models import Organization, Team, User  # noqa: E402

FLOOR_SQL = """
SELECT r.key_action_id, s.stakeholder_group_id, r.level_id, COUNT(*)
FROM assessments_rating r JOIN assessments_response s ON s.id = r.response_id
WHERE s.round_id = %s AND s.submitted_at IS NOT NULL AND (r.level_id IS NOT NULL OR r.not_sure)
GROUP BY 1, 2, 3
"""
PLANS_PER_VIEW = 2


def floor(round_id: int):
    """One raw query through psycopg on Django's own connection."""
    raw = connection.connection

    def action():
        with raw.cursor() as cursor:
            cursor.execute(FLOOR_SQL, [round_id])
            cursor.fetchall()

    return action


def forget_release(round_: Round):
    """Deletes the round's releases, so that the next reading makes one
    afresh: the state after enough changes to a closed round."""

    def action():
        Release.objects.filter(round=round_).delete()
        Round.objects.filter(pk=round_.pk).update(results_revision=F("results_revision") + 1)

    return action


def release_made_ms(round_: Round, runs: int) -> float:
    """Median time of making a release (and recording it as shown) alone,
    through the service, with no request around it."""
    forget = forget_release(round_)

    def action():
        fresh = Round.objects.get(pk=round_.pk)
        assert release_to_show(round=fresh) is not None

    return median_ms(action, runs, before=forget)


def stakeholder_autosave() -> tuple[Client, str, Callable[[], None]]:
    """A stakeholder who opened their link to the latest open round: their
    client, the round's rating page, and an autosave of one level as the
    page's script saves it, over the version last confirmed."""
    invitation = Invitation.objects.filter(round__status=RoundStatus.OPEN).latest("pk")
    stakeholder = Client()
    link = stakeholder.get(f"/r/{make_token(invitation.pk, invitation.token_nonce)}/")
    assert link.status_code == 302, link.status_code
    rate_url = f"/rounds/{invitation.round_id}/rate/"
    key_action = invitation.round.rubrics.earliest("round_rubrics__position").key_actions.earliest("position")
    level = key_action.rubric.levels.earliest("position")
    # The load test may have saved this answer already: start over the version stored.
    stored = Rating.objects.filter(response__invitation=invitation, key_action=key_action).first()
    version = [stored.level_version if stored else 0]

    def autosave() -> None:
        data = {f"ka-{key_action.pk}-level": level.pk, f"ka-{key_action.pk}-level-version": version[0]}
        response = stakeholder.post(f"{rate_url}{key_action.pk}/", data, HTTP_ACCEPT="application/json")
        assert response.status_code == 200, response.status_code
        version[0] = response.json()["level_version"]

    return stakeholder, rate_url, autosave


def get(client: Client, url: str, expect: int = 200):
    def action():
        response = client.get(url)
        assert response.status_code == expect, (url, response.status_code)
        return response

    return action


def measured(name: str, action, runs: int, plans: dict[str, list[str]], before=None) -> dict:
    """Median time, query count, and the plans of the slowest queries, all
    in the steady state: a first call (which may create rows) is not counted.
    `before` runs, untimed, before each call (e.g. emptying the cache)."""
    action()
    if before:
        before()
    with CaptureQueriesContext(connection) as context:
        action()
    # A copy: the context reads the connection's log, which the next request resets.
    queries = list(context.captured_queries)
    slowest = sorted(queries, key=lambda query: float(query["time"]), reverse=True)
    view_plans = []
    for query in slowest[:PLANS_PER_VIEW]:
        if not query["sql"].lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            view_plans.append(query["sql"] + "\n\n" + "\n".join(row[0] for row in cursor.fetchall()))
    plans[name] = view_plans
    return {"ms": median_ms(action, runs, before), "queries": len(queries)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--label", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--results", action="store_true", help="also the results pages, rating page and autosave")
    parser.add_argument("--profile-slowest", type=Path, help="write a cProfile of the slowest view here")
    args = parser.parse_args()

    figures: dict[str, dict] = {}
    plans: dict[str, list[str]] = {}
    organization = Organization.objects.get(name=loaddata.organization_name(1))
    lead = Client()
    lead.force_login(User.objects.get(email=loaddata.lead_email(1)))
    team = Team.objects.get(organization=organization, name="Team 01")
    figures["history"] = measured("history", get(lead, f"/teams/{team.pk}/history/"), args.runs, plans)
    figures["overview"] = measured("overview", get(lead, "/overview/"), args.runs, plans)

    if args.results:
        survey_lead = Client()
        survey_lead.force_login(User.objects.get(email=loaddata.SURVEY_LEAD_EMAIL))
        rounds = {
            200: (lead, Round.objects.filter(team=team, status=RoundStatus.CLOSED).latest("opens_at")),
            2000: (survey_lead, Round.objects.get(name="Survey round 2000")),
            20000: (survey_lead, Round.objects.get(name="Survey round 20000")),
        }
        for size, (client, round_) in rounds.items():
            runs = args.runs if size < 20000 else max(5, args.runs // 2)
            floor_ms = median_ms(floor(round_.pk), runs)
            json_url, page_url = f"/rounds/{round_.pk}/results.json", f"/rounds/{round_.pk}/results/"
            # A closed round's outputs read its release: "computed" is the reading that makes it (its
            # releases deleted before each run, untimed), the other every reading after that.
            json_ = measured(f"results.json {size}", get(client, json_url), runs, plans)
            page = measured(f"results page {size}", get(client, page_url), runs, plans)
            forget = forget_release(round_)
            json_cold = measured(f"results.json {size} computed", get(client, json_url), runs, plans, forget)
            page_cold = measured(f"results page {size} computed", get(client, page_url), runs, plans, forget)
            figures[f"results {size}"] = {
                "floor_ms": floor_ms,
                "json": json_,
                "page": page,
                "json_computed": json_cold,
                "page_computed": page_cold,
                "json_ratio": round(json_["ms"] / floor_ms, 2),
                "page_ratio": round(page["ms"] / floor_ms, 2),
                "json_computed_ratio": round(json_cold["ms"] / floor_ms, 2),
                "page_computed_ratio": round(page_cold["ms"] / floor_ms, 2),
                "release_made_ms": release_made_ms(round_, runs),
            }
        # The rating page and autosave, as a stakeholder who opened their link.
        stakeholder, rate_url, autosave = stakeholder_autosave()
        figures["rating page"] = measured("rating page", get(stakeholder, rate_url), args.runs, plans)
        figures["autosave"] = measured("autosave", autosave, args.runs, plans)
        if args.profile_slowest:
            profiler = cProfile.Profile()
            url = f"/rounds/{rounds[20000][1].pk}/results/"
            forget_release(rounds[20000][1])()  # the slowest path: the reading that makes the release
            profiler.runcall(get(rounds[20000][0], url))
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            # Where the time goes in the project's own code, then in any function by its own time.
            stats.sort_stats("cumulative").print_stats(r"/(assessments|convening|rubrics)/", 15)
            stats.sort_stats("tottime").print_stats(15)
            args.profile_slowest.write_text(
                f"cProfile of GET {url} (20,000 respondents, the reading that makes the release)\n" + out.getvalue()
            )

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"label": args.label, "figures": figures, "plans": plans}, indent=1))
    plan_dir = args.out.parent / "plans"
    plan_dir.mkdir(exist_ok=True)
    for name, view_plans in plans.items():
        path = plan_dir / f"{args.label}-{name.replace(' ', '-').replace('.', '-')}.txt"
        path.write_text("\n\n---\n\n".join(view_plans) + "\n")
    print(json.dumps({"label": args.label, "figures": figures}, indent=1))


if __name__ == "__main__":
    main()
