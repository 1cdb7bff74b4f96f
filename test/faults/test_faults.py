#!/usr/bin/env python3
"""test_faults.py - gitgate under faults, through the real binary.

- SIGKILL under load, then a restart on the same port: serving /validate
  again within 1 s of the restart, three times over; clients reconnect.
- The policies directory vanishing (rm -rf), replaced by a regular file,
  a policy file turned into a dangling symlink, broken or grown past the
  size limit, at runtime: the last good set keeps deciding, /readyz stays
  200, every failure is counted in gitgate_policy_reloads_total and
  logged; a good directory coming back is picked up. (chmod 000 blocks
  nobody when the tests run as root, which they do in CI: a directory
  replaced by a file and a dangling symlink fail for root too. chmod 000
  is tried only when not root.)
- Certificates at start: missing (cert or key), expired, not yet valid:
  exit 2 with a clear message; --allow-expired-cert (or its variable)
  starts with a warning; expiring within 30 days is logged and exported.
  Expired and future certificates are signed with `openssl ca`, whose
  -startdate/-enddate take any date (`gitgate certs` only makes valid ones,
  and OpenSSL 3.0's `req -x509` has no -not_after).

Every wait is bounded. Ends with "faults: N passed, N failed".
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "pylib"))
from harness import ROOT, Suite, gitgate  # noqa: E402
import reviews  # noqa: E402
import serving  # noqa: E402
from serving import copy_policies  # noqa: E402

S = Suite("faults")
TMP = tempfile.mkdtemp(prefix="gitgate-faults-")
CERTS = os.path.join(TMP, "certs")
RESTART_BUDGET = 1.0   # seconds from restart to the first 200 on /validate

DEV = reviews.review(reviews.deployment(), user=reviews.DEVELOPER)
FLUX = reviews.review(reviews.deployment())
LATEST = reviews.review(reviews.deployment(image="nginx:latest"))


def decisions(srv):
    """(developer, flux, flux with :latest) -> allowed booleans or None."""
    out = []
    for doc in (DEV, FLUX, LATEST):
        try:
            st, r = srv.validate(doc, timeout=5)
            out.append(r["response"]["allowed"] if st == 200 else None)
        except (OSError, ValueError, KeyError, TypeError):
            out.append(None)
    return tuple(out)


ENFORCED = (False, True, False)
RECONCILER_AUDIT = (True, True, False)


# ------------------------------------------------------- SIGKILL

class Load:
    """Keep-alive clients reviewing in a loop, reconnecting on errors."""

    def __init__(self, srv, clients=4):
        self.srv = srv
        self.stop_flag = threading.Event()
        self.ok = [0] * clients
        self.errors = [0] * clients
        self.last_ok = [0.0] * clients
        self.threads = [threading.Thread(target=self.run, args=(i,),
                                         daemon=True)
                        for i in range(clients)]

    def run(self, i):
        conn = None
        while not self.stop_flag.is_set():
            try:
                if conn is None:
                    conn = self.srv.conn(timeout=2)
                st, r = self.srv.validate(FLUX, conn=conn, timeout=2)
                if st == 200 and r["response"]["allowed"] is True:
                    self.ok[i] += 1
                    self.last_ok[i] = time.monotonic()
                    continue
                self.errors[i] += 1
            except Exception:  # noqa: BLE001 - a dead server: reconnect
                self.errors[i] += 1
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.01)
        if conn is not None:
            conn.close()

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        for t in self.threads:
            t.join(10)


def first_validate_200(srv, budget):
    """Seconds from now until /validate answers 200, or None."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < budget + 4:
        try:
            st, _ = srv.validate(FLUX, timeout=1)
            if st == 200:
                return time.monotonic() - t0
        except (OSError, ValueError):
            pass
        time.sleep(0.005)
    return None


def test_sigkill_restart():
    srv = serving.Server(TMP, CERTS)
    took = []
    try:
        with Load(srv) as load:
            for _ in range(3):
                time.sleep(0.5)
                before = sum(load.ok)
                srv.kill()
                S.check("SIGKILL: the process is gone",
                        srv.proc.returncode == -signal.SIGKILL,
                        srv.proc.returncode)
                t0 = time.monotonic()
                srv.start(wait=0)
                t = first_validate_200(srv, RESTART_BUDGET)
                took.append(None if t is None else time.monotonic() - t0)
                S.check("load was being served before the kill",
                        before > 0, before)
            time.sleep(0.5)
            t_end = time.monotonic()
        print("  restart to first /validate 200: " +
              ", ".join("-" if t is None else f"{t * 1000:.0f} ms"
                        for t in took))
        S.check(f"restarted after SIGKILL under load: /validate 200 within "
                f"{RESTART_BUDGET} s each time ({took})",
                all(t is not None and t < RESTART_BUDGET for t in took),
                took)
        S.check("every load client reconnected and was served again",
                all(t_end - t < 1.0 for t in load.last_ok), load.last_ok)
        S.check("the restarted gitgate decides correctly",
                decisions(srv) == ENFORCED, decisions(srv))
    finally:
        S.check("SIGTERM after the restarts: exit 0", srv.stop() == 0)


