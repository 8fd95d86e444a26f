#!/usr/bin/env python3
"""Print pins for everything ``qamqor[dev,bench]`` needs, as installed in the running
interpreter.

Walks the requirements in pyproject.toml (runtime, the ``dev`` and ``bench`` extras) through the
installed distributions' metadata and prints ``name==version`` for each one reached, so
packages installed by hand for an experiment do not leak into constraints.txt.
Run it with the virtualenv's Python: ``make constraints``.
"""

from __future__ import annotations

import sys
import tomllib
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pending = [Requirement(r) for r in project["dependencies"]]
    for extra in ("dev", "bench"):
        pending += [Requirement(r) for r in project["optional-dependencies"][extra]]
    pins: dict[str, str] = {}
    extras_seen: dict[str, set[str]] = {}
    missing = []
    while pending:
        requirement = pending.pop()
        key = canonicalize_name(requirement.name)
        extras = set(requirement.extras)
        if key in extras_seen and extras <= extras_seen[key]:
            continue
        try:
            dist = distribution(requirement.name)
        except PackageNotFoundError:
            missing.append(str(requirement))
            continue
        extras_seen.setdefault(key, set()).update(extras)
        pins[key] = f"{dist.metadata['Name']}=={dist.version}"
        for text in dist.requires or []:
            child = Requirement(text)
            wanted = ["", *sorted(extras)]
            if child.marker is None or any(child.marker.evaluate({"extra": e}) for e in wanted):
                pending.append(child)
    if missing:
        print("not installed: " + ", ".join(sorted(missing)), file=sys.stderr)
        return 1
    print("# Pins for `pip install -c constraints.txt -e '.[dev]'`; made by `make constraints`.")
    for key in sorted(pins):
        print(pins[key])
    return 0


if __name__ == "__main__":
    sys.exit(main())
