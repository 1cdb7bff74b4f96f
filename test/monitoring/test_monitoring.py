#!/usr/bin/env python3
"""test_monitoring.py - the monitoring bundle (manifests/components/monitoring)
checked against promtool and against a running gitgate.

- Alerts: each has a severity, a summary, a description and a runbook_url
  whose README section exists; `promtool check rules` parses them; every test
  group of alerts_test.yaml runs through `promtool test rules` on its own and
  its result is printed; every alert has an evaluation where it fires and one
  where it does not.
- Dashboard: the JSON the ConfigMap carries is the file, every panel has a
  query, and every query parses (`promtool check rules`, as recording rules,
  Grafana's variables replaced).
- Metrics: every metric an alert, a panel or a dashboard variable queries is
  one `gitgate serve` exports (scraped from a running one), or one of the few
  named in EXTERNAL; every label matched on a gitgate metric is one of its
  labels or one Prometheus adds.

Python 3 standard library, kubectl (offline), promtool (Debian's
prometheus package; the promtool checks say so and count as failures
without it). Ends with `monitoring: N passed, N failed`.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "pylib"))
from harness import ROOT, Suite  # noqa: E402
from serving import Server, make_certs  # noqa: E402

S = Suite("monitoring")
KUBECTL = os.environ.get("KUBECTL", "kubectl")
COMPONENT = "manifests/components/monitoring"
TESTS = os.path.join(ROOT, "test", "monitoring", "alerts_test.yaml")
# Metrics not from gitgate, and who exports them.
EXTERNAL = {
    "up": "Prometheus, one per scrape target",
    "apiserver_admission_webhook_fail_open_count":
        "kube-apiserver >= 1.24, {name, type}",
    "apiserver_admission_webhook_rejection_count":
        "kube-apiserver, {name, type, operation, error_type, rejection_code}",
}
# Labels Prometheus (the Operator's ServiceMonitor) adds to every series.
TARGET_LABELS = {"job", "namespace", "pod", "instance", "service",
                 "endpoint", "container", "node"}
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "and", "or", "unless", "offset", "inf", "nan"}
GRAFANA_VARS = {"$__rate_interval": "5m", "$__interval": "1m",
                "$__range": "1h", "$pod": ".*"}


def run(argv, **kw):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=120,
                           cwd=ROOT, **kw)
    except (OSError, subprocess.TimeoutExpired) as e:
        return 127, "", str(e)
    return p.returncode, p.stdout, p.stderr


def json_stream(text):
    dec, out, i = json.JSONDecoder(), [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i == len(text):
            return out
        obj, i = dec.raw_decode(text, i)
        out.append(obj)


def render(tmp):
    """Objects of overlays/enforce with the monitoring component."""
    d = os.path.join(tmp, "with-monitoring")
    os.makedirs(d)
    rel = os.path.relpath(os.path.join(ROOT, "manifests"), d)
    with open(os.path.join(d, "kustomization.yaml"), "w") as f:
        f.write("apiVersion: kustomize.config.k8s.io/v1beta1\n"
                "kind: Kustomization\n"
                "resources: [%s/overlays/enforce]\n"
                "components: [%s/components/monitoring]\n" % (rel, rel))
    env = dict(os.environ, HOME=tmp, KUBECONFIG=os.path.join(tmp, "none"),
               KUBECACHEDIR=os.path.join(tmp, "cache"))
    open(env["KUBECONFIG"], "w").close()
    rc, yml, err = run([KUBECTL, "kustomize", d], env=env)
    if rc != 0:
        return None, err
    rc, js, err = run([KUBECTL, "patch", "--local", "--type=merge", "-p",
                       "{}", "-o", "json", "-f", "-"], input=yml, env=env)
    return (json_stream(js), "") if rc == 0 else (None, err)


def one(objs, kind, name):
    found = [o for o in objs if o.get("kind") == kind and
             o.get("metadata", {}).get("name") == name]
    return found[0] if len(found) == 1 else None


# ------------------------------------------------------------ PromQL names

def strip_promql(expr):
    """The expression without strings, label matchers, ranges and the
    label lists of by/without/on/ignoring/group_*: what is left of the
    identifiers are metric names, functions and keywords."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    e = re.sub(r"\{[^}]*\}", " ", e)
    e = re.sub(r"\[[^\]]*\]", " ", e)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*"
               r"\([^)]*\)", " ", e)
    return e


def metric_names(expr):
    e = strip_promql(expr)
    names = set()
    for m in re.finditer(r"(?<![\w.$])([a-zA-Z_:][\w:]*)(\s*\()?", e):
        word, call = m.group(1), m.group(2)
        if call or word.lower() in KEYWORDS:
            continue
        names.add(word)
    return names