# ------------------------------------------------- policies at runtime

FAILURES = 'gitgate_policy_reloads_total{result="failure"}'
SUCCESSES = 'gitgate_policy_reloads_total{result="success"}'


def failure_counted(srv, before, seconds=3.0):
    return serving.wait_for(lambda: srv.metric(FAILURES) > before, seconds,
                            0.05)


def still_good(srv, what, want=ENFORCED):
    S.check(f"{what}: last good set still decides", decisions(srv) == want,
            decisions(srv))
    S.check(f"{what}: /readyz 200", srv.get("/readyz")[0] == 200)


def test_policies_vanish():
    pol = os.path.join(TMP, "policies")
    copy_policies(pol)
    srv = serving.Server(TMP, CERTS, policies=pol)
    try:
        S.check("start: enforce decisions", decisions(srv) == ENFORCED,
                decisions(srv))
        n = srv.metric(FAILURES)
        shutil.rmtree(pol)
        S.check("policies directory removed (rm -rf): reload failure "
                "counted", failure_counted(srv, n), srv.metric(FAILURES))
        still_good(srv, "directory removed")
        S.check("directory removed: logged with the reason",
                "policy_reload_failed" in srv.logtext() and
                "cannot open directory: No such file or directory" in
                srv.logtext(), srv.logtext()[-800:])

        # It comes back (changed): picked up when the watch is re-armed.
        ok0 = srv.metric(SUCCESSES)
        copy_policies(pol, "audit")
        S.check("directory back (reconciler-only in audit): reloaded",
                serving.wait_for(lambda: srv.metric(SUCCESSES) > ok0, 4,
                                 0.05))
        S.check("... and in force", serving.wait_for(
            lambda: decisions(srv) == RECONCILER_AUDIT, 2), decisions(srv))

        # Replaced by a regular file: opendir fails, for root too.
        n = srv.metric(FAILURES)
        shutil.rmtree(pol)
        with open(pol, "w") as f:
            f.write("not a directory\n")
        failure_counted(srv, n)
        n = srv.metric(FAILURES)
        srv.proc.send_signal(signal.SIGHUP)
        S.check("directory replaced by a file, SIGHUP: failure counted",
                failure_counted(srv, n), srv.metric(FAILURES))
        still_good(srv, "replaced by a file", RECONCILER_AUDIT)
        S.check("replaced by a file: 'Not a directory' logged",
                "cannot open directory: Not a directory" in srv.logtext())
        os.unlink(pol)
        copy_policies(pol)
        srv.proc.send_signal(signal.SIGHUP)
        S.check("restored, SIGHUP: enforce again", serving.wait_for(
            lambda: decisions(srv) == ENFORCED, 4), decisions(srv))

        # A policy file turned into a dangling symlink: unreadable for
        # root as for anyone.
        n = srv.metric(FAILURES)
        victim = os.path.join(pol, "reconciler-only.yaml")
        os.unlink(victim)
        os.symlink("/nonexistent/gitgate/reconciler-only.yaml", victim)
        S.check("a policy file becomes a dangling symlink: failure counted",
                failure_counted(srv, n), srv.metric(FAILURES))
        still_good(srv, "dangling symlink")
        S.check("dangling symlink: logged as cannot read",
                f"{victim}: cannot read: No such file or directory" in
                srv.logtext(), srv.logtext()[-800:])

        # Broken YAML, then a file past the size limit. Renamed over the
        # symlink in one step: an unlink first would be a change of its
        # own, and a set without reconciler-only a good one to reload.
        n = srv.metric(FAILURES)
        tmp = os.path.join(pol, ".broken.yaml")     # '.' names: not read
        with open(tmp, "w") as f:
            f.write("apiVersion: gitgate.io/v1alpha1\nkind: ActorPolicy\n"
                    "metadata: {name: reconciler-only}\nspec: [\n")
        os.replace(tmp, victim)
        S.check("broken YAML: failure counted", failure_counted(srv, n))
        still_good(srv, "broken YAML")
        n = srv.metric(FAILURES)
        with open(victim, "w") as f:
            f.write("# " + "x" * (1024 * 1024) + "\n")
        S.check("a policy file over 1 MiB: failure counted",
                failure_counted(srv, n))
        still_good(srv, "file over 1 MiB")
        S.check("over 1 MiB: logged as too large", "file too large" in
                srv.logtext())

        if os.geteuid() != 0:
            copy_policies(pol)
            time.sleep(0.5)
            n = srv.metric(FAILURES)
            os.chmod(victim, 0)
            S.check("chmod 000 on a policy file (not root): failure "
                    "counted", failure_counted(srv, n))
            still_good(srv, "chmod 000")
            os.chmod(victim, 0o644)
        else:
            print("  (root: chmod 000 does not stop root from reading; "
                  "covered by the file-for-directory and dangling-symlink "
                  "cases)")
        S.check("the process survived every policy fault", srv.alive())
    finally:
        S.check("SIGTERM: exit 0", srv.stop() == 0)


