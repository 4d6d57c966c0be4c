#!/usr/bin/env python3
"""The dependency audit that CI runs before the tests: pip-audit over requirements.lock.

Fails (exit 1) on a known vulnerability that has a fixed version, unless an unexpired entry
of packaging/audit-allowlist.toml names it (by its id or an alias); one with no fix yet is
reported and passes. pip-audit runs from a venv of its own (.venv-audit, or
$HOIST_AUDIT_VENV), never from the app's. If its vulnerability service (PyPI's JSON API)
answers for no package, the run says NOT AUDITED in capitals and passes, or exits 3 with
--require-service: an unreachable service must not block every submission.

    python3 packaging/audit.py [--lock FILE] [--allowlist FILE] [--require-service]
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIP_AUDIT = "pip-audit==2.10.1"
EXIT_OK, EXIT_VULNERABLE, EXIT_USAGE, EXIT_NO_SERVICE = 0, 1, 2, 3


class AllowlistError(Exception):
    """The allowlist is not as documented; the message says where."""


@dataclass(frozen=True)
class Allowed:
    id: str
    reason: str
    expires: datetime.date


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    id: str
    aliases: tuple[str, ...]
    fix_versions: tuple[str, ...]

    @property
    def names(self) -> set[str]:
        return {self.id, *self.aliases}


@dataclass
class Verdict:
    blocking: list[Finding]
    allowed: list[tuple[Finding, Allowed]]
    unfixed: list[Finding]                      # no fixed version yet: reported, not blocking
    expired: list[tuple[Finding, Allowed]]      # an entry named it, but too long ago


def load_allowlist(path: Path) -> list[Allowed]:
    """The [[ignore]] entries of ``path``; each must have an id, a reason and an expiry date."""
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise AllowlistError(f"{path}: {e}") from None
    entries = []
    for n, entry in enumerate(data.get("ignore", []), 1):
        missing = [k for k in ("id", "reason", "expires") if not entry.get(k)]
        if missing:
            raise AllowlistError(f"{path}: entry {n} has no {', '.join(missing)}")
        expires = entry["expires"]
        if isinstance(expires, str):
            try:
                expires = datetime.date.fromisoformat(expires)
            except ValueError:
                raise AllowlistError(f"{path}: entry {n} expires on {expires!r}, "
                                     "not a date (YYYY-MM-DD)") from None
        if isinstance(expires, datetime.datetime) or not isinstance(expires, datetime.date):
            raise AllowlistError(f"{path}: entry {n}'s expires must be a date (YYYY-MM-DD)")
        entries.append(Allowed(str(entry["id"]), str(entry["reason"]), expires))
    return entries


def findings(report: dict) -> list[Finding]:
    return [Finding(dep["name"], dep.get("version", ""), vuln["id"],
                    tuple(vuln.get("aliases", ())), tuple(vuln.get("fix_versions", ())))
            for dep in report.get("dependencies", []) for vuln in dep.get("vulns", [])]


def skipped(report: dict) -> list[tuple[str, str]]:
    return [(dep["name"], dep["skip_reason"]) for dep in report.get("dependencies", [])
            if "skip_reason" in dep]


def judge(found: list[Finding], allowlist: list[Allowed], today: datetime.date) -> Verdict:
    verdict = Verdict([], [], [], [])
    for finding in found:
        entries = [a for a in allowlist if a.id in finding.names]
        live = next((a for a in entries if a.expires >= today), None)
        if live:
            verdict.allowed.append((finding, live))
            continue
        if entries:
            verdict.expired.append((finding, entries[0]))
        (verdict.blocking if finding.fix_versions else verdict.unfixed).append(finding)
    return verdict


def pip_audit_command(venv: Path) -> Path:
    """pip-audit in its own venv, made on first use (a few seconds, once)."""
    exe = venv / "bin" / "pip-audit"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                               PIP_AUDIT], capture_output=True, text=True)
        if done.returncode:
            sys.stderr.write(done.stdout + done.stderr)
            raise SystemExit(f"audit: could not install {PIP_AUDIT} into {venv}")
    return exe


def run_pip_audit(exe: Path, lock: Path) -> tuple[dict | None, str]:
    """pip-audit's JSON report of ``lock`` (None if it wrote none) and what it said on stderr.

    --disable-pip --no-deps: the lock is the whole set, pinned; nothing is installed to audit it.
    """
    with tempfile.TemporaryDirectory() as temp:
        out = Path(temp) / "report.json"
        done = subprocess.run([str(exe), "-r", str(lock), "--disable-pip", "--no-deps",
                               "--format", "json", "--aliases", "on", "--output", str(out),
                               "--progress-spinner", "off"],
                              capture_output=True, text=True, timeout=600)
        try:
            return json.loads(out.read_text()), done.stderr
        except (OSError, ValueError):
            return None, done.stderr


def report_lines(verdict: Verdict) -> list[str]:
    lines = []
    for f in verdict.blocking:
        lines.append(f"VULNERABLE {f.package} {f.version}: {f.id} "
                     f"({', '.join(f.aliases) or 'no aliases'}); fixed in "
                     f"{', '.join(f.fix_versions)}")
    for f, entry in verdict.expired:
        lines.append(f"  the allowlist entry for {entry.id} expired on {entry.expires}: "
                     "it no longer suppresses this; look again, then renew it or upgrade")
    for f in verdict.unfixed:
        lines.append(f"no fix yet: {f.package} {f.version}: {f.id} (reported, not blocking)")
    for f, entry in verdict.allowed:
        lines.append(f"allowed until {entry.expires}: {f.package} {f.version}: {f.id} "
                     f"({entry.reason})")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lock", type=Path, default=ROOT / "requirements.lock")
    parser.add_argument("--allowlist", type=Path,
                        default=ROOT / "packaging" / "audit-allowlist.toml")
    parser.add_argument("--require-service", action="store_true",
                        help="exit 3 when the vulnerability service answers for no package")
    args = parser.parse_args(argv)
    try:
        allowlist = load_allowlist(args.allowlist)
    except AllowlistError as e:
        print(f"audit: {e}", file=sys.stderr)
        return EXIT_USAGE
    venv = Path(os.environ.get("HOIST_AUDIT_VENV") or ROOT / ".venv-audit")
    report, stderr = run_pip_audit(pip_audit_command(venv), args.lock)
    deps = (report or {}).get("dependencies", [])
    missed = skipped(report or {})
    if not deps or len(missed) == len(deps):
        why = missed[0][1] if missed else (stderr.strip().splitlines() or ["no answer"])[-1]
        print(f"audit: NOT AUDITED: pip-audit's vulnerability service answered for no package "
              f"of {args.lock.name} ({why})", file=sys.stderr)
        return EXIT_NO_SERVICE if args.require_service else EXIT_OK
    verdict = judge(findings(report), allowlist, datetime.date.today())
    for line in report_lines(verdict):
        print(f"audit: {line}")
    for name, why in missed:
        print(f"audit: not audited: {name}: {why}")
    audited = len(deps) - len(missed)
    if verdict.blocking:
        print(f"audit: {len(verdict.blocking)} known vulnerabilit"
              f"{'y' if len(verdict.blocking) == 1 else 'ies'} with a fix in {args.lock.name}: "
              "upgrade (bash packaging/refresh-lock.sh), or allow it for a while in "
              f"{args.allowlist.name} with a reason and an expiry date", file=sys.stderr)
        return EXIT_VULNERABLE
    print(f"audit: {audited} packages audited, no known vulnerability with a fix")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
