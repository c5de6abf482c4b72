"""Makes sure the browser tests have a Chromium: Debian's package at
/usr/bin/chromium (Playwright cannot download its own browser here). Installs
it with apt-get when running as root; otherwise says what to do and fails."""

import os
import shutil
import subprocess
import sys

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def main() -> int:
    if os.path.exists(CHROMIUM):
        return 0
    apt = shutil.which("apt-get")
    if apt and os.geteuid() == 0:
        print("Chromium is missing: installing Debian's chromium package for the browser tests…", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([apt, "update", "-qq"], check=True, env=env)
        subprocess.run([apt, "install", "-y", "-qq", "chromium", "fonts-dejavu-core"], check=True, env=env)
        return 0
    print(
        f"The browser tests need Chromium at {CHROMIUM}. Install it (Debian: `sudo apt-get install chromium`) "
        "or point CHROMIUM_PATH at one.",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