def test_reload_retry():
    """A reload that failed on a file unreadable for now is tried again
    with backoff, with no change in the watched directory: a policy file
    that is a symlink to a target outside it that appears later (a
    ConfigMap mount's layout; descriptors exhausted fail the same way)."""
    pol = os.path.join(TMP, "policies-retry")
    outside = os.path.join(TMP, "outside")
    copy_policies(pol)
    copy_policies(outside, "audit")
    srv = serving.Server(TMP, CERTS, policies=pol)
    try:
        victim = os.path.join(pol, "reconciler-only.yaml")
        target = os.path.join(outside, "reconciler-only.yaml")
        os.rename(target, target + ".later")
        n = srv.metric(FAILURES)
        os.unlink(victim)
        os.symlink(target, victim)
        S.check("retry: a policy file's target is missing: failure "
                "counted", failure_counted(srv, n), srv.metric(FAILURES))
        still_good(srv, "target missing")
        os.rename(target + ".later", target)    # outside the watch
        t0 = time.monotonic()
        got = serving.wait_for(lambda: decisions(srv) == RECONCILER_AUDIT,
                               8, 0.1)
        S.check(f"retry: the target appears outside the watched directory: "
                f"the new set is in force without SIGHUP "
                f"({time.monotonic() - t0:.1f} s)", got, decisions(srv))
        S.check("retry: the retry is logged", "policy_reload_retry" in
                srv.logtext(), srv.logtext()[-600:])
    finally:
        S.check("retry: SIGTERM: exit 0", srv.stop() == 0)


