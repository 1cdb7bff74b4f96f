"""serving.py - run `gitgate serve` on 127.0.0.1 for a test suite and talk
to it: development certificates, a Server with bounded start-up and
shutdown, HTTPS requests on fresh or kept-alive connections, raw TCP and
TLS sockets for clients that misbehave, /metrics parsing and the process's
open file descriptors. Every wait has a deadline."""
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import time

from harness import GITGATE, ROOT, gitgate


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certs(out, *names, days=None):
    """gitgate certs into out; returns (exit code, stderr)."""
    args = ["certs", "--out", out]
    for n in names or ("localhost", "127.0.0.1"):
        args += ["--dns", n]
    if days is not None:
        args += ["--days", str(days)]
    rc, _, err = gitgate(*args)
    return rc, err


def wait_for(pred, seconds=2.0, step=0.02):
    """Poll pred until it is true or seconds pass; returns its last value."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            v = pred()
        except OSError:
            v = None
        if v:
            return v
        time.sleep(step)
    try:
        return pred()
    except OSError:
        return None


class Server:
    """A `gitgate serve` process; certs is a directory from make_certs."""

    def __init__(self, tmp, certs, *extra, policies=None, port=None,
                 wait=10.0, binary=None, env=None, verify=True):
        self.tmp = tmp
        self.certs = certs
        self.port = port or free_port()
        self.extra = extra
        self.policies = policies or os.path.join(ROOT, "policies")
        self.binary = binary or GITGATE
        self.env = env
        self.verify = verify    # False: accept any certificate (expired)
        self.logpath = os.path.join(tmp, f"serve-{self.port}.log")
        self.log = open(self.logpath, "a+")
        self.proc = None
        self.start(wait)

    def argv(self):
        return [self.binary, "serve", "--listen", f"127.0.0.1:{self.port}",
                "--tls-cert", f"{self.certs}/tls.crt",
                "--tls-key", f"{self.certs}/tls.key",
                "--policies", self.policies, *self.extra]

    def start(self, wait=10.0):
        """Start (or restart) the process; wait seconds for /healthz."""
        self.proc = subprocess.Popen(self.argv(), stdout=self.log,
                                     stderr=subprocess.STDOUT, cwd=ROOT,
                                     env=self.env)
        if wait and not wait_for(self.healthy, wait, 0.01):
            raise RuntimeError("gitgate serve did not start: " +
                               self.logtext()[-2000:])

    def healthy(self):
        if self.proc.poll() is not None:
            raise RuntimeError("gitgate serve exited: " +
                               self.logtext()[-2000:])
        try:
            return self.get("/healthz", timeout=2)[0] == 200
        except (OSError, http.client.HTTPException):
            return False

    def logtext(self):
        self.log.flush()
        with open(self.logpath, errors="replace") as f:
            return f.read()

    def context(self):
        """A client context trusting the test CA (made once: loading it
        costs more than a handshake)."""
        if getattr(self, "_ctx", None) is None:
            if self.verify:
                self._ctx = ssl.create_default_context(
                    cafile=f"{self.certs}/ca.crt")
            else:
                self._ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                self._ctx.check_hostname = False
                self._ctx.verify_mode = ssl.CERT_NONE
        return self._ctx

    def conn(self, timeout=10):
        return http.client.HTTPSConnection(
            "localhost", self.port, context=self.context(), timeout=timeout)

    def request(self, method, path, body=None, headers=None, conn=None,
                timeout=10):
        c = conn or self.conn(timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
        finally:
            if conn is None:
                c.close()
        return r.status, data

    def get(self, path, timeout=10):
        return self.request("GET", path, timeout=timeout)

    def post(self, body, conn=None, timeout=10, path="/validate"):
        """POST raw bytes as JSON; returns (status, body bytes)."""
        return self.request("POST", path, body,
                            {"Content-Type": "application/json"}, conn,
                            timeout)

    def validate(self, doc, conn=None, timeout=10):
        """POST an AdmissionReview; (status, parsed JSON or raw bytes)."""
        st, data = self.post(json.dumps(doc).encode(), conn, timeout)
        try:
            return st, json.loads(data)
        except ValueError:
            return st, data

    def tcp(self, timeout=5):
        """A TCP connection, TCP_NODELAY as kube-apiserver's Go client:
        without it the first request after a TLS 1.3 handshake waits 40 ms
        for a delayed ACK."""
        s = socket.create_connection(("127.0.0.1", self.port),
                                     timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def tls(self, timeout=5):
        """A TLS socket, handshake done."""
        return self.context().wrap_socket(self.tcp(timeout),
                                          server_hostname="localhost")

    def metrics(self):
        st, body = self.get("/metrics")
        return body.decode() if st == 200 else ""

    def metric(self, prefix):
        """Sum of the samples whose line starts with prefix."""
        total = 0.0
        for line in self.metrics().splitlines():
            if line.startswith(prefix):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def fds(self):
        try:
            return len(os.listdir(f"/proc/{self.proc.pid}/fd"))
        except OSError:
            return -1

    def rss_kib(self, field="VmRSS"):
        """Resident KiB now, or its peak so far with field="VmHWM"."""
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith(field + ":"):
                        return int(line.split()[1])
        except OSError:
            pass
        return -1

    def sanitized(self):
        """1 if the process runs with AddressSanitizer (its quarantine
        keeps freed memory resident: RSS bounds must allow for it)."""
        try:
            with open(f"/proc/{self.proc.pid}/maps") as f:
                return "libasan" in f.read()
        except OSError:
            return False

    def cpu_seconds(self):
        """User + system CPU time the process has used so far."""
        try:
            with open(f"/proc/{self.proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / \
                os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return -1.0

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Signal and wait; returns the exit code (-1 if it had to be killed)."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else -1
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            return -1

    def kill(self):
        """SIGKILL and reap."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)


def copy_policies(dst, reconciler_mode="enforce", broken=False):
    """The shipped policy files into dst, with reconciler-only in
    reconciler_mode; broken appends a document no loader accepts."""
    os.makedirs(dst, exist_ok=True)
    src = os.path.join(ROOT, "policies")
    for name in os.listdir(src):
        if not name.endswith((".yaml", ".yml")):
            continue
        with open(os.path.join(src, name)) as f:
            text = f.read()
        if name == "reconciler-only.yaml":
            text = text.replace("mode: enforce", f"mode: {reconciler_mode}")
            if broken:
                text += "\n---\nkind: Broken\n"
        with open(os.path.join(dst, name), "w") as f:
            f.write(text)


def kubelet_swap(root, version, fill):
    """Update root the way kubelet updates a ConfigMap or Secret volume:
    fill(dir) writes a new timestamped directory, then ..data is renamed
    onto it atomically; the top-level names are symlinks through ..data."""
    ts = os.path.join(root, f"..{version}")
    fill(ts)
    tmp = os.path.join(root, "..data_tmp")
    os.symlink(os.path.basename(ts), tmp)
    os.rename(tmp, os.path.join(root, "..data"))
    for name in os.listdir(ts):
        link = os.path.join(root, name)
        if not os.path.lexists(link):
            os.symlink(os.path.join("..data", name), link)
