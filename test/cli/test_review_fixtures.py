#!/usr/bin/env python3
"""test_review_fixtures.py - AdmissionReview fixtures with expected responses.

For every test/data/reviews/NAME.json (an AdmissionReview as kube-apiserver
v1.32 sends it) runs `gitgate review --policies policies [NAME.args] NAME.json`
and compares the parsed response with NAME.expect.json exactly. NAME.preset
names a commented preset of the shipped policies ("# preset NAME: why" and
the "# "-prefixed YAML lines under it): the fixture then runs on a copy of
policies/ with that preset uncommented, exactly as a user would enable it,
and must be denied by the shipped policies as they are; "NAME restricts"
names a preset that adds a policy: the shipped policies must allow the
fixture without a warning. Each response
is also checked against the invariants of DESIGN.md "Admission behaviour":
uid echoed, same apiVersion, kind AdmissionReview, never a patch, a denial is
403 Forbidden with a message, warnings are at most 120 printable characters,
auditAnnotations keys are valid qualified-name parts.

Every file in test/data/reviews-bad/ must make `gitgate review` exit 2 with
"HTTP 400" on stderr.

Run from the repository root: python3 test/cli/test_review_fixtures.py
"""
import difflib
import json
import os
import re
import shlex
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "pylib"))
from harness import ROOT, Suite, gitgate  # noqa: E402
import presets  # noqa: E402

REVIEWS = os.path.join(ROOT, "test", "data", "reviews")
BAD = os.path.join(ROOT, "test", "data", "reviews-bad")
POLICIES = "policies"
NAME_PART = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")

s = Suite("reviews")


def rel(path):
    return os.path.relpath(path, ROOT)


def pretty(doc):
    return json.dumps(doc, indent=2, sort_keys=True).splitlines()


def diff(expected, got):
    lines = difflib.unified_diff(pretty(expected), pretty(got),
                                 "expected", "got", lineterm="", n=2)
    return "\n    " + "\n    ".join(lines)


def printable(text):
    return all(ch.isprintable() for ch in text)


def invariants(name, req, doc):
    """Checks every response must pass whatever the policies say."""
    what = f"{name}:"
    if not s.check(f"{what} response is an object", isinstance(doc, dict)):
        return
    s.check(f"{what} kind AdmissionReview", doc.get("kind") == "AdmissionReview",
            repr(doc.get("kind")))
    s.check(f"{what} apiVersion echoed",
            doc.get("apiVersion") == req.get("apiVersion"),
            f"request {req.get('apiVersion')!r}, response {doc.get('apiVersion')!r}")
    resp = doc.get("response")
    if not s.check(f"{what} response present", isinstance(resp, dict)):
        return
    s.check(f"{what} uid echoed", resp.get("uid") == req["request"]["uid"],
            f"request {req['request']['uid']!r}, response {resp.get('uid')!r}")
    s.check(f"{what} allowed is a bool", isinstance(resp.get("allowed"), bool))
    s.check(f"{what} no patch", "patch" not in resp and "patchType" not in resp,
            json.dumps(resp)[:200])
    if resp.get("allowed") is False:
        st = resp.get("status") or {}
        s.check(f"{what} denial is 403", st.get("code") == 403, repr(st.get("code")))
        s.check(f"{what} denial reason Forbidden", st.get("reason") == "Forbidden",
                repr(st.get("reason")))
        msg = st.get("message", "")
        s.check(f"{what} denial message present and one line",
                isinstance(msg, str) and msg and printable(msg), repr(msg))
    warnings = resp.get("warnings", [])
    s.check(f"{what} warnings is a list", isinstance(warnings, list))
    for w in warnings if isinstance(warnings, list) else []:
        s.check(f"{what} warning <= 120 chars, printable",
                isinstance(w, str) and 0 < len(w) <= 120 and printable(w),
                f"{len(w) if isinstance(w, str) else '?'} chars: {w!r}")
    ann = resp.get("auditAnnotations", {})
    s.check(f"{what} auditAnnotations is an object", isinstance(ann, dict))
    for key, value in (ann.items() if isinstance(ann, dict) else []):
        s.check(f"{what} auditAnnotations key {key!r} is a name part",
                len(key) <= 63 and NAME_PART.match(key) is not None)
        s.check(f"{what} auditAnnotations value for {key!r} is a string",
                isinstance(value, str))


def review(name, path, args):
    rc, out, err = gitgate("review", "--policies", POLICIES, *args, rel(path))
    if not s.check(f"{name}: exit 0", rc == 0, f"exit {rc}, stderr: {err.strip()[:400]}"):
        return None
    try:
        return json.loads(out)
    except ValueError as e:
        s.check(f"{name}: stdout is JSON", False, f"{e}: {out[:300]!r}")
        return None