def test_stderr_closed():
    """stderr a closed pipe from the start and a certificate expiring in
    10 days (a warning is the first write): serving anyway, not killed by
    SIGPIPE."""
    certs = os.path.join(TMP, "certs-10d")
    rc, err = serving.make_certs(certs, days=10)
    S.check("gitgate certs --days 10", rc == 0, err)
    port = serving.free_port()
    p = subprocess.Popen([serving.GITGATE, *serve_args(certs, port)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         cwd=ROOT)
    p.stderr.close()
    try:
        probe = serving.Server.__new__(serving.Server)
        probe.port, probe.certs, probe.verify = port, certs, True
        probe.proc = p

        def up():
            try:
                return probe.get("/healthz", timeout=1)[0] == 200
            except Exception:  # noqa: BLE001 - not yet
                return p.poll() is not None

        serving.wait_for(up, 5, 0.05)
        S.check("stderr a closed pipe, expiring certificate: still serving "
                "(not killed by SIGPIPE)", p.poll() is None and
                probe.get("/healthz", timeout=2)[0] == 200,
                f"exit {p.poll()}")
        st, r = probe.validate(DEV, timeout=5)
        S.check("stderr closed: reviews decided (denied)", st == 200 and
                r["response"]["allowed"] is False, st)
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = p.wait(10)
        S.check("stderr closed: SIGTERM: exit 0", rc == 0, rc)


# ------------------------------------------------------- certificates

CA_CNF = """\
[ ca ]
default_ca = test_ca
[ test_ca ]
database = {d}/index.txt
new_certs_dir = {d}
serial = {d}/serial
default_md = sha256
policy = any_name
copy_extensions = copy
unique_subject = no
[ any_name ]
commonName = supplied
"""


def openssl(*args):
    p = subprocess.run(["openssl", *args], capture_output=True, text=True,
                       timeout=30)
    if p.returncode != 0:
        raise RuntimeError("openssl " + " ".join(args) + ": " + p.stderr)


def signed_cert(out, start, end):
    """A serving pair for localhost signed by the test CA, valid from
    start to end (YYYYMMDDHHMMSSZ), with `openssl ca`."""
    os.makedirs(out, exist_ok=True)
    with open(f"{out}/ca.cnf", "w") as f:
        f.write(CA_CNF.format(d=out))
    open(f"{out}/index.txt", "w").close()
    with open(f"{out}/serial", "w") as f:
        f.write("1000\n")
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-out", f"{out}/tls.key")
    openssl("req", "-new", "-key", f"{out}/tls.key", "-subj",
            "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
            "-out", f"{out}/tls.csr")
    openssl("ca", "-batch", "-config", f"{out}/ca.cnf", "-cert",
            f"{CERTS}/ca.crt", "-keyfile", f"{CERTS}/ca.key", "-in",
            f"{out}/tls.csr", "-out", f"{out}/tls.crt", "-startdate", start,
            "-enddate", end, "-notext")


def serve_args(cert_dir, port):
    return ["serve", "--listen", f"127.0.0.1:{port}", "--tls-cert",
            f"{cert_dir}/tls.crt", "--tls-key", f"{cert_dir}/tls.key",
            "--policies", "policies"]


def test_certificates():
    port = serving.free_port()
    rc, _, err = gitgate(*serve_args(f"{TMP}/nowhere", port), timeout=10)
    S.check("missing certificate: exit 2, names the file and why",
            rc == 2 and f"{TMP}/nowhere/tls.crt" in err and
            "No such file or directory" in err, err)
    rc, _, err = gitgate("serve", "--listen", f"127.0.0.1:{port}",
                         "--tls-cert", f"{CERTS}/tls.crt", "--tls-key",
                         f"{TMP}/nowhere/tls.key", "--policies", "policies",
                         timeout=10)
    S.check("missing key: exit 2, names the file", rc == 2 and
            f"{TMP}/nowhere/tls.key" in err, err)

    expired = os.path.join(TMP, "expired")
    signed_cert(expired, "20200101000000Z", "20200201000000Z")
    rc, _, err = gitgate(*serve_args(expired, port), timeout=10)
    S.check("expired certificate: exit 2, 'expired' with the date and the "
            "way out", rc == 2 and "certificate expired at 2020-02-01" in
            err and "--allow-expired-cert" in err, err)
    srv = serving.Server(TMP, expired, "--allow-expired-cert", verify=False)
    try:
        S.check("--allow-expired-cert: starts and serves",
                decisions(srv) == ENFORCED, decisions(srv))
        log = srv.logtext()
        S.check("--allow-expired-cert: the expiry is logged as a warning",
                '"level":"warn"' in log and "certificate expired" in log,
                log[-600:])
        S.check("--allow-expired-cert: expiry exported (in the past)",
                0 < srv.metric("gitgate_certificate_expiry_timestamp_"
                               "seconds") < time.time())
    finally:
        srv.stop()
    env = dict(os.environ, GITGATE_ALLOW_EXPIRED_CERT="1")
    srv = serving.Server(TMP, expired, env=env, verify=False)
    try:
        S.check("GITGATE_ALLOW_EXPIRED_CERT=1: starts",
                srv.get("/readyz")[0] == 200)
    finally:
        srv.stop()

    future = os.path.join(TMP, "future")
    signed_cert(future, "20990101000000Z", "20991231000000Z")
    rc, _, err = gitgate(*serve_args(future, port), timeout=10)
    S.check("not-yet-valid certificate: exit 2, says from when",
            rc == 2 and "not valid before 2099-01-01" in err, err)
    rc, _, err = gitgate(*serve_args(future, port), "--allow-expired-cert",
                         timeout=10)
    S.check("--allow-expired-cert does not admit a future certificate",
            rc == 2, err)

    soon = os.path.join(TMP, "soon")
    rc, err = serving.make_certs(soon, "localhost", days=10)
    srv = serving.Server(TMP, soon)
    try:
        log = srv.logtext()
        S.check("a certificate expiring in 10 days: starts, warns "
                "'certificate_expiring'", rc == 0 and
                '"event":"certificate_expiring"' in log, log[-600:])
        exp = srv.metric("gitgate_certificate_expiry_timestamp_seconds")
        S.check("... and exports its expiry (about 10 days ahead)",
                abs(exp - (time.time() + 10 * 86400)) < 2 * 86400, exp)
    finally:
        srv.stop()
    srv = serving.Server(TMP, CERTS)
    try:
        S.check("a certificate valid for longer: no expiry warning",
                "certificate_expiring" not in srv.logtext())
    finally:
        srv.stop()


def main():
    rc, err = serving.make_certs(CERTS)
    if rc != 0:
        S.check("gitgate certs", False, err)
        S.done()
    for case in (test_sigkill_restart, test_policies_vanish,
                 test_reload_retry, test_stderr_closed, test_certificates):
        t0 = time.monotonic()
        try:
            case()
        except Exception as e:  # noqa: BLE001 - report, go on
            S.check(f"{case.__name__}: ran", False, repr(e))
        print(f"  {case.__name__}: {time.monotonic() - t0:.1f} s")
    shutil.rmtree(TMP, ignore_errors=True)
    S.done()


if __name__ == "__main__":
    main()