def matchers(expr):
    """[(metric, label)] of each selector's label matchers."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    out = []
    for m in re.finditer(r"([a-zA-Z_:][\w:]*)\s*\{([^}]*)\}", e):
        for lab in re.findall(r"([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)", m.group(2)):
            out.append((m.group(1), lab))
    return out


def scrape(tmp):
    """{metric: set(labels)} of a running gitgate's /metrics, after one
    review so that the labelled series exist."""
    certs = os.path.join(tmp, "certs")
    rc, err = make_certs(certs)
    if rc != 0:
        raise RuntimeError("gitgate certs: " + err)
    srv = Server(tmp, certs)
    try:
        with open(os.path.join(ROOT, "test/data/reviews/kind-job-latest.json"),
                  "rb") as f:
            srv.request("POST", "/validate", f.read(),
                        {"Content-Type": "application/json"})
        text = srv.metrics()
    finally:
        srv.stop()
    found = {}
    for line in text.splitlines():
        m = re.match(r"# TYPE (\S+) (\S+)", line)
        if m:
            name, typ = m.groups()
            sub = ["_bucket", "_sum", "_count"] if typ == "histogram" else [""]
            for s in sub:
                found.setdefault(name + s, set())
            if typ == "histogram":
                found[name + "_bucket"].add("le")
            continue
        m = re.match(r"([a-zA-Z_:][\w:]*)\{([^}]*)\}", line)
        if m and m.group(1) in found:
            found[m.group(1)] |= set(re.findall(r'(\w+)="', m.group(2)))
    return found


def check_names(where, exprs, exported):
    bad = []
    for expr in exprs:
        for name in sorted(metric_names(expr)):
            if name not in exported and name not in EXTERNAL:
                bad.append("%s: %s is not a metric gitgate exports" %
                           (where, name))
        for metric, lab in matchers(expr):
            if metric in exported and lab not in exported[metric] | \
                    TARGET_LABELS:
                bad.append("%s: %s has no label %s" % (where, metric, lab))
    return bad


# ------------------------------------------------------------------ alerts

def anchors():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        heads = re.findall(r"^#+ (.+)$", f.read(), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
            for h in heads}


def check_alert_fields(rules):
    have = anchors()
    bad = []
    for g in rules["groups"]:
        for r in g["rules"]:
            name = r.get("alert")
            if not name:
                continue
            ann = r.get("annotations") or {}
            if (r.get("labels") or {}).get("severity") not in \
                    ("critical", "warning"):
                bad.append("%s: severity %r" % (name, r.get("labels")))
            for key in ("summary", "description", "runbook_url"):
                if not ann.get(key):
                    bad.append("%s: no %s" % (name, key))
            anchor = (ann.get("runbook_url") or "").partition("README.md#")[2]
            if anchor != name.lower() or anchor not in have:
                bad.append("%s: runbook_url %r: no README section %s" %
                           (name, ann.get("runbook_url"), name))
    return bad


def test_groups():
    """(header, [group text]) of alerts_test.yaml, split at each group."""
    with open(TESTS, encoding="utf-8") as f:
        text = f.read()
    head, _, body = text.partition("\ntests:\n")
    parts = re.split(r"(?m)^(?=  - name: )", body)
    return head + "\ntests:\n", [p for p in parts if p.strip()]


def evals(group):
    """[(alertname, eval_time, fires)] of one test group."""
    out = []
    for m in re.finditer(r"eval_time: (\S+)\s+alertname: (\S+)\s+"
                         r"exp_alerts:( \[\])?", group):
        out.append((m.group(2), m.group(1), m.group(3) is None))
    return out


def check_promtool_tests(tmp, bare_rules, alert_names):
    header, groups = test_groups()
    fires, quiet = set(), set()
    for i, g in enumerate(groups):
        title = re.search(r'name: "([^"]+)"', g).group(1)
        ev = evals(g)
        for alert, _, f in ev:
            (fires if f else quiet).add(alert)
        path = os.path.join(tmp, "alerts_test_%02d.yaml" % i)
        with open(path, "w") as f:
            f.write(header.replace("[RULES]", "[%s]" % bare_rules) + g)
        rc, out, err = run(["promtool", "test", "rules", path])
        what = ", ".join("%s at %s" % ("fires" if f else "quiet", t)
                         for _, t, f in ev)
        result = "SUCCESS" if rc == 0 else "FAILED"
        print("promtool test rules: %s: %s (%s)" % (title, result, what))
        S.check("promtool test rules: " + title, rc == 0, (out + err)[-1500:])
    for a in sorted(alert_names):
        S.check("%s: tested firing and not firing" % a,
                a in fires and a in quiet,
                "fires: %s, quiet: %s" % (a in fires, a in quiet))
    S.check("every test group names a defined alert",
            {a for g in groups for a, _, _ in evals(g)} <= alert_names)


# --------------------------------------------------------------- dashboard

def dashboard_exprs(dash):
    out = []

    def walk(panels):
        for p in panels:
            if p.get("type") == "row":
                walk(p.get("panels") or [])
                continue
            targets = p.get("targets") or []
            S.check("dashboard: panel %r has a query" % p.get("title"),
                    targets and all(t.get("expr") for t in targets))
            out.extend((p.get("title"), t.get("expr", "")) for t in targets)
    walk(dash.get("panels") or [])
    for v in (dash.get("templating") or {}).get("list") or []:
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        m = re.match(r"label_values\((.*),\s*\w+\)$", q or "")
        if m:
            out.append(("variable " + v["name"], m.group(1)))
    return out


def grafana_free(expr):
    for k in sorted(GRAFANA_VARS, key=len, reverse=True):
        expr = expr.replace(k, GRAFANA_VARS[k])
    return expr


def check_dashboard(objs, tmp, exported):
    with open(os.path.join(ROOT, COMPONENT, "dashboard.json"),
              encoding="utf-8") as f:
        text = f.read()
    cm = one(objs, "ConfigMap", "gitgate-dashboard") or {}
    S.check("dashboard ConfigMap carries dashboard.json as gitgate.json",
            (cm.get("data") or {}).get("gitgate.json") == text)
    S.check("dashboard ConfigMap labelled for Grafana's sidecar",
            (cm.get("metadata", {}).get("labels") or {}).get(
                "grafana_dashboard") == "1")
    dash = json.loads(text)
    S.check("dashboard: uid and title", dash.get("uid") == "gitgate" and
            dash.get("title") == "gitgate")
    exprs = dashboard_exprs(dash)
    bad = []
    for title, e in exprs:
        bad += check_names("panel %r" % title, [e], exported)
    S.check("dashboard: every metric queried is exported", not bad,
            "; ".join(bad))
    if shutil.which("promtool"):
        path = os.path.join(tmp, "dashboard-rules.json")
        with open(path, "w") as f:
            json.dump({"groups": [{"name": "dashboard", "rules": [
                {"record": "dashboard:query_%d" % i, "expr": grafana_free(e)}
                for i, (_, e) in enumerate(exprs)]}]}, f)
        rc, out, err = run(["promtool", "check", "rules", path])
        S.check("dashboard: promtool parses all %d queries" % len(exprs),
                rc == 0, (out + err)[-800:])
    return len(exprs)


# -------------------------------------------------------------------- main

def self_test(exported):
    """The name and label checks catch what they are for."""
    S.check("self-test: an unknown metric is reported",
            check_names("t", ['rate(gitgate_no_such_total{job="g"}[5m])'],
                        exported))
    S.check("self-test: an unknown label is reported",
            check_names("t", ['gitgate_policy_reloads_total{reslt="x"}'],
                        exported))
    S.check("self-test: by() labels, functions and keywords are not metrics",
            metric_names('sum by (le) (rate(a_b{x="y"}[5m])) > bool on (p) '
                         'c offset 5m') == {"a_b", "c"})


def main():
    if not shutil.which("promtool"):
        print("promtool not found: apt-get install prometheus (CI does); "
              "its checks fail below")
        S.check("promtool installed", False)
    with tempfile.TemporaryDirectory(prefix="gitgate-monitoring-") as tmp:
        objs, err = render(tmp)
        if not S.check("enforce + components/monitoring renders",
                       objs is not None, err):
            S.done()
        exported = scrape(tmp)
        S.check("scraped gitgate's metrics", len(exported) > 10,
                sorted(exported))
        self_test(exported)
        pr = one(objs, "PrometheusRule", "gitgate") or {}
        rules = {"groups": (pr.get("spec") or {}).get("groups") or []}
        alerts = {r["alert"] for g in rules["groups"] for r in g["rules"]
                  if r.get("alert")}
        S.check("PrometheusRule has alerts", len(alerts) >= 8, alerts)
        bad = check_alert_fields(rules)
        S.check("alerts: severity, summary, description, README runbook",
                not bad, "; ".join(bad))
        bad = check_names("alert", [r["expr"] for g in rules["groups"]
                                    for r in g["rules"]], exported)
        S.check("alerts: every metric queried is exported", not bad,
                "; ".join(bad))
        full = os.path.join(tmp, "rules.json")
        bare = os.path.join(tmp, "rules-bare.json")
        with open(full, "w") as f:
            json.dump(rules, f)
        with open(bare, "w") as f:
            json.dump({"groups": [dict(g, rules=[
                {k: v for k, v in r.items() if k != "annotations"}
                for r in g["rules"]]) for g in rules["groups"]]}, f)
        if shutil.which("promtool"):
            rc, out, err = run(["promtool", "check", "rules", full])
            S.check("alerts: promtool check rules", rc == 0,
                    (out + err)[-800:])
            check_promtool_tests(tmp, bare, alerts)
        n = check_dashboard(objs, tmp, exported)
        print("%d alerts, %d dashboard queries; external metrics: %s" %
              (len(alerts), n, ", ".join(sorted(EXTERNAL))))
    S.done()


if __name__ == "__main__":
    main()
