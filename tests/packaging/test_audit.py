"""requirements.lock and the audit CI runs over it (packaging/audit.py, issue #29).

pip-audit's answers are canned here by a stand-in pip-audit (the audit's own rules are under
test, not PyPI's data); one test asks the real service, and skips when it cannot be reached.
"""

import datetime
import importlib.util
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
AUDIT = ROOT / "packaging" / "audit.py"
TODAY = datetime.date.today()
REQUESTS_2_19 = {"name": "requests", "version": "2.19.0", "vulns": [
    {"id": "PYSEC-2018-28", "aliases": ["CVE-2018-18074", "GHSA-x84v-xcm2-53pg"],
     "fix_versions": ["2.20.0"]}]}
UNFIXED = {"name": "oldlib", "version": "1.0", "vulns": [
    {"id": "GHSA-aaaa-bbbb-cccc", "aliases": [], "fix_versions": []}]}


def _load_audit():
    spec = importlib.util.spec_from_file_location("hoist_audit", AUDIT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def canned(tmp_path):
    """audit(report, allowlist="", *flags): run audit.py with pip-audit answering ``report``."""
    venv = tmp_path / "audit-venv"
    (venv / "bin").mkdir(parents=True)
    fake = venv / "bin" / "pip-audit"
    fake.write_text(f"#!{sys.executable}\nimport sys, shutil\n"
                    "shutil.copy(sys.argv[0] + '.json', sys.argv[sys.argv.index('--output') + 1])\n")
    fake.chmod(0o755)
    lock = tmp_path / "tiny.lock"
    lock.write_text("requests==2.19.0\n")

    def audit(report, allowlist="", *flags):
        Path(f"{fake}.json").write_text(json.dumps(report))
        (tmp_path / "allow.toml").write_text(allowlist)
        return subprocess.run([sys.executable, AUDIT, "--lock", lock, "--allowlist",
                               tmp_path / "allow.toml", *flags], capture_output=True, text=True,
                              timeout=60, env={"HOIST_AUDIT_VENV": str(venv), "PATH": "/usr/bin:/bin"})
    return audit


def entry(id_, expires, reason="only the test server loads it"):
    return f'[[ignore]]\nid = "{id_}"\nreason = "{reason}"\nexpires = {expires.isoformat()}\n'


def test_a_known_vulnerability_with_a_fix_fails_the_audit(canned):
    done = canned({"dependencies": [REQUESTS_2_19, {"name": "six", "version": "1.17.0",
                                                    "vulns": []}]})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "VULNERABLE requests 2.19.0: PYSEC-2018-28" in done.stdout
    assert "fixed in 2.20.0" in done.stdout and "refresh-lock.sh" in done.stderr


def test_an_allowlist_entry_suppresses_until_it_expires(canned):
    report = {"dependencies": [REQUESTS_2_19]}
    done = canned(report, entry("CVE-2018-18074", TODAY + datetime.timedelta(days=1)))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "allowed until" in done.stdout and "only the test server loads it" in done.stdout
    done = canned(report, entry("CVE-2018-18074", TODAY - datetime.timedelta(days=1)))
    assert done.returncode == 1 and "expired on" in done.stdout


def test_a_vulnerability_with_no_fix_yet_is_reported_but_passes(canned):
    done = canned({"dependencies": [UNFIXED]})
    assert done.returncode == 0 and "no fix yet: oldlib 1.0: GHSA-aaaa-bbbb-cccc" in done.stdout


@pytest.mark.parametrize("allowlist, says", [
    ('[[ignore]]\nid = "CVE-1"\nexpires = 2030-01-01\n', "has no reason"),
    ('[[ignore]]\nid = "CVE-1"\nreason = "r"\n', "has no expires"),
    ('[[ignore]]\nid = "CVE-1"\nreason = "r"\nexpires = "soon"\n', "not a date"),
])
def test_every_allowlist_entry_has_an_id_a_reason_and_an_expiry(canned, allowlist, says):
    done = canned({"dependencies": [REQUESTS_2_19]}, allowlist)
    assert done.returncode == 2 and says in done.stderr


def test_a_service_that_answers_for_nothing_is_said_loudly(canned):
    report = {"dependencies": [{"name": "requests", "skip_reason": "Dependency not found on "
                                "PyPI and could not be audited: requests (2.19.0)"}]}
    done = canned(report)
    assert done.returncode == 0 and "NOT AUDITED" in done.stderr
    assert canned(report, "", "--require-service").returncode == 3


def test_the_projects_allowlist_is_valid():
    _load_audit().load_allowlist(ROOT / "packaging" / "audit-allowlist.toml")


def test_the_lock_pins_every_dependency_with_hashes_within_pyproject():
    lock = (ROOT / "requirements.lock").read_text()
    pins = {canonicalize_name(name): version for name, version in
            re.findall(r"^([A-Za-z0-9._-]+)==(\S+) \\$", lock, re.MULTILINE)}
    blocks = re.split(r"\n(?=[A-Za-z])", lock)
    assert all("--hash=sha256:" in b for b in blocks if re.match(r"[A-Za-z0-9._-]+==", b))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *(r for extra in project["optional-dependencies"].values()
                                          for r in extra)]
    for text in wanted:
        requirement = Requirement(text)
        if requirement.name == "hoist":          # the test extra names hoist[demo]
            continue
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: bash packaging/refresh-lock.sh"
        assert requirement.specifier.contains(pins[name], prereleases=True), (name, pins[name])


@pytest.mark.network
def test_pip_audit_finds_a_known_vulnerable_pin(tmp_path):
    """The real pip-audit and its service (PyPI) against requests 2.19.0 (CVE-2018-18074)."""
    lock = tmp_path / "tiny.lock"
    lock.write_text("requests==2.19.0\n")
    done = subprocess.run([sys.executable, AUDIT, "--lock", lock, "--allowlist",
                           tmp_path / "none.toml", "--require-service"],
                          capture_output=True, text=True, timeout=300)
    if done.returncode == 3:
        pytest.skip("pip-audit's vulnerability service (PyPI's JSON API, /pypi/NAME/VERSION/json) "
                    f"cannot be reached from here: {done.stderr.strip()[-200:]}")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "VULNERABLE requests 2.19.0" in done.stdout
