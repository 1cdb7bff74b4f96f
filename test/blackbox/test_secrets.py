"""test_secrets.py - a Secret's contents never leave gitgate. With the
managed-objects preset on, Secrets carrying a distinctive value (in data,
base64 and decoded, and in stringData) go through `gitgate serve` (enforce
and --audit, debug logging): denied, dry run, break-glass, allowed,
DELETE, unmanaged, and malformed bodies (bad JSON, a duplicate key, bytes
that are not UTF-8, a control character, \\u0000, nesting too deep, a
body cut short, too large). Every response, the whole log, /metrics,
`gitgate review` and `gitgate check` in every output format are searched
for the value: it must appear nowhere, while the denials themselves must
be there (the test would pass vacuously otherwise)."""
import base64
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "pylib"))
from harness import ROOT, Suite, gitgate  # noqa: E402
import presets  # noqa: E402
from serving import Server, make_certs  # noqa: E402

S = Suite("secrets")
PLAIN = "gg-s3cr3t-7f4e9a1c-never-log-me"
B64 = base64.b64encode(PLAIN.encode()).decode()
NEEDLES = (PLAIN, B64, PLAIN[3:20], B64[4:24])
FLUX = {"kustomize.toolkit.fluxcd.io/name": "apps",
        "kustomize.toolkit.fluxcd.io/namespace": "flux-system"}
ALICE = {"username": "alice", "groups": ["dev", "system:authenticated"]}
FLUXSA = {"username": "system:serviceaccount:flux-system:"
          "kustomize-controller",
          "groups": ["system:serviceaccounts",
                     "system:serviceaccounts:flux-system",
                     "system:authenticated"]}
ONCALL = {"username": "oncall", "groups": ["gitgate:break-glass"]}


def secret(labels, value_key="password"):
    return {"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "namespace": "podinfo",
                         "labels": dict(labels),
                         "annotations": {"note": "rotated"}},
            "type": "Opaque", "data": {value_key: B64},
            "stringData": {"token": PLAIN}}


def review(op, user, obj, old, dry=False, uid="u-1"):
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": uid,
                        "kind": {"group": "", "version": "v1",
                                 "kind": "Secret"},
                        "resource": {"group": "", "version": "v1",
                                     "resource": "secrets"},
                        "name": "db", "namespace": "podinfo",
                        "operation": op, "userInfo": user, "object": obj,
                        "oldObject": old, "dryRun": dry}}


def cases():
    managed, bare = secret(FLUX), secret({"app": "db"})
    edited = json.loads(json.dumps(managed))
    edited["data"]["password2"] = B64
    return [
        ("person edits", review("UPDATE", ALICE, edited, managed), False),
        ("person dry run", review("UPDATE", ALICE, edited, managed, True),
         True),
        ("break-glass", review("UPDATE", ONCALL, edited, managed), True),
        ("reconciler", review("UPDATE", FLUXSA, edited, managed), True),
        ("person deletes", review("DELETE", ALICE, None, managed), False),
        ("person creates", review("CREATE", ALICE, managed, None), False),
        ("unmanaged", review("UPDATE", ALICE, bare, bare), True),
    ]


def malformed():
    good = json.dumps(cases()[0][1])
    out = [("bad JSON", good.replace('"data": {', '"data": {,')),
           ("duplicate key", good.replace('"data": {"password": "%s"' % B64,
                                          '"data": {"password": "%s", '
                                          '"password": "%s"' % (B64, B64))),
           ("control character", good.replace(PLAIN, PLAIN + "\x01")),
           ("NUL escape", good.replace(PLAIN, PLAIN + "\\u0000")),
           ("cut short", good[:good.index(PLAIN) + len(PLAIN)]),
           ("deep nesting", good.replace('"data": {"password": "%s"' % B64,
                                         '"data": {"password": "%s", "x": '
                                         % B64 + "[" * 200 + '"%s"' % PLAIN
                                         + "]" * 200))]
    raw = [(name, text.encode()) for name, text in out]
    raw.append(("not UTF-8", good.replace(PLAIN, PLAIN + "\udcff").encode(
        "utf-8", "surrogateescape")))
    raw.append(("too large", good.replace(PLAIN, PLAIN * 4).encode() +
                b" " * (7 * 1024 * 1024)))
    return raw


