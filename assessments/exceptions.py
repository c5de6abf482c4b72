"""Errors the services of every feature raise, answered alike by the views."""

from __future__ import annotations


class StateConflict(Exception):
    """The action does not fit the object's current state (answered as 409)."""
