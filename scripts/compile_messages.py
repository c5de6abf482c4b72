"""Compiles every locale/*/LC_MESSAGES/*.po into its .mo with polib, so that
neither set-up nor CI needs GNU gettext's msgfmt. The .mo files are committed;
tests/test_i18n.py fails when one is stale."""

import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def main() -> int:
    for po_path in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po")):
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
        print(f"compiled {po_path.relative_to(LOCALE_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
