"""test_check.py - `gitgate check` on config repos and `gitgate test`:
recursive walks and their skip notes, a broken document that hides no
other, the summary line and exit codes, --kustomization/--helmrelease,
--user NS:NAME, every output format (json fields, JUnit XML, GitHub
annotations, PolicyReports checked against the wgpolicyk8s.io/v1alpha2
CRD schema), --live, and policy test suites (the shipped one, and one
with a wrong expectation); Flux sources under the flux-sources preset."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "pylib"))
from harness import Suite, gitgate  # noqa: E402
import presets  # noqa: E402

S = Suite("check")
TMP = tempfile.mkdtemp(prefix="gitgate-check-")
P = ("--policies", "policies")
FLUX = {"kustomize.toolkit.fluxcd.io/name": "apps",
        "kustomize.toolkit.fluxcd.io/namespace": "flux-system"}


def write(rel, text):
    path = os.path.join(TMP, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


def deploy(name, image, ns="apps", labels=True):
    lab = "".join(f"\n    {k}: {v}" for k, v in FLUX.items()) if labels \
        else " {}"
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
            f"  name: {name}\n  namespace: {ns}\n  labels:{lab}\n"
            f"spec:\n  selector: {{matchLabels: {{app: x}}}}\n"
            f"  template:\n    metadata: {{labels: {{app: x}}}}\n"
            f"    spec:\n      containers: [{{name: c, image: \"{image}\"}}]\n")


def test_walk():
    repo = os.path.join(TMP, "repo")
    write("repo/apps/deploy.yaml", deploy("ok", "ghcr.io/a/b:1.0.0"))
    write("repo/apps/deep/er/bad.yaml", deploy("bad", "nginx:latest"))
    write("repo/apps/kustomization.yaml",
          "resources: [deploy.yaml]\npatches:\n  - path: patch.yaml\n"
          "configMapGenerator:\n  - name: c\n    files: [conf.yaml]\n")
    write("repo/apps/patch.yaml", "apiVersion: apps/v1\nkind: Deployment\n"
          "metadata: {name: ok}\nspec:\n  template:\n    spec:\n"
          "      containers: [{name: c}]\n")
    write("repo/apps/conf.yaml", "key: value\n")
    write("repo/chart/Chart.yaml", "apiVersion: v2\nname: c\n")
    write("repo/chart/templates/d.yaml", deploy("t", "{{ .Values.image }}"))
    write("repo/values.yaml", "replicaCount: 2\nimage: {tag: latest}\n")
    write("repo/tmpl.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n"
          "  name: {{ .Release.Name }}\n")
    rc, out, err = gitgate("check", *P, repo)
    S.check("walk: recurses into subfolders (deep bad object denied)",
            rc == 1 and "deep/er/bad.yaml:1: Deployment apps/bad: DENIED"
            in out, out + err)
    S.check("walk: a kustomization file is skipped with a note",
            "kustomization.yaml: skipped: a kustomization" in out, out)
    S.check("walk: a patch a kustomization uses is not an object",
            "patch.yaml: skipped: a patch of" in out and
            "Deployment default/ok" not in out, out)
    S.check("walk: a generator input is skipped",
            "conf.yaml: skipped: a generator input" in out, out)
    S.check("walk: a Helm chart folder is skipped, says render it first",
            "chart: skipped: a Helm chart: render it first: helm template"
            in out and "templates/d.yaml" not in out, out)
    S.check("walk: Helm values (no apiVersion/kind) are not an object",
            "values.yaml:1: skipped: not a Kubernetes object" in out, out)
    S.check("walk: a loose Helm template says render it first",
            "tmpl.yaml: skipped: a Helm template: render it first" in out,
            out)
    S.check("summary line counts objects, denials, skips",
            (out.strip().splitlines() or [""])[-1] ==
            "2 objects checked: 1 denied, 0 warned, 6 skipped", out)
    many = os.path.join(TMP, "many")
    os.makedirs(many)
    for i in range(4100):
        with open(os.path.join(many, f"f{i:05d}.yaml"), "w") as f:
            f.write("# nothing\n")
    with open(os.path.join(many, "zz-last.yaml"), "w") as f:
        f.write(deploy("last", "nginx:latest"))
    rc, out, _ = gitgate("check", *P, many)
    S.check("walk: a folder over 4094 entries is read to its last file",
            rc == 1 and "zz-last.yaml:1: Deployment apps/last: DENIED" in out,
            out[-500:])


def test_documents():
    f = write("docs/mixed.yaml", deploy("a", "ghcr.io/a/b:1.0.0") +
              "---\napiVersion: v1\nkind: Pod\nmetadata: {name: x\n"
              "---\n" + deploy("c", "nginx:latest") +
              "---\nkind: Pod\nmetadata: {name: nokind}\n"
              "---\n# only a comment\n")
    rc, out, err = gitgate("check", *P, f)
    S.check("a broken document is reported with file:line",
            rc == 2 and f"{f}:" in err and "YAML syntax error" in err, err)
    S.check("the documents after a broken one are still checked",
            "Deployment apps/c: DENIED" in out and
            "Deployment apps/a: allowed" in out, out)
    S.check("an envelope error names its document", "metadata" in err or
            "apiVersion" in err, err)
    S.check("summary reports the errors",
            "objects checked" in out and "errors" in out, out)
    empty = write("empty/only-comments.yaml", "# nothing here\n")
    rc, out, _ = gitgate("check", *P, os.path.dirname(empty))
    S.check("nothing checked: exit 2 and says so",
            rc == 2 and "0 objects checked" in out and "nothing checked"
            in out, out)
    rc, out, _ = gitgate("check", *P, "-", stdin="")
    S.check("empty stdin (a kustomize dir that renders nothing): exit 2",
            rc == 2, out)
    ns = write("cluster/ns.yaml", "apiVersion: v1\nkind: Namespace\n"
               "metadata: {name: team-a}\n")
    rc, out, _ = gitgate("check", *P, ns)
    S.check("a cluster-scoped object prints without a namespace",
            "Namespace team-a: no policy applies" in out and
            "default/team-a" not in out, out)


def test_identity():
    f = write("id/unlabelled.yaml", deploy("web", "ghcr.io/a/b:1.0.0",
                                           labels=False))
    rc, out, _ = gitgate("check", *P, f)
    S.check("a missing marker says how to check as Flux applies",
            rc == 1 and "--kustomization NS/NAME" in out, out)
    rc, out, _ = gitgate("check", *P, "--kustomization", "flux-system/apps",
                         f)
    S.check("--kustomization stamps Flux's labels: allowed", rc == 0, out)
    rc, out, _ = gitgate("check", *P, "--helmrelease", "apps/web", f)
    S.check("--helmrelease stamps helm-controller's labels: allowed",
            rc == 0, out)
    rc, _, err = gitgate("check", *P, "--kustomization", "apps", f)
    S.check("--kustomization without NS/NAME: exit 2 with the form",
            rc == 2 and "NS/NAME" in err, err)
    rc, out, _ = gitgate("check", *P, "--kustomization", "flux-system/apps",
                         "--user", "apps:deployer", f)
    S.check("--user NS:NAME is a service account",
            rc == 1 and "system:serviceaccount:apps:deployer" in out, out)
    rc, out, _ = gitgate("check", *P, "--kustomization", "flux-system/apps",
                         "--user", "flux-system:kustomize-controller", f)
    S.check("--user flux-system:kustomize-controller is the reconciler",
            rc == 0, out)
    rc, _, err = gitgate("check", *P, "--user", "a:b:c", f)
    S.check("--user with a bad colon form: refused with the fix",
            rc == 2 and "system:serviceaccount:NS:NAME" in err, err)
    rc, out, _ = gitgate("check", "--help")
    S.check("check --help: exit 0, lists the flags",
            rc == 0 and "--kustomization" in out and "policyreport" in out,
            out)
    rc, out, _ = gitgate("test", "--help")
    S.check("test --help: exit 0", rc == 0 and "PolicyTest" in out, out)


def test_formats():
    f = write("fmt/two.yaml", deploy("bad", "nginx:latest") + "---\n" +
              "apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n" +
              "---\n" + deploy("warn", "redis:7.2-alpine"))
    rc, out, _ = gitgate("check", *P, "-o", "json", f)
    try:
        doc = json.loads(out)
    except ValueError:
        doc = {}
    doc = doc if isinstance(doc, dict) else {}
    objs = doc.get("objects", [])
    S.check("-o json: separate fields per object", rc == 1 and
            len(objs) == 3 and objs[0]["kind"] == "Deployment" and
            objs[0]["namespace"] == "apps" and objs[0]["name"] == "bad" and
            objs[0]["line"] == 1 and objs[0]["apiVersion"] == "apps/v1" and
            objs[0]["decision"] == "deny", out)
    S.check("-o json: findings with policy, mode and message",
            {"policy": "immutable-images", "mode": "enforce"}.items() <=
            objs[0]["findings"][0].items() if objs else False, out)
    S.check("-o json: cluster-scoped object has no namespace, no policy",
            len(objs) > 1 and "namespace" not in objs[1] and
            objs[1]["decision"] == "none", out)
    S.check("-o json: audit finding is a warn", len(objs) > 2 and
            objs[2]["decision"] == "warn", out)
    S.check("-o json: summary", doc.get("summary", {}).get("denied") == 1,
            out)
    bad = write("fmt/broken.yaml", "apiVersion: v1\nkind: Pod\n"
                "metadata: {name: x\n")
    rc, out, _ = gitgate("check", *P, "-o", "json", bad)
    try:
        errs = json.loads(out)["errors"]
    except (ValueError, KeyError, TypeError):
        errs = []
    S.check("-o json: errors are in the output with file and line",
            rc == 2 and errs and errs[0]["file"] == bad and
            errs[0]["line"] > 0, out)
    rc, out, _ = gitgate("check", *P, "-o", "junit", f)
    try:
        root = ET.fromstring(out)
        ts = root.find("testsuite")
        ok = ts.get("failures") == "1" and len(ts.findall("testcase")) == 3
    except ET.ParseError:
        ok = False
    S.check("-o junit: XML with one failure per denied object", rc == 1 and
            ok, out)
    rc, out, _ = gitgate("check", *P, "-o", "github", f)
    S.check("-o github: error annotation on file and line", rc == 1 and
            f"::error file={f},line=1,title=gitgate immutable-images::"
            in out and "::warning file=" in out, out)


# wgpolicyk8s.io/v1alpha2, from the CRD in kubernetes-sigs/wg-policy-
# prototypes (policy-report/crd/v1alpha2/wgpolicyk8s.io_clusterpolicyreports
# .yaml; the namespaced PolicyReport has the same fields). Unknown fields
# would be pruned by the API server: here they are errors.
OBJREF = {"apiVersion": str, "fieldPath": str, "kind": str, "name": str,
          "namespace": str, "resourceVersion": str, "uid": str}
RESULT = {"category": str, "message": str, "policy": str,
          "properties": dict, "resourceSelector": dict, "resources": list,
          "result": str, "rule": str, "scored": bool, "severity": str,
          "source": str, "timestamp": dict}
REPORT = {"apiVersion": str, "kind": str, "metadata": dict, "results": list,
          "scope": dict, "scopeSelector": dict, "summary": dict}


def fields(obj, schema, where, errs):
    for k, v in obj.items():
        if k not in schema:
            errs.append(f"{where}.{k}: unknown field")
        elif not isinstance(v, schema[k]) or (schema[k] is int and
                                              isinstance(v, bool)):
            errs.append(f"{where}.{k}: not {schema[k].__name__}")


def schema_errors(rep):
    errs = []
    fields(rep, REPORT, "report", errs)
    if rep.get("apiVersion") != "wgpolicyk8s.io/v1alpha2":
        errs.append("apiVersion")
    if rep.get("kind") not in ("PolicyReport", "ClusterPolicyReport"):
        errs.append("kind")
    ns = rep.get("metadata", {}).get("namespace")
    if (rep.get("kind") == "PolicyReport") != bool(ns):
        errs.append("metadata.namespace must go with PolicyReport only")
    for k, v in rep.get("summary", {}).items():
        if k not in ("pass", "fail", "warn", "error", "skip") or \
                not isinstance(v, int):
            errs.append(f"summary.{k}")
    for i, r in enumerate(rep.get("results", [])):
        w = f"results[{i}]"
        fields(r, RESULT, w, errs)
        if not isinstance(r.get("policy"), str):
            errs.append(f"{w}.policy is required")
        if r.get("result") not in ("pass", "fail", "warn", "error", "skip"):
            errs.append(f"{w}.result enum")
        if "severity" in r and r["severity"] not in ("high", "low",
                                                     "medium"):
            errs.append(f"{w}.severity enum")
        ts = r.get("timestamp", {})
        if set(ts) != {"seconds", "nanos"} or not all(
                isinstance(x, int) for x in ts.values()):
            errs.append(f"{w}.timestamp needs integer seconds and nanos")
        for j, o in enumerate(r.get("resources", [])):
            fields(o, OBJREF, f"{w}.resources[{j}]", errs)
    return errs


def test_live():
    items = []
    for name, ns, image, labels in [
            ("web", "shop", "nginx:latest", FLUX),
            ("api", "shop", "ghcr.io/a/api:1.2.3", FLUX),
            ("cache", "data", "redis:7.2-alpine", FLUX),
            ("manual", "data", "ghcr.io/a/m:1.0.0", {})]:
        items.append({"apiVersion": "apps/v1", "kind": "Deployment",
                      "metadata": {"name": name, "namespace": ns,
                                   "labels": labels},
                      "spec": {"template": {"spec": {"containers": [
                          {"name": "c", "image": image}]}}}})
    items.append({"apiVersion": "v1", "kind": "Namespace",
                  "metadata": {"name": "shop"}})
    dump = json.dumps({"apiVersion": "v1", "kind": "List", "items": items})
    rc, out, err = gitgate("check", *P, "--live", "--user", "alice",
                           "-o", "policyreport", "-", stdin=dump)
    try:
        reps = json.loads(out)["items"]
    except (ValueError, KeyError, TypeError):
        reps = []
    by_ns = {r["metadata"].get("namespace", ""): r for r in reps}
    S.check("--live -o policyreport: one PolicyReport per namespace",
            rc == 1 and set(by_ns) == {"shop", "data"} and all(
                r["kind"] == "PolicyReport" for r in reps), out + err)
    errs = [e for r in reps for e in schema_errors(r)]
    S.check("policyreport validates against the v1alpha2 CRD schema",
            reps and not errs, "\n".join(errs))
    shop = by_ns.get("shop", {}).get("summary", {})
    data = by_ns.get("data", {}).get("summary", {})
    S.check("--live: the actor rule does not judge running objects",
            "reconciler-only" not in out and shop.get("fail") == 1, out)
    S.check("policyreport summary: fail, warn, pass counted",
            data.get("warn") == 1 and data.get("fail") == 1 and
            shop.get("pass", 0) > 0, json.dumps(by_ns))
    res = [r for r in by_ns.get("shop", {}).get("results", [])
           if r["result"] == "fail"]
    S.check("policyreport result names policy and resource",
            res and res[0]["policy"] == "immutable-images" and
            res[0]["resources"][0] == {"apiVersion": "apps/v1",
                                       "kind": "Deployment",
                                       "namespace": "shop", "name": "web"},
            json.dumps(res))
    crd = [{"apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole", "metadata": {"name": "r"}},
           {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "shop", "labels": FLUX},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]}}]
    rc, out, _ = gitgate("check", *P, "--live", "-o", "policyreport", "-",
                         stdin=json.dumps(crd))
    S.check("policyreport: cluster-scoped objects without policies add no "
            "ClusterPolicyReport; a Pod's report fails", rc == 1 and
            '"ClusterPolicyReport"' not in out and '"fail":\t1' in out, out)


def test_suites():
    rc, out, err = gitgate("test", *P, "policies/tests")
    last = out.strip().splitlines()[-1] if out.strip() else ""
    S.check("gitgate test: the shipped suite passes", rc == 0 and
            last.endswith("passed, 0 failed") and "FAIL" not in out,
            out + err)
    rc, out, _ = gitgate("test", *P, "test/data/suites/wrong-expectation.yaml")
    S.check("gitgate test: a wrong expectation fails, naming case and why",
            rc == 1 and "FAIL test/data/suites/wrong-expectation.yaml:9: "
            "latest is denied: expected deny, got allow" in out, out)
    bad = write("suite/typo.yaml", "apiVersion: gitgate.io/v1alpha1\n"
                "kind: PolicyTest\nmetadata: {name: t}\nspec:\n  cases:\n"
                "    - name: typo\n      objekt: {}\n"
                "      expect: {decision: deny}\n")
    rc, _, err = gitgate("test", *P, bad)
    S.check("gitgate test: an unknown key is an error (exit 2)",
            rc == 2 and 'unknown key "objekt"' in err and ":6:" in err, err)
    rc, out, _ = gitgate("test", *P, "-o", "junit", "policies/tests")
    try:
        ts = ET.fromstring(out).find("testsuite")
        ok = ts.get("failures") == "0" and len(ts.findall("testcase")) > 10
    except ET.ParseError:
        ok = False
    S.check("gitgate test -o junit", rc == 0 and ok, out[:300])


def peak_kib(args, stdin_path=None):
    """gitgate's own peak RSS (KiB) by /usr/bin/time, or None."""
    out = os.path.join(TMP, "rss")
    env = dict(os.environ)
    with open(stdin_path or os.devnull) as f:
        p = subprocess.run(["/usr/bin/time", "-o", out, "-f", "%M",
                            os.environ.get("GITGATE", "build/gitgate")] +
                           args, stdin=f, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, env=env, timeout=120)
    with open(out) as f:
        return int(f.read().split()[-1]), p.returncode, p.stdout.decode()