def preset_args(name, path, preset_path, tmp):
    """--policies DIR with the preset on; checks the shipped set denies
    ("NAME"), or for a preset that adds a policy ("NAME restricts") that
    the shipped set allows it without a word."""
    with open(preset_path) as f:
        words = f.read().split()
    preset = words[0]
    restricts = words[1:] == ["restricts"]
    s.check(f"{name}: .preset is NAME or NAME restricts",
            len(words) == 1 or restricts, repr(words))
    dst = os.path.join(tmp, name)
    os.mkdir(dst)
    found = presets.enable(os.path.join(ROOT, POLICIES), dst, [preset])
    s.check(f"{name}: preset {preset!r} is in policies/", found[preset] > 0)
    got = review(name + " (shipped policies)", path, [])
    if got is not None and restricts:
        s.check(f"{name}: allowed without a warning without preset {preset!r}",
                got["response"].get("allowed") is True and
                not got["response"].get("warnings"), json.dumps(got)[:300])
    elif got is not None:
        s.check(f"{name}: denied without preset {preset!r}",
                got["response"].get("allowed") is False, json.dumps(got)[:300])
    return ["--policies", dst]


def run_fixture(name, tmp):
    path = os.path.join(REVIEWS, name + ".json")
    expect_path = os.path.join(REVIEWS, name + ".expect.json")
    args_path = os.path.join(REVIEWS, name + ".args")
    with open(path) as f:
        req = json.load(f)
    if not s.check(f"{name}: has {rel(expect_path)}", os.path.exists(expect_path)):
        return None
    with open(expect_path) as f:
        expected = json.load(f)
    args = []
    if os.path.exists(args_path):
        with open(args_path) as f:
            args = shlex.split(f.read())
    preset_path = os.path.join(REVIEWS, name + ".preset")
    if os.path.exists(preset_path):
        args += preset_args(name, path, preset_path, tmp)
    got = review(name, path, args)
    if got is None:
        return None
    s.check(f"{name}: response equals {rel(expect_path)}", got == expected,
            diff(expected, got))
    invariants(name, req, got)
    return got


def dry_run_pair(name, dry, real):
    ann = dry.get("auditAnnotations", {})
    real_ann = real.get("auditAnnotations", {})
    actor = {k for k, v in real_ann.items()
             if v.startswith("enforce: ") and "may not" in v}
    others = {k: v for k, v in real_ann.items() if k not in actor}
    s.check(f"{name}: other policies answer as without dry run",
            {k: v for k, v in ann.items() if k not in actor} == others,
            diff(others, ann))
    s.check(f"{name}: denied exactly when another policy denies",
            dry.get("allowed") == (not any(v.startswith("enforce: ")
                                           for v in others.values())))
    for k in actor:
        s.check(f"{name}: [{k}] warns about the real write",
                any(w.startswith(f"[{k}] dry run") for w in dry.get("warnings", [])),
                repr(dry.get("warnings")))


def main():
    names = sorted(f[:-5] for f in os.listdir(REVIEWS)
                   if f.endswith(".json") and not f.endswith(".expect.json"))
    s.check("at least 35 review fixtures", len(names) >= 35, str(len(names)))
    responses = {}
    tmp = tempfile.mkdtemp(prefix="gitgate-presets-")
    try:
        for name in names:
            responses[name] = run_fixture(name, tmp)
    finally:
        shutil.rmtree(tmp)

    # A dry run (fixture NAME-dryrun: same object, dryRun true) gets the
    # answer of NAME, uid aside, except that what only the actor rule
    # denied (ActorPolicy dryRun: warn) is allowed, each of its findings
    # a warning; the image and source rules answer exactly as for NAME.
    for name in names:
        if name.endswith("-dryrun") and name[:-len("-dryrun")] in responses:
            a, b = responses[name], responses[name[:-len("-dryrun")]]
            if a is None or b is None:
                continue
            dry_run_pair(name, a["response"], b["response"])

    # Malformed input: 400 with a short reason, exit 2.
    bad = sorted(os.listdir(BAD))
    s.check("at least 4 malformed inputs", len(bad) >= 4, str(len(bad)))
    for fname in bad:
        rc, out, err = gitgate("review", "--policies", POLICIES,
                               rel(os.path.join(BAD, fname)))
        s.check(f"reviews-bad/{fname}: exit 2", rc == 2, f"exit {rc}, stdout {out[:200]!r}")
        s.check(f"reviews-bad/{fname}: HTTP 400 on stderr", "HTTP 400" in err,
                repr(err[-300:]))
        s.check(f"reviews-bad/{fname}: no response on stdout",
                '"allowed"' not in out, out[:200])
    s.done()


if __name__ == "__main__":
    main()