def leaks(text):
    return [n for n in NEEDLES if n in text]


def serve_story(tmp, certs, policies, audit):
    mode = "audit" if audit else "enforce"
    extra = ["--log-level", "debug"] + (["--audit"] if audit else [])
    srv = Server(tmp, certs, *extra, policies=policies)
    seen = []
    try:
        for what, doc, allowed in cases():
            st, resp = srv.validate(doc)
            text = json.dumps(resp)
            seen.append(text)
            S.check("%s %s: answered" % (mode, what), st == 200, text[:200])
            S.check("%s %s: allowed=%s" % (mode, what, allowed or audit),
                    isinstance(resp, dict) and resp["response"]["allowed"]
                    == (allowed or audit), text[:300])
            S.check("%s %s: no secret in the answer" % (mode, what),
                    not leaks(text), text[:300])
        for what, body in malformed():
            try:
                st, data = srv.post(body)
            except OSError:     # 413 answered and closed mid-upload
                st, data = 413, b""
            text = data.decode("utf-8", "replace")
            seen.append(text)
            S.check("%s %s: refused" % (mode, what), st in (400, 413),
                    "%d %s" % (st, text[:200]))
            S.check("%s %s: no secret in the answer" % (mode, what),
                    not leaks(text), text[:300])
        st, metrics = srv.get("/metrics")
        mtext = metrics.decode()
        S.check("%s: metrics count Secret requests" % mode,
                'kind="Secret"' in mtext, mtext[:300])
        S.check("%s: no secret in /metrics" % mode, not leaks(mtext))
    finally:
        srv.stop()
    log = srv.logtext()
    S.check("%s: the log has the decisions" % mode,
            ('"decision":"audit"' if audit else
             "may not UPDATE Secret podinfo/db") in log and
            '"kind":"Secret"' in log, log[-500:])
    S.check("%s: no secret in the log" % mode, not leaks(log),
            [ln for ln in log.splitlines() if leaks(ln)][:2])
    joined = "\n".join(seen)
    S.check("%s: the denials are there" % mode,
            "[managed-objects]" in joined, joined[:300])


def offline(tmp, policies):
    path = os.path.join(tmp, "denied.json")
    with open(path, "w") as f:
        json.dump(cases()[0][1], f)
    rc, out, err = gitgate("review", "--policies", policies, path)
    S.check("review: denied", '"allowed":false' in out.replace(" ", ""),
            out[:300])
    S.check("review: no secret on stdout or stderr", not leaks(out + err))
    manifest = os.path.join(tmp, "secret.yaml")
    with open(manifest, "w") as f:
        json.dump(secret(FLUX), f)
    for fmt in ("text", "json", "junit", "github", "policyreport"):
        rc, out, err = gitgate("check", "--policies", policies, "--user",
                               "alice", "-o", fmt, manifest)
        S.check("check -o %s: the Secret is denied" % fmt, rc == 1,
                "%d %s %s" % (rc, out[:200], err[:200]))
        S.check("check -o %s: no secret in its output" % fmt,
                not leaks(out + err), (out + err)[:300])


def main():
    tmp = tempfile.mkdtemp(prefix="gitgate-secrets-")
    try:
        certs = os.path.join(tmp, "certs")
        rc, err = make_certs(certs)
        S.check("certs", rc == 0, err)
        policies = os.path.join(tmp, "policies")
        os.makedirs(policies)
        found = presets.enable(os.path.join(ROOT, "policies"), policies,
                               ["managed-objects"])
        S.check("preset managed-objects found", found["managed-objects"])
        serve_story(tmp, certs, policies, audit=False)
        serve_story(tmp, certs, policies, audit=True)
        offline(tmp, policies)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    S.done()


if __name__ == "__main__":
    main()
