"""Makes sure the Debian packages Convening needs outside Python are present,
installing the missing ones with apt-get when running as root.

- `runtime`: Pango/HarfBuzz and a font, which WeasyPrint needs for PDF reports.
- `test` (runtime too): Chromium for the browser tests (Playwright cannot
  download its own browser here) and GNU gettext, which extracts the
  translatable strings for the catalogue-completeness test.

With `--warn-only` a missing package is reported and the command succeeds,
so the quick start runs even where nothing can be installed (PDF reports are
then unavailable until the packages are)."""

import argparse
import ctypes.util
import os
import shutil
import subprocess
import sys

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

# (what is checked, whether it is present, the Debian package that provides it)
RUNTIME = [
    ("Pango", lambda: ctypes.util.find_library("pango-1.0") is not None, "libpango-1.0-0"),
    ("PangoFT2", lambda: ctypes.util.find_library("pangoft2-1.0") is not None, "libpangoft2-1.0-0"),
    ("HarfBuzz subsetting", lambda: ctypes.util.find_library("harfbuzz-subset") is not None, "libharfbuzz-subset0"),
    ("DejaVu fonts", lambda: os.path.isdir("/usr/share/fonts/truetype/dejavu"), "fonts-dejavu-core"),
]
TEST = [
    ("Chromium", lambda: os.path.exists(CHROMIUM), "chromium"),
    ("GNU gettext", lambda: shutil.which("xgettext") is not None, "gettext"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["runtime", "test"])
    parser.add_argument("--warn-only", action="store_true")
    args = parser.parse_args()
    wanted = RUNTIME + (TEST if args.kind == "test" else [])
    missing = [(name, package) for name, present, package in wanted if not present()]
    if not missing:
        return 0
    packages = [package for _, package in missing]
    apt = shutil.which("apt-get")
    if apt and os.geteuid() == 0:
        print(f"Installing Debian packages: {' '.join(packages)}", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([apt, "update", "-qq"], check=True, env=env)
        subprocess.run([apt, "install", "-y", "-qq", *packages], check=True, env=env)
        return 0
    names = ", ".join(name for name, _ in missing)
    print(
        f"Missing {names}. Install them (Debian: `sudo apt-get install {' '.join(packages)}`)"
        + (" or point CHROMIUM_PATH at a Chromium." if any(p == "chromium" for p in packages) else "."),
        file=sys.stderr,
    )
    return 0 if args.warn_only else 1


if __name__ == "__main__":
    sys.exit(main())
