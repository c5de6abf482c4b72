"""The load test (run by bench/run, headless, bounded by --run-time).

Stakeholders open their personal link (which lands on the rating page), then
autosave an answer every few seconds and now and then reload the page; leads
sign in and open results pages. `HelloUser` alone measures the same server
on a view that does no work (bench/urls.py), the ceiling.

Each stakeholder connects from its own loopback address (127.0.x.y): the
link view is rate-limited per address, as it is for people on their own
networks. Environment: BENCH_TOKENS (a JSON file written by bench/load_setup.py)."""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading

from locust import HttpUser, between, constant, task
from requests.adapters import HTTPAdapter  # type: ignore[import-untyped,unused-ignore]  # the bench venv has it

SETUP = json.loads(open(os.environ["BENCH_TOKENS"]).read())  # noqa: SIM115 — read once at start-up
_next_stakeholder = itertools.count()
_lock = threading.Lock()
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# The version each answer was shown at: the page's script writes a level only over it.
LEVEL_VERSION = re.compile(r'name="ka-(\d+)-level-version" value="(\d+)"')


class SourceAddressAdapter(HTTPAdapter):
    def __init__(self, address: str, **kwargs) -> None:
        self.address = address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


class _Stakeholder(HttpUser):
    """Opens the personal link (landing on the rating page) from its own address."""

    abstract = True

    def on_start(self) -> None:
        with _lock:
            number = next(_next_stakeholder)
        self.invitee = SETUP["invitees"][number % len(SETUP["invitees"])]
        address = f"127.0.{1 + number // 250}.{1 + number % 250}"
        self.client.mount("http://", SourceAddressAdapter(address))
        self.open_page(name="/r/[token]/ → rating page", url=f"/r/{self.invitee['token']}/")

    def open_page(self, *, name: str, url: str) -> None:
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200 or "ka-" not in response.text:
                response.failure(f"rating page: {response.status_code}")
                return
            self.versions = {int(pk): int(version) for pk, version in LEVEL_VERSION.findall(response.text)}

    def save_one(self) -> None:
        """As the page's script saves a level: over the version last confirmed."""
        key_action = random.choice(SETUP["key_actions"])
        level = random.choice(key_action["levels"] + ["not_sure"])
        pk = key_action["id"]
        with self.client.post(
            f"/rounds/{SETUP['round']}/rate/{pk}/",
            data={f"ka-{pk}-level": level, f"ka-{pk}-level-version": self.versions.get(pk, 0)},
            headers={"Accept": "application/json", "X-CSRFToken": self.client.cookies.get("csrftoken", "")},
            name="autosave",
            catch_response=True,
        ) as response:
            if response.status_code == 409 and response.json().get("conflict"):
                # Another user shares this invitee (more users than invitees): take the stored version.
                self.versions[pk] = response.json()["stored"]["level_version"]
                response.success()
            elif response.status_code != 200:
                response.failure(f"autosave: {response.status_code}")
            else:
                self.versions[pk] = response.json()["level_version"]


class StakeholderUser(_Stakeholder):
    weight = 20
    wait_time = between(2, 5)  # "every few seconds": a person choosing levels and typing evidence

    @task(10)
    def autosave(self) -> None:
        self.save_one()

    @task(1)
    def reload(self) -> None:
        self.open_page(name="rating page", url=f"/rounds/{SETUP['round']}/rate/")


class FlatOutStakeholderUser(_Stakeholder):
    """Autosaves with no pause: the server's autosave capacity, to set beside HelloUser's."""

    wait_time = constant(0)

    @task
    def autosave(self) -> None:
        self.save_one()


class LeadUser(HttpUser):
    weight = 1
    wait_time = between(5, 15)

    def on_start(self) -> None:
        page = self.client.get("/accounts/login/", name="login page")
        match = CSRF_INPUT.search(page.text)
        assert match is not None, "the login page has no CSRF token"
        token = match.group(1)
        self.client.post(
            "/accounts/login/",
            data={"username": SETUP["lead"], "password": SETUP["password"], "csrfmiddlewaretoken": token},
            name="login",
        )

    @task(3)
    def results_page(self) -> None:
        self.client.get(f"/rounds/{SETUP['results_round']}/results/", name="results page (200)")

    @task(1)
    def results_json(self) -> None:
        self.client.get(f"/rounds/{SETUP['results_round']}/results.json", name="results.json (200)")


class HelloUser(HttpUser):
    wait_time = constant(0)

    @task
    def hello(self) -> None:
        self.client.get("/bench/hello/", name="hello")
