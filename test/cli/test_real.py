"""test_real.py - gitgate on data nobody here wrote (../shared, see
DESIGN.md): the documented CI line over every repository of
../shared/corpus (each clean one exits 0 with every object read, the known
bad objects are denied at their file:line), and the 557 scored peer
conformance cases of ../shared/conformance/peer-cases.json (Kyverno's
policy library, the Gatekeeper library, distribution/reference), run as
that folder's README says. Skips, saying so, when ../shared is absent."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "pylib"))
from harness import Suite, gitgate  # noqa: E402

S = Suite("real")
SHARED = os.path.join("..", "shared")
CORPUS = os.path.join(SHARED, "corpus")
PEER = os.path.join(SHARED, "conformance", "peer-cases.json")
GITGATE = os.environ.get("GITGATE", "build/gitgate")
USER = "system:serviceaccount:flux-system:kustomize-controller"

# The intended differences of the conformance README: gitgate's answer.
INTENDED = {
    "best-practices/require-labels/chainsaw/good-podcontrollers.yaml#0/"
    "reqlabels-gooddeployment01": "deny",
    "best-practices/require-labels/chainsaw/good-podcontrollers.yaml#1/"
    "reqlabels-goodcronjob01": "deny",
    "best-practices-vpol/require-labels/chainsaw/good-podcontrollers.yaml#0/"
    "reqlabels-gooddeployment01": "deny",
    "best-practices-vpol/require-labels/chainsaw/good-podcontrollers.yaml#1/"
    "reqlabels-goodcronjob01": "deny",
    "imagedigests/rego/test_input_allowed_containers_with_unregistered_"
    "algorithms": "deny",
    "imagedigests/rego/test_input_init_allowed_containers_with_unregistered"
    "_algorithms": "deny",
    "TestReferenceParse/14": "allow",
    "TestParseNamed/2": "untagged", "TestParseNamed/3": "untagged",
    "TestParseNamed/4": "untagged", "TestParseNamed/5": "untagged",
    "TestParseNamed/7": "untagged",
    "TestParseAnyReference/10": "invalid",
    "TestFullNameRegexp/25": "invalid",
}


def table(text, header):
    """Rows of the markdown table after the line starting with header."""
    rows, on = [], False
    for line in text.splitlines():
        if line.startswith(header):
            on = True
            continue
        if on and line.startswith("|---"):
            continue
        if on and line.startswith("|"):
            rows.append([c.strip().strip("`") for c in line.strip("|")
                         .split("|")])
        elif on:
            break
    return rows


def ci_line(rel, kustomize):
    path = os.path.join(CORPUS, rel.split(" ")[0].strip("`"))
    if kustomize:
        k = subprocess.run(["kubectl", "kustomize", path],
                           capture_output=True, text=True, timeout=120)
        if k.returncode != 0:
            return -1, "", k.stderr
        return gitgate("check", "--policies", "policies", "--kustomization",
                       "flux-system/apps", "-", stdin=k.stdout, timeout=120)
    return gitgate("check", "--policies", "policies", "--kustomization",
                   "flux-system/apps", path, timeout=120)


def summary(out):
    m = re.search(r"^(\d+) objects checked: (\d+) denied", out, re.M)
    return (int(m.group(1)), int(m.group(2))) if m else (-1, -1)


def test_corpus():
    with open(os.path.join(CORPUS, "SOURCES.md")) as f:
        src = f.read()
    for kust, head in ((True, "| dir (under `corpus/`)"),
                       (False, "| folder (under `corpus/`)")):
        for row in table(src, head):
            rel, want_n, want_rc = row[0], int(row[1]), int(row[2][0])
            rc, out, err = ci_line(rel, kust)
            n, _ = summary(out)
            S.check(f"corpus {rel}: CI line exits {want_rc}, reads "
                    f"{want_n} objects", rc == want_rc and n == want_n,
                    f"rc={rc} n={n}\n{out[-800:]}{err[-800:]}")
    rc, out, err = gitgate("check", "--policies", "policies",
                           "--kustomization", "flux-system/apps", CORPUS,
                           timeout=300)
    S.check("corpus, whole: 290 objects, 7 denied, exit 1",
            rc == 1 and summary(out) == (290, 7), out[-500:] + err[-500:])
    for row in table(src, "| file (under `corpus/`)"):
        where = f"{os.path.join(CORPUS, row[0])}:{row[1]}: {row[2]}: DENIED"
        S.check(f"corpus: known bad {row[2]} denied at {row[0]}:{row[1]}",
                where in out, where)
    S.check("corpus: pinned images next to bad ones are not named",
            "dex:v2.45.1" not in out and "redis:8.10.1-alpine" not in out)
    S.check("corpus: no flagger patch read as an object",
            "has no image" not in out and "cannot evaluate" not in out)


def policy_dir(tmp, pol, n):
    import yaml
    d = os.path.join(tmp, f"p{n}")
    os.makedirs(d)
    shutil.copy("policies/00-settings.yaml", d)
    base = (pol or {}).get("base", "immutable-images")
    with open(f"policies/{base}.yaml") as f:
        doc = yaml.safe_load(f)
    doc["spec"].update((pol or {}).get("spec", {}))
    with open(os.path.join(d, f"{base}.yaml"), "w") as f:
        json.dump(doc, f)
    return d, base


def classify(decision, message, base):
    if decision != "deny":
        return "allow"
    if f"[{base}]" not in message or "cannot evaluate" in message:
        return "other"
    for text, cls in (("is not a valid reference", "invalid"),
                      ("has no tag", "untagged"),
                      ('uses the mutable tag "latest"', "latest")):
        if text in message:
            return cls
    return "deny"


def run_review(case, d, tmp):
    obj = case["review"]["object"]
    md = obj.get("metadata", {})
    rv = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
          "request": {
              "uid": "peer", "kind": {"group": "", "version": "v1",
                                      "kind": "Pod"},
              "requestKind": {"group": "", "version": "v1", "kind": "Pod"},
              "resource": {"group": "", "version": "v1",
                           "resource": "pods"},
              "requestResource": {"group": "", "version": "v1",
                                  "resource": "pods"},
              "subResource": case["review"].get("subResource", ""),
              "requestSubResource": case["review"].get("subResource", ""),
              "operation": case["review"]["operation"],
              "name": md.get("name", ""),
              "namespace": md.get("namespace", "default"),
              "userInfo": {"username": USER, "groups": [
                  "system:serviceaccounts",
                  "system:serviceaccounts:flux-system",
                  "system:authenticated"]},
              "object": obj, "oldObject": case["review"]["oldObject"],
              "dryRun": False,
              "options": {"kind": "UpdateOptions",
                          "apiVersion": "meta.k8s.io/v1",
                          "fieldManager": "kubectl-debug"}}}
    f = os.path.join(tmp, "review.json")
    with open(f, "w") as fh:
        json.dump(rv, fh)
    rc, out, _ = gitgate("review", "--policies", d, f)
    resp = json.loads(out)["response"] if rc == 0 else {}
    return ("allow" if resp.get("allowed") else "deny",
            resp.get("status", {}).get("message", ""))


def test_peer():
    try:
        import yaml  # noqa: F401
    except ImportError:
        print("skip: PyYAML is not installed; peer cases not run")
        return
    with open(PEER) as f:
        cases = json.load(f)["cases"]
    tmp = tempfile.mkdtemp(prefix="gitgate-peer-")
    groups = {}
    for c in cases:
        if "not_applicable" in c:
            continue
        groups.setdefault(json.dumps(c.get("policy"), sort_keys=True),
                          []).append(c)
    got = {}
    for n, (key, group) in enumerate(sorted(groups.items())):
        d, base = policy_dir(tmp, json.loads(key), n)
        cdir = os.path.join(d, "cases")
        os.makedirs(cdir)
        files = {}
        for i, c in enumerate(group):
            if "review" in c:
                dec, msg = run_review(c, d, tmp)
                got[c["id"]] = classify(dec, msg, base)
                continue
            obj = c.get("object") or {
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "peer-ref", "namespace": "default"},
                "spec": {"containers": [{"name": "c", "image": c["image"]}]}}
            path = os.path.join(cdir, f"{i:04d}.json")
            with open(path, "w") as fh:
                json.dump(obj, fh)
            files[path] = c
        if not files:
            continue
        rc, out, err = gitgate("check", "--policies", d, "--user", USER,
                               "-o", "json", cdir, timeout=120)
        try:
            objs = json.loads(out)["objects"]
        except (ValueError, KeyError):
            objs = []
        for o in objs:
            c = files.pop(o["file"], None)
            if c is not None:
                got[c["id"]] = classify(o["decision"], o.get("message", ""),
                                        base)
        for path, c in files.items():
            got[c["id"]] = "unread"
    agree, scored = 0, 0
    for c in cases:
        if "not_applicable" in c:
            continue
        want = c.get("expect_class", c["expect"])
        verdict = got.get(c["id"], "unread")
        if "expect_class" not in c and verdict in ("invalid", "untagged",
                                                   "latest"):
            verdict = "deny"
        if c["id"] in INTENDED:
            S.check(f"peer intended difference {c['id']}: gitgate says "
                    f"{INTENDED[c['id']]}", verdict == INTENDED[c["id"]],
                    verdict)
            continue
        scored += 1
        if verdict == want:
            agree += 1
        else:
            S.check(f"peer {c['id']} ({c['source']}): expected {want}",
                    False, verdict)
    print(f"peer: {agree}/{scored} cases agree")
    S.check("peer: 557 cases scored, all agree", scored == 557 and
            agree == scored, f"{agree}/{scored}")
    shutil.rmtree(tmp, ignore_errors=True)


if not os.path.isdir(SHARED):
    print(f"skip: {SHARED} is absent (a user's clone): corpus and peer "
          "cases not run")
else:
    if os.path.isdir(CORPUS) and shutil.which("kubectl"):
        test_corpus()
    else:
        print("skip: ../shared/corpus or kubectl absent")
    if os.path.isfile(PEER):
        test_peer()
    else:
        print("skip: ../shared/conformance/peer-cases.json absent")
S.done()
