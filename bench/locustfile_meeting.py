"""The meeting load test (bench/run): 60 phones and a projector in one room.

Each phone joins as a walk-in from its own loopback address, then does what
the phone page does: polls its state every 3 s (204 while the meeting has
not moved) and answers the key action on screen once its person has read it
(4–15 s after it appears: the key action and its four descriptors). The
projector polls its state every 2 s; the facilitator reveals the key action
20 s after showing it, once the room has answered, and moves on 10 s later.
bench/run starts the phones 2 a second, as a room scanning the code joins.
Environment: BENCH_MEETING (a JSON file written by bench/meeting_setup.py), and BENCH_TOKENS as for
bench/locustfile.py."""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import time

from locust import HttpUser, constant, task

# Locust puts this file's directory on the path; the load test's file reads BENCH_TOKENS, which bench/run sets.
from locustfile import CSRF_INPUT, SourceAddressAdapter

SETUP = json.loads(open(os.environ["BENCH_MEETING"]).read())  # noqa: SIM115 — read once at start-up
CODE = SETUP["code"]
_next_phone = itertools.count()
_lock = threading.Lock()
REVISION = re.compile(r"state/\?r=(\d+)")
KEY_ACTION = re.compile(r'name="key_action" value="(\d+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
READING_SECONDS = (4, 15)
REVEAL_AFTER_SECONDS, NEXT_AFTER_SECONDS = 20, 30


class PhoneUser(HttpUser):
    weight = 60
    wait_time = constant(3)  # the phone page polls every 3 s

    def on_start(self) -> None:
        with _lock:
            number = next(_next_phone)
        self.client.mount("http://", SourceAddressAdapter(f"127.0.{100 + number // 250}.{1 + number % 250}"))
        page = self.client.get(f"/m/{CODE}/", name="join page")
        token = CSRF_INPUT.search(page.text)
        assert token is not None, "the join page has no CSRF token"
        with self.client.post(
            f"/m/{CODE}/",
            data={"group": random.choice(SETUP["groups"]), "csrfmiddlewaretoken": token.group(1)},
            name="join as a walk-in → phone page",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or "phone-state" not in response.text:
                response.failure(f"join: {response.status_code}")
            self._read(response.text)
        self.answered: set[int] = set()

    def _read(self, html: str) -> None:
        revision, key_action, version = REVISION.search(html), KEY_ACTION.search(html), VERSION.search(html)
        if revision and key_action and version:
            if int(key_action.group(1)) != getattr(self, "key_action", None):
                self.answer_at = time.monotonic() + random.uniform(*READING_SECONDS)
            self.revision, self.key_action, self.version = revision.group(1), int(key_action.group(1)), version.group(1)

    @task
    def poll_and_answer(self) -> None:
        with self.client.get(
            f"/m/{CODE}/phone/state/", params={"r": self.revision}, name="phone poll", catch_response=True
        ) as response:
            if response.status_code == 200:
                self._read(response.text)
            elif response.status_code != 204:
                response.failure(f"poll: {response.status_code}")
                return
        if self.key_action in self.answered or time.monotonic() < self.answer_at:
            return
        with self.client.post(
            f"/m/{CODE}/phone/answer/",
            data={"key_action": self.key_action, "level": random.choice(SETUP["levels"]), "version": self.version},
            headers={"HX-Request": "true", "X-CSRFToken": self.client.cookies.get("csrftoken", "")},
            name="phone answer",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"answer: {response.status_code}")
                return
            self._read(response.text)
        self.answered.add(self.key_action)


class ProjectorUser(HttpUser):
    weight = 1
    fixed_count = 1
    wait_time = constant(2)  # the projector polls every 2 s

    def on_start(self) -> None:
        page = self.client.get("/accounts/login/", name="login page")
        token = CSRF_INPUT.search(page.text)
        assert token is not None, "the login page has no CSRF token"
        self.client.post(
            "/accounts/login/",
            data={"username": SETUP["lead"], "password": SETUP["password"], "csrfmiddlewaretoken": token.group(1)},
            name="login",
        )
        self.client.get(f"/rounds/{SETUP['round']}/meeting/", name="projector")
        self.moved_at = time.monotonic()
        self.revealed = False

    def _control(self, action: str) -> None:
        page = self.client.get(f"/rounds/{SETUP['round']}/meeting/", name="projector")
        token = CSRF_INPUT.search(page.text)
        if token is None:
            return
        self.client.post(
            f"/rounds/{SETUP['round']}/meeting/control/",
            data={"action": action, "csrfmiddlewaretoken": token.group(1)},
            name=f"control: {action} → projector",
        )

    @task
    def poll(self) -> None:
        self.client.get(f"/rounds/{SETUP['round']}/meeting/state/", name="projector poll")
        elapsed = time.monotonic() - self.moved_at
        if not self.revealed and elapsed > REVEAL_AFTER_SECONDS:
            self._control("reveal")
            self.revealed = True
        elif elapsed > NEXT_AFTER_SECONDS:
            self._control("next")
            self.moved_at, self.revealed = time.monotonic(), False
