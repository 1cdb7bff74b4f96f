"""test_operations.py - operations under load: policy reload by kubelet's
..data swap (and a broken set), certificate rotation, and SIGTERM, each
while keep-alive clients keep reviewing; zero failed requests is the
assertion. Also: /metrics counts exactly the requests sent. Every wait and
every load loop is bounded."""
import json
import os
import shutil
import signal
import socket
import ssl
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "pylib"))
from harness import Suite  # noqa: E402
from serving import (Server, copy_policies, kubelet_swap,  # noqa: E402
                     make_certs, wait_for)
import reviews  # noqa: E402

S = Suite("operations")
TMP = tempfile.mkdtemp(prefix="gitgate-ops-")
FLUX = reviews.review(reviews.deployment())
DEV = reviews.review(reviews.deployment(), user=reviews.DEVELOPER)


class Load:
    """clients keep-alive reviewers; counts answers and failures."""

    def __init__(self, srv, clients=4, seconds=30):
        self.srv = srv
        self.stop = threading.Event()
        self.deadline = time.monotonic() + seconds
        self.ok = 0
        self.failed = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, daemon=True)
                        for _ in range(clients)]

    def run(self):
        conn = self.srv.conn(timeout=5)
        while not self.stop.is_set() and time.monotonic() < self.deadline:
            try:
                st, r = self.srv.validate(FLUX, conn=conn, timeout=5)
                good = st == 200 and r["response"]["allowed"] is True
            except Exception as e:  # noqa: BLE001 - recorded as a failure
                good, st = False, repr(e)
                conn.close()
                conn = self.srv.conn(timeout=5)
            with self.lock:
                if good:
                    self.ok += 1
                else:
                    self.failed.append(st)
        conn.close()

    def __enter__(self):
        for t in self.threads:
            t.start()
        wait_for(lambda: self.ok > 20, 5)
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(10)


def dev_allowed(srv):
    return srv.validate(DEV)[1]["response"]["allowed"]


def served_cert(port):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        with ctx.wrap_socket(s, server_hostname="localhost") as t:
            return t.getpeercert(binary_form=True)


def der(path):
    with open(path) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


def test_reload_and_rotation_under_load():
    pol = os.path.join(TMP, "policies")
    sec = os.path.join(TMP, "secret")
    os.makedirs(pol)
    os.makedirs(sec)
    kubelet_swap(pol, "p1", lambda d: copy_policies(d, "enforce"))
    make_certs(os.path.join(TMP, "a"))
    make_certs(os.path.join(TMP, "b"))

    def secret(src):
        return lambda d: (os.makedirs(d), [shutil.copy(
            os.path.join(TMP, src, n), d) for n in ("tls.crt", "tls.key",
                                                     "ca.crt")])
    kubelet_swap(sec, "s1", secret("a"))
    srv = Server(TMP, sec, policies=pol)
    try:
        with Load(srv) as load:
            S.check("before: developer denied", dev_allowed(srv) is False)
            kubelet_swap(pol, "p2", lambda d: copy_policies(d, "audit"))
            S.check("policy swap under load: decision changes within 2 s",
                    wait_for(lambda: dev_allowed(srv) is True, 2.0))
            kubelet_swap(pol, "p3",
                         lambda d: copy_policies(d, "enforce", True))
            S.check("broken set under load: failure counted", wait_for(
                lambda: srv.metric('gitgate_policy_reloads_total{result='
                                   '"failure"}') == 1, 3.0))
            S.check("broken set: previous decisions stay",
                    dev_allowed(srv) is True)
            kubelet_swap(sec, "s2", secret("b"))
            want = der(os.path.join(TMP, "b", "tls.crt"))
            S.check("certificate swap under load: new connections get the "
                    "new certificate within 2 s",
                    wait_for(lambda: served_cert(srv.port) == want, 2.0))
        S.check(f"zero failed requests under load ({load.ok} answered)",
                load.ok > 100 and not load.failed, load.failed[:5])
    finally:
        S.check("SIGTERM: exit 0", srv.stop() == 0)


def test_metrics_add_up():
    srv = Server(TMP, os.path.join(TMP, "a"))
    try:
        c = srv.conn()
        for doc in [FLUX] * 7 + [DEV] * 5:
            srv.validate(doc, conn=c)
        c.close()
        total = allow = deny = 0.0
        for line in srv.get("/metrics")[1].decode().splitlines():
            if line.startswith("gitgate_admission_requests_total{"):
                v = float(line.rsplit(" ", 1)[1])
                total += v
                allow += v if 'decision="allow"' in line else 0
                deny += v if 'decision="deny"' in line else 0
        S.check("requests_total adds up to the 12 reviews sent",
                (total, allow, deny) == (12, 7, 5), (total, allow, deny))
    finally:
        srv.stop()


def test_sigterm_under_load():
    """Requests half sent when SIGTERM arrives still get their answer."""
    srv = Server(TMP, os.path.join(TMP, "a"))
    body = json.dumps(FLUX).encode()
    conns = []
    for _ in range(3):
        c = srv.conn(timeout=15)
        c.putrequest("POST", "/validate")
        c.putheader("Content-Type", "application/json")
        c.putheader("Content-Length", str(len(body)))
        c.endheaders()
        c.send(body[:len(body) // 2])
        conns.append(c)
    time.sleep(0.2)
    srv.proc.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    S.check("SIGTERM: still running while requests are in flight",
            srv.alive())
    statuses = []
    for c in conns:
        try:
            c.send(body[len(body) // 2:])
            r = c.getresponse()
            r.read()
            statuses.append((r.status, r.getheader("Connection")))
        except Exception as e:  # noqa: BLE001 - recorded
            statuses.append(repr(e))
        c.close()
    rc = srv.proc.wait(timeout=20)
    S.check("every request begun before SIGTERM answered 200, connection "
            "closed", statuses == [(200, "close")] * 3, statuses)
    S.check("then exit 0", rc == 0, rc)


test_reload_and_rotation_under_load()
test_metrics_add_up()
test_sigterm_under_load()
shutil.rmtree(TMP, ignore_errors=True)
S.done()
