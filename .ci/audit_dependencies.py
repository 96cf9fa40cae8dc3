"""
Audit requirements.txt for known vulnerabilities with pip-audit.

Fails (exit 1) on any known vulnerability not listed, with a written reason,
in security/accepted-vulnerabilities.txt. When the vulnerability service
cannot be reached, nothing is audited: that is printed plainly, never
reported as "no vulnerabilities".
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACCEPTED_FILE = ROOT / "security" / "accepted-vulnerabilities.txt"


def accepted_ids():
    accepted = {}
    for number, line in enumerate(ACCEPTED_FILE.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        vuln_id, _, reason = line.partition(" ")
        if not reason.strip():
            sys.exit(f"{ACCEPTED_FILE}:{number}: {vuln_id} has no written reason; add one or fix the dependency.")
        accepted[vuln_id] = reason.strip()
    return accepted


def main(pip_audit):
    accepted = accepted_ids()
    result = subprocess.run(
        [pip_audit, "-r", str(ROOT / "requirements.txt"), "--format", "json", "--progress-spinner", "off"],
        capture_output=True,
        text=True,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(result.stdout[-2000:], result.stderr[-2000:], sep="\n")
        print("Dependency audit: pip-audit did not produce a report (see above).")
        return 1
    dependencies = report.get("dependencies", [])
    skipped = [dep for dep in dependencies if dep.get("skip_reason")]
    audited = [dep for dep in dependencies if not dep.get("skip_reason")]
    found = [(dep["name"], dep["version"], vuln) for dep in audited for vuln in dep.get("vulns", [])]
    unaccepted = [
        (name, version, vuln)
        for name, version, vuln in found
        if vuln["id"] not in accepted and not set(vuln.get("aliases", [])) & set(accepted)
    ]
    print(
        f"Dependency audit: {len(audited)} of {len(dependencies)} packages audited, {len(found)} known vulnerabilities."
    )
    for name, version, vuln in found:
        verdict = "ACCEPTED: " + accepted[vuln["id"]] if vuln["id"] in accepted else "NOT ACCEPTED"
        fixed_in = ", ".join(vuln.get("fix_versions", [])) or "no release yet"
        print(f"  {name} {version}: {vuln['id']} (fixed in {fixed_in}) {verdict}")
    if skipped and not audited:
        print(
            "  NOT AUDITED: the vulnerability service could not be reached from this machine "
            f"({skipped[0]['skip_reason']}). Run `make audit` where it can be reached."
        )
    elif skipped:
        print(f"  {len(skipped)} package(s) could not be looked up: {', '.join(dep['name'] for dep in skipped)}")
    return 1 if unaccepted else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "pip-audit"))
