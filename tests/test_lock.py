"""The locks (requirements.lock, requirements-dev.lock) are what every install uses (make deps, make dev-deps,
the Dockerfile, CI): a pin changed in requirements*.txt without `make lock` would be silently ignored."""

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCK_ENTRY = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>\S+)(?: ;.*)?$")


def pins(path: Path) -> dict[str, str]:
    """requirements*.txt: each requirement's `==` version, following `-r` includes."""
    found: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("-r "):
            found.update(pins(path.parent / line.removeprefix("-r ").strip()))
        elif line:
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", f"{path.name}: {line} is not pinned with =="
            found[canonicalize_name(requirement.name)] = specifier.version
    return found


def locked(path: Path) -> dict[str, tuple[str, list[str]]]:
    """A lock written by `make lock`: each package's version and its hashes."""
    entries: dict[str, tuple[str, list[str]]] = {}
    name = ""
    for line in path.read_text().splitlines():
        if match := LOCK_ENTRY.match(line.rstrip(" \\")):
            name = canonicalize_name(match["name"])
            entries[name] = (match["version"], [])
        elif line.strip().startswith("--hash="):
            entries[name][1].append(line.strip().rstrip(" \\").removeprefix("--hash="))
    return entries


RUNTIME = locked(ROOT / "requirements.lock")
DEVELOPMENT = locked(ROOT / "requirements-dev.lock")


def unlocked(requirements: Path, lock: dict[str, tuple[str, list[str]]]) -> dict[str, tuple[str, str | None]]:
    """Each pin of `requirements` that `lock` does not hold at its version: (pinned, locked)."""
    return {
        name: (version, lock[name][0] if name in lock else None)
        for name, version in pins(requirements).items()
        if name not in lock or lock[name][0] != version
    }


@pytest.mark.parametrize(
    ("requirements", "lock"), [("requirements.txt", RUNTIME), ("requirements-dev.txt", DEVELOPMENT)]
)
def test_every_pin_is_locked_at_its_version(requirements, lock):
    assert unlocked(ROOT / requirements, lock) == {}, "run `make lock`"


@pytest.mark.parametrize("lock", [RUNTIME, DEVELOPMENT], ids=["runtime", "development"])
def test_every_locked_package_has_sha256_hashes(lock):
    assert lock
    assert {name for name, (_, hashes) in lock.items() if not hashes} == set()
    assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", digest) for _, hashes in lock.values() for digest in hashes)


def test_the_tests_run_the_runtime_lock_s_versions():
    assert {name: DEVELOPMENT.get(name, ("missing", []))[0] for name in RUNTIME} == {
        name: version for name, (version, _) in RUNTIME.items()
    }


def test_a_pin_changed_or_added_without_make_lock_is_found(tmp_path):
    (tmp_path / "base.txt").write_text("# runtime\nDjango==1.0\n")
    (tmp_path / "requirements.txt").write_text("-r base.txt\ncelery[redis]==5.7.0  # kept\nnew-package==1.0\n")
    assert unlocked(tmp_path / "requirements.txt", RUNTIME) == {
        "django": ("1.0", RUNTIME["django"][0]),
        "new-package": ("1.0", None),
    }