def test_memory():
    g = os.environ.get("GITGATE", "build/gitgate")
    ldd = subprocess.run(["ldd", g], capture_output=True, text=True).stdout
    if not os.path.exists("/usr/bin/time") or "asan" in ldd or \
            os.environ.get("VALGRIND"):
        print("skip: no /usr/bin/time, or a sanitizer build: memory not "
              "checked")
        return
    item = ("- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n"
            "    name: d{i}\n    namespace: ns{n}\n    labels:\n"
            "      kustomize.toolkit.fluxcd.io/name: apps\n"
            "      kustomize.toolkit.fluxcd.io/namespace: flux-system\n"
            "  spec:\n    replicas: 2\n    template:\n      spec:\n"
            "        containers:\n        - name: c\n"
            "          image: ghcr.io/acme/app{i}:1.{i}.0\n")
    path = os.path.join(TMP, "list.yaml")
    with open(path, "w") as f:
        f.write("apiVersion: v1\nkind: List\nitems:\n")
        for i in range(15000):
            f.write(item.format(i=i, n=i % 50))
    size = os.path.getsize(path) // 1024
    kib, rc, out = peak_kib(["check", "--policies", "policies", "-"], path)
    print(f"  YAML List peak {kib} KiB")
    S.check(f"a 15 000-item YAML List ({size} KiB) streams: peak RSS "
            f"{kib} KiB < input + 32 MiB (was ~196 MiB)",
            rc == 0 and kib < size + 32 * 1024 and
            "15000 objects checked" in out, out[-300:])
    jpath = os.path.join(TMP, "list.json")
    with open(jpath, "w") as f:
        f.write('{"apiVersion": "v1", "kind": "List", "items": [')
        for i in range(15000):
            f.write(("," if i else "") + json.dumps({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": f"c{i}", "namespace": "apps"},
                "data": {"k": "v" * 300}}))
        f.write("]}")
    size = os.path.getsize(jpath) // 1024
    kib, rc, out = peak_kib(["check", "--policies", "policies", jpath])
    print(f"  JSON List peak {kib} KiB")
    S.check(f"a 15 000-item JSON List ({size} KiB) streams: peak RSS "
            f"{kib} KiB < input + 16 MiB (was ~32 MiB)", rc == 0 and
            kib < size + 16 * 1024 and "15000 objects checked" in out,
            out[-300:])


