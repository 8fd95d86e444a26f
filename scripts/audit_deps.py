#!/usr/bin/env python3
"""Check the pinned dependencies (constraints.txt) against an advisory database.

Runs ``pip-audit`` on the pins alone (``--no-deps --disable-pip``: nothing is installed
or resolved) against OSV, and says which of three things happened:

- ``CLEAN``: the advisory source answered for every pin and lists no vulnerability (exit 0);
- ``VULNERABLE``: it lists at least one (each printed with its fixed versions; exit 1);
- ``SKIPPED``: the audit could not look, because the source was unreachable or the audit
  did not finish (exit 2). This is never reported as "no known vulnerabilities".

A pin the source could not check makes the result ``SKIPPED`` too, naming the pin. The
advisory source is OSV's API; ``--osv-url`` or ``QAMQOR_AUDIT_OSV_URL`` points it at a
mirror in a closed network. ``make audit-deps`` runs this (docs/security.md).

Usage: scripts/audit_deps.py [--requirements constraints.txt] [--osv-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess  # nosec B404 # runs pip-audit from our own virtualenv, fixed arguments
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OSV_URL = "https://api.osv.dev/v1/query"
CLEAN, VULNERABLE, SKIPPED = 0, 1, 2
# What an unreachable source looks like in pip-audit's error output.
NETWORK_SIGNS = (
    "ConnectionError",
    "ConnectTimeout",
    "Could not connect",
    "Max retries exceeded",
    "NameResolutionError",
    "Failed to resolve",
    "timed out",
    "ProxyError",
    "Connection refused",
    "Network is unreachable",
)


@dataclass
class Outcome:
    status: int
    lines: list[str] = field(default_factory=list)


def classify(returncode: int, report: str | None, stderr: str) -> Outcome:
    """Turn one pip-audit run (exit code, JSON report if written, error output) into an
    outcome. Without a complete JSON report the audit did not look: SKIPPED."""
    if report:
        try:
            data = json.loads(report)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("dependencies"), list):
            return _from_report(data["dependencies"])
    reason = _reason(stderr) or f"pip-audit exited {returncode} without a report"
    return Outcome(SKIPPED, [f"SKIPPED: could not check the pins ({reason})"])


def _from_report(dependencies: list[dict[str, object]]) -> Outcome:
    found: list[str] = []
    unchecked: list[str] = []
    for dependency in dependencies:
        name, version = dependency.get("name"), dependency.get("version")
        if dependency.get("skip_reason"):
            unchecked.append(f"{name}: {dependency['skip_reason']}")
            continue
        for vuln in dependency.get("vulns") or []:  # type: ignore[attr-defined]
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            found.append(f"{name}=={version}: {vuln.get('id')} (fixed in: {fixes})")
    if found:
        return Outcome(
            VULNERABLE, [f"VULNERABLE: {len(found)} known vulnerabilities", *found, *unchecked]
        )
    if unchecked:
        return Outcome(
            SKIPPED,
            [f"SKIPPED: {len(unchecked)} pins could not be checked", *unchecked],
        )
    return Outcome(CLEAN, [f"CLEAN: no known vulnerabilities in {len(dependencies)} pins"])


def _reason(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in reversed(lines):
        if any(sign in line for sign in NETWORK_SIGNS):
            return f"advisory source unreachable: {line[:200]}"
    return lines[-1][:200] if lines else ""


def run(requirements: Path, osv_url: str, timeout: int = 15) -> Outcome:
    pip_audit = Path(sys.executable).with_name("pip-audit")
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "report.json"
        command = [
            str(pip_audit),
            "--requirement",
            str(requirements),
            "--no-deps",
            "--disable-pip",
            "--vulnerability-service",
            "osv",
            "--osv-url",
            osv_url,
            "--format",
            "json",
            "--output",
            str(output),
            "--progress-spinner",
            "off",
            "--timeout",
            str(timeout),
            "--cache-dir",
            str(Path(folder) / "cache"),  # a cached answer must not stand in for a look
        ]
        try:
            result = subprocess.run(  # nosec B603 # noqa: S603 - fixed arguments, no shell
                command, capture_output=True, text=True, check=False, timeout=30 * 60
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return Outcome(SKIPPED, [f"SKIPPED: could not run pip-audit ({error})"])
        report = output.read_text() if output.exists() else None
        return classify(result.returncode, report, result.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requirements", type=Path, default=ROOT / "constraints.txt")
    parser.add_argument(
        "--osv-url", default=os.environ.get("QAMQOR_AUDIT_OSV_URL") or DEFAULT_OSV_URL
    )
    parser.add_argument("--timeout", type=int, default=15)
    args = parser.parse_args(argv)
    outcome = run(args.requirements, args.osv_url, args.timeout)
    for line in outcome.lines:
        print(line)
    return outcome.status


if __name__ == "__main__":
    sys.exit(main())
