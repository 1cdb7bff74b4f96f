#!/usr/bin/env python3
"""test_exceptions.py - PolicyExceptions in a running `gitgate serve`: the
warn-level log line for each expiring or expired exception at load; a
request one lets through answered with its warning and audit annotation,
logged with the `exceptions` field and counted in
gitgate_exceptions_applied_total (a dry run is not counted); the expiry
gauge for every loaded exception, and a removed exception gone from it
after a hot reload while the counter keeps its value. Every wait is
bounded."""
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "pylib"))
from harness import Suite  # noqa: E402
from serving import Server, copy_policies, make_certs, wait_for  # noqa: E402
import reviews  # noqa: E402

S = Suite("serve_exceptions")
TMP = tempfile.mkdtemp(prefix="gitgate-exc-")
POL = os.path.join(TMP, "policies")
DAY = 86400

EXC = """apiVersion: gitgate.io/v1alpha1
kind: PolicyException
metadata:
  name: web-latest
spec:
  policies: [immutable-images]
  match:
    names: [web]
    images: ["ghcr.io/acme/web:*"]
  reason: vendor build only tagged latest
  ticket: OPS-7
  expires: "{soon}"
"""
OLD = """---
apiVersion: gitgate.io/v1alpha1
kind: PolicyException
metadata:
  name: old-one
spec:
  policies: [immutable-images]
  reason: long gone
  ticket: OPS-1
  expires: "2020-01-31"
"""
GAUGE = "gitgate_exception_expiry_timestamp_seconds"
COUNTER = ('gitgate_exceptions_applied_total{exception="web-latest",'
           'policy="immutable-images"}')


def write_exceptions(text):
    """Replace exceptions.yaml at once (the loader skips '.' names)."""
    tmp = os.path.join(POL, ".exceptions.yaml")
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, os.path.join(POL, "exceptions.yaml"))


def series(srv, name):
    return [ln for ln in srv.metrics().splitlines() if ln.startswith(name)]


def decision_lines(srv):
    out = []
    for ln in srv.logtext().splitlines():
        try:
            rec = json.loads(ln)
        except ValueError:
            continue
        if rec.get("event") == "decision":
            out.append(rec)
    return out


def main():
    copy_policies(POL)
    soon_t = int(time.time()) + 5 * DAY
    soon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(soon_t))
    write_exceptions(EXC.format(soon=soon) + OLD)
    certs = os.path.join(TMP, "certs")
    make_certs(certs)
    srv = Server(TMP, certs, policies=POL)
    try:
        log = srv.logtext()
        S.check("load: warns of the exception expiring in 5 days",
                '"level":"warn"' in log and
                'PolicyException \\"web-latest\\" (OPS-7) expires' in log,
                log[-1500:])
        S.check("load: warns of the expired one",
                'PolicyException \\"old-one\\" (OPS-1) expired 2020-01-31'
                in log, log[-1500:])
        doc = reviews.review(reviews.deployment(
            image="ghcr.io/acme/web:latest"))
        st, ans = srv.validate(doc)
        resp = ans.get("response", {}) if isinstance(ans, dict) else {}
        S.check("an excepted image is allowed", st == 200 and
                resp.get("allowed") is True, ans)
        S.check("... with the exception's warning",
                any(w.startswith("[web-latest] excepted (OPS-7, expires %s)"
                                 % soon) for w in resp.get("warnings", [])),
                resp)
        S.check("... and its audit annotation",
                resp.get("auditAnnotations", {}).get("web-latest", "")
                .startswith("excepted (OPS-7"), resp)
        dry = reviews.review(reviews.deployment(
            image="ghcr.io/acme/web:latest"), dry_run=True)
        srv.validate(dry)
        other = reviews.review(reviews.deployment(
            name="api", image="ghcr.io/acme/web:latest"))
        st, ans = srv.validate(other)
        S.check("another name is denied", ans["response"]["allowed"] is
                False, ans)
        ok = wait_for(lambda: len(decision_lines(srv)) >= 2, 5)
        lines = decision_lines(srv)
        S.check("the decision log line has exceptions: web-latest", ok and
                lines[0].get("exceptions") == "web-latest" and
                "exceptions" not in lines[-1], lines)
        S.check("counted once (the dry run is not)",
                series(srv, COUNTER) == [COUNTER + " 1"],
                series(srv, "gitgate_exceptions"))
        gauges = series(srv, GAUGE)
        S.check("an expiry gauge per loaded exception", sorted(gauges) == [
            GAUGE + '{exception="old-one"} 1580515200',     # 2020-02-01
            GAUGE + '{exception="web-latest"} %d' % soon_t], gauges)
        write_exceptions(EXC.format(soon=soon))
        ok = wait_for(lambda: len(series(srv, GAUGE)) == 1, 10, 0.05)
        S.check("after a reload the removed exception leaves the gauge",
                ok and series(srv, GAUGE) == [
                    GAUGE + '{exception="web-latest"} %d' % soon_t],
                series(srv, GAUGE))
        S.check("... and the counter keeps its value",
                series(srv, COUNTER) == [COUNTER + " 1"],
                series(srv, "gitgate_exceptions"))
    finally:
        srv.stop()


try:
    main()
finally:
    shutil.rmtree(TMP, ignore_errors=True)
S.done()
