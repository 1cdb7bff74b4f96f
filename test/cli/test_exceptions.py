#!/usr/bin/env python3
"""test_exceptions.py - PolicyExceptions from the command line: lint's
expiry warnings (14 days, --warn-days, expired, --fail-expired for CI, more
than 366 days ahead), check and test deciding at --now (and a test case's
own now:), what check prints when an exception let an object through, and
--now's bad values. The shipped commented preset legacy-report-exception
is enabled in a copy of policies/, as a user would.

Run from the repository root: python3 test/cli/test_exceptions.py
"""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "pylib"))
from harness import Suite, gitgate  # noqa: E402
import presets  # noqa: E402

S = Suite("exceptions")
TMP = tempfile.mkdtemp(prefix="gitgate-exc-")
POL = os.path.join(TMP, "policies")
os.mkdir(POL)
found = presets.enable("policies", POL, ["legacy-report-exception"])
S.check("the shipped preset legacy-report-exception exists",
        found["legacy-report-exception"] == 1, found)
EXC_FILE = os.path.join(POL, "immutable-images.yaml")
with open(EXC_FILE) as f:
    # lint points at the expires value (1-based line, column)
    _lines = f.read().splitlines()
    EXC_LINE = next(i + 1 for i, ln in enumerate(_lines)
                    if ln.startswith("  expires:"))
    EXC_COL = _lines[EXC_LINE - 1].index('"') + 1

CRONJOB = """apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly-report
  namespace: legacy-billing
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: report
              image: registry.example.com/legacy/report:latest
"""
MANIFEST = os.path.join(TMP, "cronjob.yaml")
with open(MANIFEST, "w") as f:
    f.write(CRONJOB)


def lint(*args):
    return gitgate("lint", "--policies", POL, *args)


def test_lint():
    where = f"{EXC_FILE}:{EXC_LINE}:{EXC_COL}: warning: "
    rc, out, err = lint("--now", "2026-12-01T00:00:00Z")
    S.check("lint 61 days ahead: exit 0, no warning", rc == 0 and
            "0 warning(s)" in out and "1 exception(s)" in out, out + err)
    rc, out, err = lint("--now", "2027-01-18T00:00:00Z")
    S.check("lint 14 days ahead: warning with file:line", rc == 0 and
            where + 'PolicyException "legacy-report-latest" (OPS-1234) '
            "expires 2027-01-31, in 14 day(s)" in err, out + err)
    rc, out, err = lint("--now", "2027-01-17T00:00:00Z")
    S.check("lint 15 days ahead: no warning", rc == 0 and
            "warning" not in err, err)
    rc, out, err = lint("--now", "2027-01-01T00:00:00Z", "--warn-days", "31")
    S.check("lint --warn-days 31: warning 31 days ahead", rc == 0 and
            "in 31 day(s)" in err, err)
    rc, out, err = lint("--now", "2027-02-01T00:00:00Z")
    S.check("lint expired: a warning, exit 0", rc == 0 and
            where + 'PolicyException "legacy-report-latest" (OPS-1234) '
            "expired 2027-01-31" in err, out + err)
    rc, out, err = lint("--now", "2027-02-01T00:00:00Z", "--fail-expired")
    S.check("lint --fail-expired: an error, exit 2", rc == 2 and
            f"{EXC_FILE}:{EXC_LINE}:{EXC_COL}: PolicyException" in err and
            "1 error(s)" in out, out + err)
    rc, out, err = lint("--now", "2025-12-01T00:00:00Z")
    S.check("lint more than 366 days ahead: exit 2", rc == 2 and
            "more than 366 days ahead" in err, out + err)
    rc, out, err = lint("--now", "yesterday")
    S.check("lint --now bad: exit 2, says why", rc == 2 and
            "--now yesterday" in err, err)


def test_check():
    rc, out, err = gitgate("check", "--policies", POL, "--now",
                           "2027-01-20T00:00:00Z", "--kustomization",
                           "flux-system/legacy", MANIFEST)
    S.check("check before expiry: allowed by exception", rc == 0 and
            "CronJob legacy-billing/nightly-report: allowed by exception "
            "legacy-report-latest" in out and
            "excepted by legacy-report-latest: [immutable-images]" in out,
            out + err)
    rc, out, err = gitgate("check", "--policies", POL, "--now",
                           "2027-02-01T00:00:00Z", "--kustomization",
                           "flux-system/legacy", MANIFEST)
    S.check("check after expiry: denied", rc == 1 and
            "DENIED: [immutable-images]" in out, out + err)
    rc, out, err = gitgate("check", "--policies", POL, "--now",
                           "2027-01-20", "-o", "json", "--kustomization",
                           "flux-system/legacy", MANIFEST)
    try:
        obj = json.loads(out)["objects"][0]
    except (ValueError, KeyError, IndexError):
        obj = {}
    lifted = [f for f in obj.get("findings", []) if "exception" in f]
    S.check("check -o json: exceptions and the finding's exception",
            rc == 0 and obj.get("exceptions") == "legacy-report-latest" and
            len(lifted) == 1 and
            lifted[0]["policy"] == "immutable-images", out + err)


def report_results(manifest):
    """check -o policyreport at 2027-01-20: {policy: result} of manifest."""
    rc, out, err = gitgate("check", "--policies", POL, "--now", "2027-01-20",
                           "-o", "policyreport", "--kustomization",
                           "flux-system/legacy", manifest)
    try:
        items = json.loads(out)["items"]
    except (ValueError, KeyError):
        items = []
    return rc, {r["policy"]: r["result"] for i in items
                for r in i.get("results", [])}, out + err


