"""The dependency audit fails on known vulnerabilities unless accepted in writing."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def fake_pip_audit(tmp_path, dependencies):
    script = tmp_path / "pip-audit"
    script.write_text(f"#!{sys.executable}\nprint({json.dumps(json.dumps({'dependencies': dependencies}))})\n")
    script.chmod(0o755)
    return script


def run_audit(tool):
    return subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "audit_dependencies.py"), str(tool)], capture_output=True, text=True
    )


VULNERABLE = [
    {"name": "django", "version": "5.2.0", "vulns": [{"id": "PYSEC-2099-1", "fix_versions": ["5.2.1"], "aliases": []}]}
]


def test_a_known_vulnerability_fails_the_audit(tmp_path):
    result = run_audit(fake_pip_audit(tmp_path, VULNERABLE))
    assert result.returncode == 1
    assert "PYSEC-2099-1" in result.stdout
    assert "NOT ACCEPTED" in result.stdout


def test_a_clean_report_passes(tmp_path):
    result = run_audit(fake_pip_audit(tmp_path, [{"name": "django", "version": "5.2.19", "vulns": []}]))
    assert result.returncode == 0
    assert "1 of 1 packages audited, 0 known vulnerabilities" in result.stdout


def test_an_unreachable_service_is_never_reported_as_clean(tmp_path):
    skipped = [{"name": "django", "version": "5.2.19", "skip_reason": "Dependency not found on PyPI"}]
    result = run_audit(fake_pip_audit(tmp_path, skipped))
    assert "0 of 1 packages audited" in result.stdout
    assert "NOT AUDITED" in result.stdout


def test_every_accepted_vulnerability_has_a_written_reason():
    for line in (ROOT / "security" / "accepted-vulnerabilities.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert len(line.split(None, 1)) == 2, line
