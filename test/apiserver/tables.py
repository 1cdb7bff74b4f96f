# Server-side printing: the meta.k8s.io/v1 Table kube-apiserver returns when
# kubectl asks for `as=Table`, with the columns of pkg/printers/internalversion
# for the served kinds (Name ... Age), so `kubectl get` looks as usual.
# Cells describe what the stand-in stores; there are no controllers, so
# status-derived columns show what a fresh, unreconciled object shows.
import datetime


def wants_table(accept):
    return bool(accept) and "as=Table" in accept


def human_duration(seconds):
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return "%ds" % s
    m = s // 60
    if m < 10:
        return "%dm" % m if s % 60 == 0 else "%dm%ds" % (m, s % 60)
    if m < 180:
        return "%dm" % m
    h = s // 3600
    if h < 8:
        return "%dh" % h if m % 60 == 0 else "%dh%dm" % (h, m % 60)
    if h < 48:
        return "%dh" % h
    if h < 24 * 8:
        return "%dd" % (h // 24) if h % 24 == 0 else "%dd%dh" % (h // 24,
                                                                h % 24)
    if h < 24 * 365 * 2:
        return "%dd" % (h // 24)
    if h < 24 * 365 * 8:
        dy = (h // 24) % 365
        return "%dy" % (h // 24 // 365) if dy == 0 else "%dy%dd" % (
            h // 24 // 365, dy)
    return "%dy" % (h // 24 // 365)


def age(obj):
    ts = (obj.get("metadata") or {}).get("creationTimestamp")
    if not ts:
        return "<unknown>"
    t = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)
    return human_duration(
        (datetime.datetime.now(datetime.timezone.utc) - t).total_seconds())


def _spec(o):
    return o.get("spec") or {}


def _status(o):
    return o.get("status") or {}


def _containers(o, path):
    cur = o
    for p in path:
        cur = (cur or {}).get(p) or {}
    return cur.get("containers") or []


def _ports(o):
    ps = []
    for p in _spec(o).get("ports") or []:
        s = "%s/%s" % (p.get("port"), p.get("protocol", "TCP"))
        if p.get("nodePort"):
            s = "%s:%s/%s" % (p.get("port"), p["nodePort"],
                              p.get("protocol", "TCP"))
        ps.append(s)
    return ",".join(ps) or "<none>"


def _selector(o):
    sel = _spec(o).get("selector") or {}
    ml = sel.get("matchLabels", sel) if isinstance(sel, dict) else {}
    return ",".join("%s=%s" % kv for kv in sorted(ml.items())
                    if isinstance(kv[1], str)) or "<none>"


def _hpa_targets(o):
    out = []
    for m in _spec(o).get("metrics") or []:
        r = m.get("resource") or {}
        t = r.get("target") or {}
        if t.get("averageUtilization") is not None:
            out.append("%s: <unknown>/%s%%" % (r.get("name"),
                                               t["averageUtilization"]))
        else:
            out.append("<unknown>")
    return ", ".join(out) or "<none>"


WL = ("spec", "template", "spec")
I = "integer"
S = "string"
COLUMNS = {
    "deployments": [
        ("Ready", S, 0, lambda o: "%d/%d" % (
            _status(o).get("readyReplicas", 0), _spec(o).get("replicas", 0))),
        ("Up-to-date", I, 0, lambda o: _status(o).get("updatedReplicas", 0)),
        ("Available", I, 0,
         lambda o: _status(o).get("availableReplicas", 0)),
        ("Containers", S, 1, lambda o: ",".join(
            c.get("name", "") for c in _containers(o, WL))),
        ("Images", S, 1, lambda o: ",".join(
            c.get("image", "") for c in _containers(o, WL))),
        ("Selector", S, 1, _selector)],
    "statefulsets": [
        ("Ready", S, 0, lambda o: "%d/%d" % (
            _status(o).get("readyReplicas", 0),
            _spec(o).get("replicas", 0)))],
    "replicasets": [
        ("Desired", I, 0, lambda o: _spec(o).get("replicas", 0)),
        ("Current", I, 0, lambda o: _status(o).get("replicas", 0)),
        ("Ready", I, 0, lambda o: _status(o).get("readyReplicas", 0))],
    "replicationcontrollers": [
        ("Desired", I, 0, lambda o: _spec(o).get("replicas", 0)),
        ("Current", I, 0, lambda o: _status(o).get("replicas", 0)),
        ("Ready", I, 0, lambda o: _status(o).get("readyReplicas", 0))],
    "daemonsets": [
        ("Desired", I, 0,
         lambda o: _status(o).get("desiredNumberScheduled", 0)),
        ("Current", I, 0,
         lambda o: _status(o).get("currentNumberScheduled", 0)),
        ("Ready", I, 0, lambda o: _status(o).get("numberReady", 0)),
        ("Up-to-date", I, 0,
         lambda o: _status(o).get("updatedNumberScheduled", 0)),
        ("Available", I, 0, lambda o: _status(o).get("numberAvailable", 0)),
        ("Node Selector", S, 0, lambda o: ",".join(
            "%s=%s" % kv for kv in sorted(
                (_spec(o).get("template", {}).get("spec", {}).get(
                    "nodeSelector") or {}).items())) or "<none>")],
    "pods": [
        ("Ready", S, 0, lambda o: "0/%d" % len(_spec(o).get("containers")
                                               or [])),
        ("Status", S, 0, lambda o: _status(o).get("phase", "Pending")),
        ("Restarts", S, 0, lambda o: "0"),
        ("IP", S, 1, lambda o: _status(o).get("podIP", "<none>")),
        ("Node", S, 1, lambda o: _spec(o).get("nodeName", "<none>"))],
    "services": [
        ("Type", S, 0, lambda o: _spec(o).get("type", "ClusterIP")),
        ("Cluster-IP", S, 0, lambda o: _spec(o).get("clusterIP", "<none>")),
        ("External-IP", S, 0, lambda o: "<none>"),
        ("Port(s)", S, 0, _ports),
        ("Selector", S, 1, _selector)],
    "jobs": [
        ("Status", S, 0, lambda o: "Running"),
        ("Completions", S, 0, lambda o: "%d/%d" % (
            _status(o).get("succeeded", 0), _spec(o).get("completions", 1))),
        ("Duration", S, 0, age)],
    "cronjobs": [
        ("Schedule", S, 0, lambda o: _spec(o).get("schedule", "")),
        ("Timezone", S, 0, lambda o: _spec(o).get("timeZone", "<none>")),
        ("Suspend", S, 0, lambda o: str(_spec(o).get("suspend", False))),
        ("Active", I, 0, lambda o: len(_status(o).get("active") or [])),
        ("Last Schedule", S, 0, lambda o: "<none>")],
    "horizontalpodautoscalers": [
        ("Reference", S, 0, lambda o: "%s/%s" % (
            _spec(o).get("scaleTargetRef", {}).get("kind", ""),
            _spec(o).get("scaleTargetRef", {}).get("name", ""))),
        ("Targets", S, 0, _hpa_targets),
        ("MinPods", S, 0, lambda o: str(_spec(o).get("minReplicas", 1))),
        ("MaxPods", I, 0, lambda o: _spec(o).get("maxReplicas", 0)),
        ("Replicas", I, 0, lambda o: _status(o).get("currentReplicas", 0))],
    "namespaces": [
        ("Status", S, 0, lambda o: _status(o).get("phase", "Active"))],
    "ingresses": [
        ("Class", S, 0, lambda o: _spec(o).get("ingressClassName", "<none>")),
        ("Hosts", S, 0, lambda o: ",".join(
            r.get("host", "*") for r in _spec(o).get("rules") or []) or "*"),
        ("Address", S, 0, lambda o: ""),
        ("Ports", S, 0, lambda o: "443" if _spec(o).get("tls") else "80")],
    "networkpolicies": [
        ("Pod-Selector", S, 0, lambda o: ",".join(
            "%s=%s" % kv for kv in sorted((_spec(o).get("podSelector") or {})
                                          .get("matchLabels", {}).items()))
         or "<none>")],
    "configmaps": [
        ("Data", I, 0, lambda o: len(o.get("data") or {}) +
         len(o.get("binaryData") or {}))],
    "secrets": [
        ("Type", S, 0, lambda o: o.get("type", "Opaque")),
        ("Data", I, 0, lambda o: len(o.get("data") or {}))],
    "serviceaccounts": [
        ("Secrets", I, 0, lambda o: len(o.get("secrets") or []))],
    # Flux's printer columns, but Ready/Status (no controller runs here)
    "gitrepositories": [("URL", S, 0, lambda o: _spec(o).get("url", ""))],
    "ocirepositories": [("URL", S, 0, lambda o: _spec(o).get("url", ""))],
    "helmrepositories": [("URL", S, 0, lambda o: _spec(o).get("url", ""))],
    "buckets": [("Endpoint", S, 0, lambda o: _spec(o).get("endpoint", ""))],
    "helmcharts": [
        ("Chart", S, 0, lambda o: _spec(o).get("chart", "")),
        ("Version", S, 0, lambda o: _spec(o).get("version", "*")),
        ("Source Kind", S, 0,
         lambda o: _spec(o).get("sourceRef", {}).get("kind", "")),
        ("Source Name", S, 0,
         lambda o: _spec(o).get("sourceRef", {}).get("name", ""))],
    "validatingwebhookconfigurations": [
        ("Webhooks", I, 0, lambda o: len(o.get("webhooks") or []))],
}


def table(res, items, rv, include_object=False):
    cols = [("Name", S, 0, lambda o: o["metadata"]["name"])] + \
        COLUMNS.get(res.plural, []) + [("Age", S, 0, age)]
    defs = [{"name": n, "type": t, "format": "name" if n == "Name" else "",
             "description": "", "priority": p} for n, t, p, _ in cols]
    rows = []
    for o in items:
        rows.append({"cells": [f(o) for _, _, _, f in cols], "object": {
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"]}})
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1",
            "metadata": {"resourceVersion": rv}, "columnDefinitions": defs,
            "rows": rows}