def test_flux_sources():
    """A config repo's Flux sources are judged by a FluxSourcePolicy (the
    flux-sources preset), from their apiVersion's group; the shipped set
    as is has no policy for them."""
    pol = os.path.join(TMP, "flux-policies")
    os.makedirs(pol)
    found = presets.enable("policies", pol, ["flux-sources"])
    S.check("flux-sources preset found", found["flux-sources"] == 1)
    src = "apiVersion: source.toolkit.fluxcd.io/v1\n"
    f = write("flux/sources.yaml",
              src + "kind: GitRepository\nmetadata: {name: app, namespace: "
              "team-a}\nspec: {url: 'https://github.com/ORG/app'}\n---\n" +
              src + "kind: GitRepository\nmetadata: {name: fork, namespace: "
              "team-a}\nspec: {url: 'https://gitlab.com/someone/app'}\n---\n" +
              src + "kind: OCIRepository\nmetadata: {name: m, namespace: "
              "team-a}\nspec: {url: 'oci://ghcr.io/ORG/m'}\n---\n"
              "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: "
              "Kustomization\nmetadata: {name: app, namespace: team-a}\n"
              "spec: {sourceRef: {kind: GitRepository, name: x, "
              "namespace: team-b}}\n---\n"
              "apiVersion: example.io/v1\nkind: GitRepository\nmetadata: "
              "{name: other, namespace: team-a}\nspec: {url: 'https://x'}\n")
    rc, out, _ = gitgate("check", "--policies", pol, os.path.dirname(f))
    S.check("check: a listed GitRepository is allowed",
            "GitRepository team-a/app: allowed" in out, out)
    S.check("check: an unlisted host is denied, naming the URL",
            'GitRepository team-a/fork: DENIED: [flux-sources] '
            'GitRepository team-a/fork: spec.url "https://gitlab.com/'
            'someone/app" is not an allowed source' in out, out)
    S.check("check: an OCIRepository without verify is denied",
            "OCIRepository team-a/m: DENIED: [flux-sources]" in out and
            "spec.verify is not set" in out, out)
    S.check("check: a cross-namespace sourceRef is denied",
            'spec.sourceRef.namespace "team-b" is another namespace' in out,
            out)
    S.check("check: a GitRepository of another group is not judged",
            "GitRepository team-a/other: allowed" in out, out)
    S.check("check: exit 1 and the summary",
            rc == 1 and "5 objects checked: 3 denied" in out, out)
    rc, out, _ = gitgate("check", *P, os.path.dirname(f))
    S.check("check: the shipped policies as they are leave sources alone",
            rc == 0 and "0 denied" in out, out)


test_walk()
test_documents()
test_identity()
test_formats()
test_live()
test_suites()
test_flux_sources()
test_memory()
shutil.rmtree(TMP, ignore_errors=True)
S.done()