def test_check_policyreport():
    rc, out, err = gitgate("check", "--policies", POL, "--now", "2027-01-20",
                           "-o", "github", "--kustomization",
                           "flux-system/legacy", MANIFEST)
    S.check("check -o github: a lifted finding is a notice naming its "
            "exception", rc == 0 and
            "::notice file=%s,line=1,title=gitgate immutable-images::"
            "CronJob legacy-billing/nightly-report: excepted by "
            "legacy-report-latest: container" % MANIFEST in out, out + err)
    rc, res, out = report_results(MANIFEST)
    S.check("check -o policyreport: a lifted finding is a skip", rc == 0 and
            res.get("immutable-images") == "skip", out)
    two = os.path.join(TMP, "two.yaml")
    with open(two, "w") as f:
        f.write(CRONJOB.replace(
            "            - name: report\n",
            "            - name: upload\n"
            "              image: ghcr.io/acme/upload:latest\n"
            "            - name: report\n"))
    rc, res, out = report_results(two)
    S.check("check -o policyreport: a denied finding next to a lifted one "
            "is a fail, whatever their order", rc == 1 and
            res.get("immutable-images") == "fail", out)


def test_check_unitemized():
    """9 containers: 8 excepted images (the findings a rule itemizes), the
    9th not: serve denies; check --live said "allowed by exception" and
    the denial named no policy."""
    spec = {"restartPolicy": "OnFailure", "containers": [
        {"name": "r%d" % i, "image": "registry.example.com/legacy/report:"
         "latest"} for i in range(8)] + [
        {"name": "up", "image": "ghcr.io/acme/upload:latest"}]}
    obj = {"apiVersion": "batch/v1", "kind": "CronJob",
           "metadata": {"name": "nightly-report",
                        "namespace": "legacy-billing", "labels": {
                            "kustomize.toolkit.fluxcd.io/name": "legacy",
                            "kustomize.toolkit.fluxcd.io/namespace":
                            "flux-system"}},
           "spec": {"schedule": "0 3 * * *", "jobTemplate": {
               "spec": {"template": {"spec": spec}}}}}
    rc, out, err = gitgate("check", "--policies", POL, "--now", "2027-01-20",
                           "--live", "-", stdin=json.dumps([obj]))
    S.check("check --live: a 9th, unitemized finding is denied, naming the "
            "policy", rc == 1 and ": DENIED: [immutable-images] 1 more "
            "finding(s) not itemized, which no exception can lift" in out,
            out + err)


SUITE = """apiVersion: gitgate.io/v1alpha1
kind: PolicyTest
metadata:
  name: exceptions
spec:
  cases:
    - name: excepted until it expires
      manifest: cronjob.yaml
      now: "2027-01-31T23:59:59Z"
      expect:
        decision: warn
        policies: [legacy-report-latest, release-tags]
        message: excepted (OPS-1234, expires 2027-01-31)
    - name: denied once it has expired
      manifest: cronjob.yaml
      now: "2027-02-01T00:00:00Z"
      expect:
        decision: deny
        policies: [immutable-images, release-tags]
    - name: the run's --now when the case gives none
      manifest: cronjob.yaml
      expect: {decision: deny}
"""


def test_test():
    with open(os.path.join(TMP, "labelled.yaml"), "w") as f:
        f.write(CRONJOB.replace(
            "  namespace: legacy-billing\n",
            "  namespace: legacy-billing\n  labels:\n"
            "    kustomize.toolkit.fluxcd.io/name: legacy\n"
            "    kustomize.toolkit.fluxcd.io/namespace: flux-system\n"))
    suite = os.path.join(TMP, "suite.yaml")
    with open(suite, "w") as f:
        f.write(SUITE.replace("cronjob.yaml", "labelled.yaml"))
    rc, out, err = gitgate("test", "--policies", POL, "--now",
                           "2027-03-01T00:00:00Z", suite)
    S.check("test: now per case, --now for the rest", rc == 0 and
            "3 cases: 3 passed, 0 failed" in out, out + err)
    lines = out.splitlines()
    S.check("test: a case an exception let through says which, the others "
            "do not", len(lines) == 4 and lines[0].startswith("PASS ") and
            lines[0].endswith(": excepted until it expires (excepted by "
                              "legacy-report-latest)") and
            "excepted by" not in "".join(lines[1:]), out)
    rc, out, err = gitgate("test", "--policies", POL, "--now",
                           "2027-01-10T00:00:00Z", suite)
    S.check("test --now before expiry: the case without now: fails",
            rc == 1 and "FAIL" in out and "the run's --now" in out,
            out + err)
    with open(suite, "w") as f:
        f.write(SUITE.replace("cronjob.yaml", "labelled.yaml").replace(
            '"2027-02-01T00:00:00Z"', "tomorrow"))
    rc, out, err = gitgate("test", "--policies", POL, suite)
    S.check("test: a bad now: is a suite error", rc == 2 and
            "now:" in err, out + err)


def test_review():
    path = "test/data/reviews/exception-cronjob-lifted.json"
    rc, out, err = gitgate("review", "--policies", POL, "--now",
                           "2027-01-20T00:00:00Z", path)
    S.check("review --now before expiry: allowed", rc == 0 and
            json.loads(out)["response"]["allowed"] is True, out + err)
    rc, out, err = gitgate("review", "--policies", POL, "--now",
                           "2027-01-31T23:00:00-01:00", path)
    S.check("review --now with an offset, past expiry: denied", rc == 0 and
            json.loads(out)["response"]["allowed"] is False, out + err)


test_lint()
test_check()
test_check_policyreport()
test_check_unitemized()
test_test()
test_review()
shutil.rmtree(TMP, ignore_errors=True)
S.done()
