#!/usr/bin/env python3
"""test_hostile.py - hostile clients against `gitgate serve` on 127.0.0.1.

Each case attacks one limit (slow clients, oversized or lying requests,
pathological JSON, bytes that are not TLS, abandoned handshakes, a flood of
idle connections, connection churn, regexes that backtrack) and asserts
that gitgate answers it as documented, that a healthy client on another
connection was served quickly meanwhile (a monitor thread), and that gitgate
still decides correctly afterwards. Also: the limit flags, requireBoundToken
through the server, and policy regexes that hit the PCRE2 limits.

The main server runs with --connection-timeout 2, --max-connections 50,
--first-request-timeout 3, --request-timeout 4, --body-wait-timeout 1.
Every wait is bounded; the suite takes well under a minute. Ends with
"hostile: N passed, N failed". Run from the repository root.
"""
import json
import os
import shutil
import socket
import ssl
import sys
import tempfile
import threading
import time
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "pylib"))
from harness import ROOT, Suite, gitgate  # noqa: E402
import reviews  # noqa: E402
import serving  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "bench"))
import mem_peak  # noqa: E402

S = Suite("hostile")
warnings.simplefilter("ignore", DeprecationWarning)
TMP = tempfile.mkdtemp(prefix="gitgate-hostile-")
CERTS = os.path.join(TMP, "certs")
TIMEOUT = 2          # --connection-timeout of the main server, seconds
MAX_CONN = 50        # --max-connections of the main server
FIRST_TIMEOUT = 3    # --first-request-timeout: handshake and first head
REQUEST_TIMEOUT = 4  # --request-timeout: a request, head to answer
BODY_WAIT = 1        # --body-wait-timeout: a body's wait for budget
SLACK = 2.0          # how late a timeout may fire, seconds
FAST = 1.0           # a healthy neighbour is answered within this


class Monitor:
    """A healthy client on its own connections, in a thread, while a case
    runs: one fresh TLS connection and one review per round."""

    def __init__(self, srv, pause=0.05):
        self.srv = srv
        self.pause = pause
        self.latencies = []
        self.errors = []
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        doc = reviews.review(reviews.deployment(), user=reviews.DEVELOPER)
        while not self.stop_flag.is_set():
            t0 = time.monotonic()
            try:
                st, r = self.srv.validate(doc, timeout=5)
                ok = st == 200 and r["response"]["allowed"] is False
                if not ok:
                    self.errors.append(f"status {st}: {str(r)[:200]}")
            except Exception as e:  # noqa: BLE001 - any failure counts
                self.errors.append(repr(e))
            self.latencies.append(time.monotonic() - t0)
            self.stop_flag.wait(self.pause)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        self.thread.join(10)

    def check(self, what):
        worst = max(self.latencies) if self.latencies else -1
        S.check(f"{what}: neighbour served during it ({len(self.latencies)} "
                f"requests, worst {worst:.3f} s)",
                self.latencies and not self.errors and worst < FAST,
                "; ".join(self.errors[:3]))


def correct_afterwards(srv, what):
    """gitgate still decides right: a person denied, Flux allowed."""
    try:
        st, r = srv.validate(reviews.review(reviews.deployment(),
                                            user=reviews.DEVELOPER))
        denied = st == 200 and r["response"]["allowed"] is False and \
            "[reconciler-only]" in r["response"]["status"]["message"]
        st2, r2 = srv.validate(reviews.review(reviews.deployment()))
        allowed = st2 == 200 and r2["response"]["allowed"] is True
    except Exception as e:  # noqa: BLE001
        denied, allowed, r = False, False, repr(e)
    S.check(f"{what}: gitgate decides correctly afterwards",
            denied and allowed and srv.alive(), str(r)[:300])


def closed_within(sock, seconds):
    """Seconds until the peer closed sock (EOF or reset), or None."""
    t0 = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - t0 < seconds:
        try:
            if sock.recv(65536) == b"":
                return time.monotonic() - t0
        except (socket.timeout, ssl.SSLWantReadError):
            continue
        except (ssl.SSLError, OSError):
            return time.monotonic() - t0
    return None


def read_response(sock, limit=5.0):
    """Read an HTTP/1.1 response from sock; (status, body bytes) or
    (None, b"") when the connection closed without one."""
    data = b""
    deadline = time.monotonic() + limit
    sock.settimeout(0.5)
    while time.monotonic() < deadline:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if sep:
            length = 0
            for line in head.split(b"\r\n")[1:]:
                k, _, v = line.partition(b":")
                if k.strip().lower() == b"content-length":
                    length = int(v.strip())
            if len(rest) >= length:
                return int(head.split(b" ")[1]), rest[:length]
        try:
            chunk = sock.recv(65536)
        except (socket.timeout, ssl.SSLWantReadError):
            continue
        except (ssl.SSLError, OSError):
            break
        if not chunk:
            break
        data += chunk
    return None, b""


def post_headers(length, extra=""):
    return (f"POST /validate HTTP/1.1\r\nHost: localhost\r\n"
            f"Content-Type: application/json\r\n{extra}"
            f"Content-Length: {length}\r\n\r\n").encode()


def client_hello():
    """The bytes of a TLS ClientHello, to send over a raw socket."""
    ctx = ssl.create_default_context(cafile=f"{CERTS}/ca.crt")
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def strict_json(data):
    """Parse bytes as RFC 8259 JSON (UTF-8, no NaN); None if it is not."""
    try:
        return json.loads(data.decode("utf-8"),
                          parse_constant=lambda c: (_ for _ in ()).throw(
                              ValueError(c)))
    except (UnicodeDecodeError, ValueError):
        return None


# ---------------------------------------------------------------- cases

def test_slowloris_headers(srv):
    body = json.dumps(reviews.review(reviews.deployment())).encode()
    head = post_headers(len(body))
    with Monitor(srv) as m:
        s = srv.tls()
        for i in range(0, len(head), 10):   # ~10 pieces, 0.25 s apart
            s.sendall(head[i:i + 10])
            time.sleep(0.25)
        s.sendall(body)
        st, data = read_response(s)
        s.close()
    r = strict_json(data) or {}
    S.check("slowloris headers (trickled under the idle timeout): answered "
            "200, allowed", st == 200 and
            r.get("response", {}).get("allowed") is True, (st, data[:200]))
    m.check("slowloris headers")
    correct_afterwards(srv, "slowloris headers")


def test_slowloris_body(srv):
    doc = reviews.review(reviews.deployment(image="nginx:latest"),
                         user=reviews.DEVELOPER)
    body = json.dumps(doc).encode()
    with Monitor(srv) as m:
        s = srv.tls()
        s.sendall(post_headers(len(body)))
        step = len(body) // 10 + 1
        for i in range(0, len(body), step):
            s.sendall(body[i:i + step])
            time.sleep(0.25)
        st, data = read_response(s)
        s.close()
    r = strict_json(data) or {}
    msg = r.get("response", {}).get("status", {}).get("message", "")
    S.check("slowloris body: the trickled review is decided (denied, both "
            "policies named)", st == 200 and "[immutable-images]" in msg and
            "[reconciler-only]" in msg, (st, data[:300]))
    m.check("slowloris body")
    correct_afterwards(srv, "slowloris body")


def test_stalled_clients(srv):
    """Clients that stop sending: a lying Content-Length, headers cut
    short, a TLS handshake abandoned after the ClientHello, and one that
    never says anything. Each is closed by --connection-timeout."""
    hello = client_hello()
    with Monitor(srv, pause=0.2) as m:
        cpu0 = srv.cpu_seconds()
        lying = srv.tls()
        lying.sendall(post_headers(10000) + b'{"apiVersion":"admission')
        half = srv.tls()
        half.sendall(b"POST /validate HTTP/1.1\r\nHost: localhost\r\nCont")
        shakes = []
        for _ in range(10):
            t = srv.tcp()
            t.sendall(hello)
            shakes.append(t)
        mute = [srv.tcp() for _ in range(5)]
        t0 = time.monotonic()
        results = {}

        def wait(name, sock):
            results[name] = closed_within(sock, TIMEOUT + SLACK + 1)

        waiters = [threading.Thread(target=wait, args=(n, s)) for n, s in
                   [("lying", lying), ("half", half)] +
                   [(f"hs{i}", x) for i, x in enumerate(shakes)] +
                   [(f"mute{i}", x) for i, x in enumerate(mute)]]
        for w in waiters:
            w.start()
        for w in waiters:
            w.join(TIMEOUT + SLACK + 5)
        took = time.monotonic() - t0
        cpu = srv.cpu_seconds() - cpu0
    for s in [lying, half] + shakes + mute:
        s.close()
    late = TIMEOUT + SLACK

    def ok(name):
        v = results.get(name)
        return v is not None and TIMEOUT - 0.5 <= v <= late

    S.check(f"lying Content-Length (10000 claimed, 24 sent): connection "
            f"closed after --connection-timeout {TIMEOUT} s",
            ok("lying"), results.get("lying"))
    S.check("headers cut short: closed after the timeout", ok("half"),
            results.get("half"))
    S.check("10 TLS handshakes abandoned after the ClientHello: all closed "
            "after the timeout", all(ok(f"hs{i}") for i in range(10)),
            {k: v for k, v in results.items() if k.startswith("hs")})
    S.check("5 silent TCP connections: closed after the timeout",
            all(ok(f"mute{i}") for i in range(5)),
            {k: v for k, v in results.items() if k.startswith("mute")})
    S.check("stalled clients: all gone within the bound", took <= late + 1,
            took)
    S.check(f"stalled clients do not spin a core: {cpu:.2f} s of CPU in "
            f"{took:.1f} s", 0 <= cpu < 0.5 * took, (cpu, took))
    m.check("stalled clients")
    correct_afterwards(srv, "stalled clients")


def test_abandoned_handshakes(srv):
    """Handshakes cut at every stage: mid-ClientHello, after reading the
    server's flight, with a forged record instead of the client's
    Finished (it fails to decrypt: the server must close at once)."""
    hello = client_hello()
    closed = 0
    with Monitor(srv) as m:
        for i in range(60):
            t = srv.tcp()
            stage = i % 3
            try:
                if stage == 0:
                    t.sendall(hello[:len(hello) // 2])
                elif stage == 1:
                    t.sendall(hello)
                    t.settimeout(2)
                    t.recv(16384)
                else:
                    t.sendall(hello)
                    t.settimeout(2)
                    t.recv(16384)
                    t.sendall(b"\x17\x03\x03\x00\x40" + os.urandom(64))
                    if closed_within(t, 2) is not None:
                        closed += 1
            except OSError:
                pass
            t.close()
    S.check("60 handshakes abandoned at three stages; garbage in place of "
            "the client's flight is answered by closing",
            closed == 20, closed)
    m.check("abandoned handshakes")
    correct_afterwards(srv, "abandoned handshakes")


def test_not_tls(srv):
    junk = [b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n",
            b"\x00" * 4096,
            os.urandom(65536),
            b"\x16\x03\x01\xff\xff" + os.urandom(2048),   # record too long
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"]
    times = []
    with Monitor(srv) as m:
        for j in junk:
            t = srv.tcp()
            try:
                t.sendall(j)
            except OSError:
                pass
            times.append(closed_within(t, TIMEOUT + SLACK))
            t.close()
    S.check("non-TLS bytes on the TLS port (plain HTTP, zeros, random, a "
            "bad record, HTTP/2 preface): each connection closed promptly",
            all(x is not None and x < 1.5 for x in times), times)
    m.check("non-TLS bytes")
    correct_afterwards(srv, "non-TLS bytes")


def test_huge_header(srv):
    with Monitor(srv) as m:
        s = srv.tls()
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Junk: " +
                  b"a" * (40 * 1024) + b"\r\n\r\n")
        st, _ = read_response(s)
        gone = closed_within(s, 3)
        s.close()
        s = srv.tls()
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n" +
                  b"".join(b"X-H%d: %s\r\n" % (i, b"b" * 1000)
                           for i in range(40)) + b"\r\n")
        st2, _ = read_response(s)
        s.close()
        s = srv.tls()
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Ok: " +
                  b"c" * (16 * 1024) + b"\r\n\r\n")
        st3, _ = read_response(s)
        s.close()
    S.check("a 40 KiB header (> --max-header-bytes 32 KiB): 431, then "
            "closed", st == 431 and gone is not None, (st, gone))
    S.check("40 headers of 1 KiB: 431", st2 == 431, st2)
    S.check("a 16 KiB header is within the default limit: 200", st3 == 200,
            st3)
    m.check("huge header")
    correct_afterwards(srv, "huge header")


def test_body_over_limit(srv):
    doc = json.dumps(reviews.review(reviews.deployment())).encode()
    pad = b" " * (6 * 1024 * 1024 + 1 - len(doc))
    with Monitor(srv) as m:
        # The Content-Length says so: refused before the body.
        s = srv.tls()
        t0 = time.monotonic()
        s.sendall(post_headers(len(doc) + len(pad)))
        st, _ = read_response(s)
        fast = time.monotonic() - t0
        s.close()
        # Chunked, no length announced: counted as it arrives.
        s = srv.tls()
        s.sendall(b"POST /validate HTTP/1.1\r\nHost: localhost\r\n"
                  b"Content-Type: application/json\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 65536
        try:
            for _ in range(7 * 16 + 1):
                s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            s.sendall(b"0\r\n\r\n")
        except OSError:
            pass
        st2, _ = read_response(s, 10)
        s.close()
    S.check("a body of 6 MiB + 1 announced: 413 before it is sent",
            st == 413 and fast < FAST, (st, fast))
    S.check("7 MiB chunked: 413", st2 == 413, st2)
    m.check("body over the limit")
    correct_afterwards(srv, "body over the limit")


def nest(depth, inner=b"1"):
    return b"[" * depth + inner + b"]" * depth


def test_deep_json(srv):
    with Monitor(srv) as m:
        t0 = time.monotonic()
        st, data = srv.post(nest(100000))
        took = time.monotonic() - t0
        st2, data2 = srv.post(b'{"a":' * 100000 + b"1" + b"}" * 100000)
        # A review whose deepest value is at depth 64 passes; 65 does not.
        doc = reviews.review(reviews.deployment())
        doc["request"]["options"]["x"] = "@"
        text = json.dumps(doc).encode()
        base = 3        # the review object, request, options
        ok = text.replace(b'"@"', nest(64 - base, b"0"))
        bad = text.replace(b'"@"', nest(65 - base, b"0"))
        st3, r3 = srv.post(ok)
        st4, data4 = srv.post(bad)
    r = strict_json(data) or {}
    S.check("JSON nested 100 000 deep: 400 'JSON nested deeper than 64'",
            st == 400 and r.get("kind") == "Status" and
            r.get("message", "").startswith("JSON nested deeper than 64"),
            (st, data[:200]))
    S.check("... answered fast (linear pre-scan)", took < FAST, took)
    S.check("objects nested 100 000 deep: 400", st2 == 400 and
            b"nested deeper than 64" in data2, (st2, data2[:200]))
    S.check("a review 64 deep: 200", st3 == 200, (st3, r3[:200]))
    S.check("a review 65 deep: 400", st4 == 400 and
            b"nested deeper than 64" in data4, (st4, data4[:200]))
    m.check("deep JSON")
    correct_afterwards(srv, "deep JSON")


def bad_string_bodies():
    """(name, body bytes, expected status) for strings gitgate must not
    misread: each is answered, with JSON that is valid UTF-8."""
    doc = reviews.review(reviews.deployment(image="ghcr.io/acme/web:1.4.2"))
    text = json.dumps(doc)
    img = '"ghcr.io/acme/web:1.4.2"'

    def with_image(raw):
        return text.replace(img, raw).encode("utf-8", "surrogateescape")

    return [
        ("\\u0000 in an image", with_image('"nginx:1.2.3\\u0000:latest"'),
         400),
        ("\\u0000 in the username", text.replace(
            "system:serviceaccount:flux-system:kustomize-controller",
            "alice\\u0000system:serviceaccount:flux-system:kustomize-"
            "controller").encode(), 400),
        ("raw NUL byte in a string", with_image('"nginx\x00:latest"'), 400),
        ("raw control byte in a string", with_image('"nginx\x1b:latest"'),
         400),
        ("invalid UTF-8 byte 0xff", with_image('"nginx:1.2.3"').replace(
            b"nginx:1.2.3", b"nginx:1.2.3\xff"), 400),
        ("overlong UTF-8 (0xc0 0xaf)", with_image('"x"').replace(
            b'"x"', b'"\xc0\xaf"'), 400),
        ("UTF-8 surrogate (0xed 0xa0 0x80)", with_image('"x"').replace(
            b'"x"', b'"\xed\xa0\x80"'), 400),
        ("truncated UTF-8 at the end", text.encode()[:-1] + b"\xe2\x82",
         400),
        ("lone surrogate escape \\ud800", with_image('"nginx\\ud800"'), 400),
        ("escaped control characters in the username", text.replace(
            "system:serviceaccount:flux-system:kustomize-controller",
            "al\\u001b[31mice\\r\\n\\u007f").encode(), 200),
        ("non-ASCII everywhere (valid UTF-8)", text.replace(
            '"web"', '"w\u00e9b-\u2603-\U0001f600"').encode("utf-8"), 200),
    ]


def long_findings_body():
    """Findings full of multi-byte text, more than the 2 KiB denial and the
    1 KiB annotations hold (fuzz_review found them cut mid-sequence)."""
    dep = reviews.deployment(labels={})
    dep["spec"]["template"]["spec"]["containers"] = [
        {"name": "\u00fc" * 40 + str(i), "image": "\u20ac" * 60 + ":latest"}
        for i in range(12)]
    doc = reviews.review(dep, user=reviews.DEVELOPER)
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def test_bad_strings(srv):
    results = []
    with Monitor(srv) as m:
        for name, body, want in bad_string_bodies():
            st, data = srv.post(body)
            results.append((name, want, st, data))
        long_st, long_data = srv.post(long_findings_body())
    for name, want, st, data in results:
        parsed = strict_json(data)
        S.check(f"{name}: {want}, the answer is valid UTF-8 JSON",
                st == want and parsed is not None, (st, data[:200]))
        if st == 200 and parsed is not None:
            resp = parsed["response"]
            msg = resp.get("status", {}).get("message", "")
            S.check(f"{name}: decided, message printable",
                    isinstance(resp.get("allowed"), bool) and
                    msg.isprintable(), msg[:200])
    r = strict_json(long_data) or {}
    resp = r.get("response", {})
    msg = resp.get("status", {}).get("message", "")
    S.check("findings of multi-byte text past the 2 KiB message: cut on a "
            "UTF-8 boundary with '...', the answer valid UTF-8 JSON",
            long_st == 200 and resp.get("allowed") is False and
            len(msg.encode()) <= 2047 and msg.endswith("...") and
            all(v.isprintable() for v in
                resp.get("auditAnnotations", {}).values()),
            (long_st, long_data[:300]))
    m.check("invalid UTF-8 and NUL")
    correct_afterwards(srv, "invalid UTF-8 and NUL")


def pod(containers, name="many"):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default",
                         "labels": dict(reviews.FLUX_LABELS)},
            "spec": {"containers": containers}}


def test_big_objects(srv):
    bad = [{"name": f"c{i}", "image": "nginx:latest"} for i in range(50000)]
    good = [{"name": f"c{i}", "image": "ghcr.io/acme/web:1.4.2"}
            for i in range(50000)]
    with Monitor(srv, pause=0.2) as m:
        t0 = time.monotonic()
        body = json.dumps(reviews.review(pod(bad))).encode()
        st, data = srv.post(body, timeout=20)
        took = time.monotonic() - t0
        body2 = json.dumps(reviews.review(pod(good))).encode()
        st2, data2 = srv.post(body2, timeout=20)
        huge = "ghcr.io/acme/" + "a" * (1024 * 1024) + ":1.0.0"
        body3 = json.dumps(reviews.review(reviews.deployment(image=huge),
                                          user=reviews.DEVELOPER)).encode()
        st3, data3 = srv.post(body3, timeout=20)
    r = strict_json(data) or {}
    resp = r.get("response", {})
    msg = resp.get("status", {}).get("message", "")
    S.check(f"50 000 containers ({len(body) // 1024} KiB, within the body "
            f"limit): answered 200 in {took:.2f} s, denied",
            st == 200 and resp.get("allowed") is False and took < 10,
            (st, data[:200]))
    S.check("... findings bounded: message <= 2 KiB, says how many more",
            0 < len(msg.encode()) <= 2048 and "more" in msg, msg[-200:])
    S.check("... audit annotations bounded",
            len(json.dumps(resp.get("auditAnnotations", {}))) <= 32 * 1024)
    r2 = strict_json(data2) or {}
    S.check("50 000 pinned containers: allowed", st2 == 200 and
            r2.get("response", {}).get("allowed") is True, data2[:200])
    r3 = strict_json(data3) or {}
    msg3 = r3.get("response", {}).get("status", {}).get("message", "")
    S.check("a 1 MiB image string: answered, denied, the image quoted "
            "short", st3 == 200 and r3["response"]["allowed"] is False and
            "[immutable-images]" in msg3 and len(msg3) <= 2048,
            (st3, msg3[:300]))
    m.check("big objects")
    correct_afterwards(srv, "big objects")


PRESSURE = 'gitgate_connections_closed_total{reason="pressure"}'


def still_open(socks):
    """How many of socks the server has not closed."""
    n = 0
    for x in socks:
        x.setblocking(False)
        try:
            if x.recv(1) != b"":
                n += 1
        except BlockingIOError:
            n += 1
        except OSError:
            pass
    return n


def test_idle_flood(srv):
    """Idle TCP connections (no TLS byte) past --max-connections: the
    oldest of them are closed to make room, so a fresh client, the probes
    and /metrics are served at once while the flooder holds on. (A few
    are refused when LISTENER_CLOSING_MAX closes are still in flight.)"""
    refused0 = srv.metric("gitgate_connections_refused_total")
    evicted0 = srv.metric(PRESSURE)
    flood = []
    for _ in range(4 * MAX_CONN):
        try:
            flood.append(srv.tcp())
        except OSError:
            break
    time.sleep(0.5)
    held = still_open(flood)
    S.check(f"{len(flood)} idle connections against --max-connections "
            f"{MAX_CONN}: at most the limit held ({held} held)",
            len(flood) == 4 * MAX_CONN and held <= MAX_CONN + 4, held)
    for what in ("/healthz", "/readyz", "/metrics"):
        t0 = time.monotonic()
        try:
            st = srv.get(what, timeout=3)[0]
        except (OSError, ssl.SSLError) as e:
            st = repr(e)
        took = time.monotonic() - t0
        S.check(f"idle flood held: a fresh client's GET {what} is served "
                f"({st} in {took:.2f} s)", st == 200 and took < FAST)
    t0 = time.monotonic()
    st, r = srv.validate(reviews.review(reviews.deployment()), timeout=3)
    S.check("idle flood held: a fresh review is decided within 1 s",
            st == 200 and time.monotonic() - t0 < FAST)
    evicted = srv.metric(PRESSURE) - evicted0
    refused = srv.metric("gitgate_connections_refused_total") - refused0
    S.check(f"the flood's oldest idle connections closed for room, counted "
            f"in {PRESSURE} ({evicted:.0f}; {refused:.0f} refused)",
            evicted + refused >= 3 * MAX_CONN - 8 and evicted >= MAX_CONN,
            (evicted, refused))
    S.check("closing under pressure logged at warn", '"connections_closed"'
            in srv.logtext() and '"level":"warn"' in srv.logtext())
    for x in flood:
        x.close()
    correct_afterwards(srv, "idle flood")


def test_duplicate_keys(srv):
    """A key twice in a request body: the API server's Go decoder keeps
    the last, so a reader of the first would pass x:latest as x:1.0.
    Answered 400, saying which key."""
    doc = json.dumps(reviews.review(reviews.deployment(image="x:1.0")))
    at = doc.index('"image": "x:1.0"') if '"image": "x:1.0"' in doc else \
        doc.index('"image":"x:1.0"')
    end = doc.index('"', doc.index("x:1.0", at)) + 1
    body = doc[:end] + ', "image": "x:latest"' + doc[end:]
    st, data = srv.post(body.encode())
    S.check(f"duplicate \"image\" key (x:1.0 then x:latest): 400 naming it "
            f"(got {st})", st == 400 and b'duplicate key \\"image\\"' in data,
            data[:300])
    correct_afterwards(srv, "duplicate keys")


def framing_cases():
    head = ("POST /validate HTTP/1.1\r\nHost: localhost\r\n"
            "Content-Type: application/json\r\n")
    chunked = b"5\r\n{\"a\":\r\n"         # more would follow
    return [
        ("Content-Length: 1 with Transfer-Encoding: chunked", (400,),
         (head + "Content-Length: 1\r\nTransfer-Encoding: chunked\r\n"
          "\r\n").encode() + chunked),
        ("two Content-Lengths that differ (2, 3)", (400,),
         (head + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}")
         .encode()),
        ("Transfer-Encoding: gzip, chunked", (501,),
         (head + "Transfer-Encoding: gzip, chunked\r\n\r\n").encode() +
         chunked),
        ("Transfer-Encoding: identity", (501,),
         (head + "Transfer-Encoding: identity\r\n\r\n{}").encode()),
        # libmicrohttpd answers this one itself (500); what matters is
        # that it is answered at once and the connection closed.
        ("a 100 KiB chunk extension", (400, 413, 500),
         (head + "Transfer-Encoding: chunked\r\n\r\n2;" + "x" * 102400 +
          "\r\n{}\r\n0\r\n\r\n").encode()),
    ]


def test_framing(srv):
    """RFC 9112 section 6: a body whose length is ambiguous or in a coding
    we do not read is answered at once, none of it read, and the
    connection closed (request smuggling, the body budget's bypass)."""
    with Monitor(srv) as m:
        for what, want, raw in framing_cases():
            s = srv.tls()
            t0 = time.monotonic()
            try:
                s.sendall(raw)
            except (ssl.SSLError, OSError):
                pass    # answered and closed before all of it was sent
            st, data = read_response(s, TIMEOUT + SLACK)
            took = time.monotonic() - t0
            closed = closed_within(s, 1.0)
            s.close()
            S.check(f"framing: {what}: answered {'/'.join(map(str, want))} "
                    f"at once and the connection closed (got {st} in "
                    f"{took:.2f} s, closed: {closed is not None})",
                    st in want and took < FAST and closed is not None,
                    data[:120])
        s = srv.tls()
        body = json.dumps(reviews.review(reviews.deployment())).encode()
        s.sendall(post_headers(0).replace(b"Content-Length: 0",
                                          b"Transfer-Encoding: chunked") +
                  b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
        st, data = read_response(s)
        s.close()
        r = strict_json(data) or {}
        S.check("framing: a plain chunked review is still decided (allowed)",
                st == 200 and r.get("response", {}).get("allowed") is True,
                (st, data[:200]))
    m.check("framing")
    correct_afterwards(srv, "framing")


def big_review(kib):
    """A review of about kib KiB (an annotation pads it), allowed."""
    obj = reviews.deployment()
    obj["metadata"].setdefault("annotations", {})["pad"] = "x" * (kib * 1024)
    return json.dumps(reviews.review(obj)).encode()


def test_trickle(srv):
    """Bytes trickled just under --connection-timeout, forever: the head of
    a first request is cut at --first-request-timeout, a request (head and
    body) at --request-timeout, whatever keeps arriving."""
    body = big_review(1)
    head = post_headers(len(body))
    results = {}

    def trickle(name, sock, data, step):
        t0 = time.monotonic()
        for i in range(len(data)):
            try:
                sock.sendall(data[i:i + 1])
            except (ssl.SSLError, OSError):
                results[name] = time.monotonic() - t0
                return
            if closed_within(sock, step) is not None:
                results[name] = time.monotonic() - t0
                return
        results[name] = None

    with Monitor(srv, pause=0.2) as m:
        a = srv.tls()
        b = srv.tls()
        b.sendall(head)
        ts = [threading.Thread(target=trickle, args=("head", a, head,
                                                     TIMEOUT * 0.6)),
              threading.Thread(target=trickle, args=("body", b, body,
                                                     TIMEOUT * 0.6))]
        for t in ts:
            t.start()
        for t in ts:
            t.join(REQUEST_TIMEOUT + SLACK + 5)
    a.close()
    b.close()
    v = results.get("head")
    S.check(f"a head trickled a byte per {TIMEOUT * 0.6:.1f} s: closed at "
            f"--first-request-timeout {FIRST_TIMEOUT} s ({v})", v is not None
            and FIRST_TIMEOUT - 1 <= v <= FIRST_TIMEOUT + SLACK, v)
    v = results.get("body")
    S.check(f"a body trickled a byte per {TIMEOUT * 0.6:.1f} s: closed at "
            f"--request-timeout {REQUEST_TIMEOUT} s ({v})", v is not None
            and REQUEST_TIMEOUT - 1 <= v <= REQUEST_TIMEOUT + SLACK, v)
    closed = srv.metric('gitgate_connections_closed_total{reason="request"}')
    S.check("... counted as closed past the request deadline", closed >= 1,
            closed)
    m.check("trickle")
    correct_afterwards(srv, "trickle")


def test_stalled_chunked(srv):
    """The body budget's bypass: Content-Length: 1 with a chunked body
    (answered 400 at once now), and chunked uploads of 5 MiB that stall:
    a chunked body is counted against the budget as --max-body, so past
    --max-inflight-bytes the rest wait, and get 503 at
    --body-wait-timeout; peak RSS stays far under the Deployment's
    64 MiB."""
    n = 24
    chunk = b"%x\r\n%s\r\n" % (64 * 1024, b" " * (64 * 1024))
    results = []

    def client(cl):
        s = srv.tls(timeout=10)
        extra = "Content-Length: 1\r\n" if cl else ""
        try:
            s.sendall((f"POST /validate HTTP/1.1\r\nHost: localhost\r\n"
                       f"Content-Type: application/json\r\n{extra}"
                       f"Transfer-Encoding: chunked\r\n\r\n").encode())
            s.settimeout(0.5)
            for _ in range(80):                  # 5 MiB, then silence
                s.sendall(chunk)
        except (ssl.SSLError, OSError):
            pass
        results.append((cl, read_response(s, BODY_WAIT + SLACK + 2)[0]))
        s.close()

    base = srv.rss_kib("VmHWM")
    ts = [threading.Thread(target=client, args=(i % 2 == 0,))
          for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(30)
    peak = srv.rss_kib("VmHWM")
    with_cl = [st for cl, st in results if cl]
    plain = [st for cl, st in results if not cl]
    S.check(f"{n // 2} stalled chunked uploads with Content-Length: 1: all "
            f"answered 400", with_cl == [400] * (n // 2), with_cl)
    S.check(f"{n // 2} stalled chunked uploads of 5 MiB: past the budget "
            f"answered 503 at --body-wait-timeout, the rest at the "
            f"deadlines ({sorted(map(str, plain))})",
            plain.count(503) >= n // 2 - 3, plain)
    # AddressSanitizer's shadow and quarantine make RSS meaningless
    limit = 64 * 1024 if not srv.sanitized() else float("inf")
    S.check(f"peak RSS under those {n} uploads {peak // 1024} MiB (was "
            f"{base // 1024} MiB before) < {limit / 1024} MiB", 0 < peak <
            limit, peak)
    correct_afterwards(srv, "stalled chunked")


def test_body_wait():
    """Three stalled uploads (Content-Length 6000000, one byte, silence)
    with the default --connection-timeout: a 100 KiB review behind them
    in the budget's line is decided at --body-wait-timeout, well before
    the API server's 5 s, and the stalled upload waiting in line is
    answered 503."""
    srv = serving.Server(TMP, CERTS, "--body-wait-timeout", "1")
    try:
        stalled = []
        for _ in range(3):
            s = srv.tls()
            s.sendall(post_headers(6000000) + b"{")
            stalled.append(s)
        time.sleep(0.3)
        body = big_review(100)
        t0 = time.monotonic()
        try:
            st, r = srv.post(body, timeout=5)
        except (OSError, ssl.SSLError) as e:
            st, r = repr(e), b""
        took = time.monotonic() - t0
        S.check(f"body wait: a 100 KiB review behind 3 stalled 6 MB "
                f"uploads is decided in {took:.2f} s (< 3 s; the API server "
                f"gives up at 5 s)", st == 200 and took < 3, (st, r[:200]))
        sts = [read_response(s, 0.5)[0] for s in stalled]
        S.check(f"body wait: the stalled upload waiting in line is answered "
                f"503 ({sts})", 503 in sts, sts)
        for s in stalled:
            s.close()
    finally:
        S.check("body wait: SIGTERM: exit 0", srv.stop() == 0)


def test_flood_1500():
    """1,500 idle TCP connections against the default --max-connections
    (1000): a fresh client is served within 1 s and /readyz stays 200."""
    srv = serving.Server(TMP, CERTS)
    flood = []
    try:
        for _ in range(1500):
            try:
                flood.append(srv.tcp())
            except OSError:
                break
        time.sleep(0.5)
        worst, bad = 0.0, []
        for _ in range(5):
            t0 = time.monotonic()
            try:
                st = srv.get("/readyz", timeout=3)[0]
                st2, _ = srv.validate(reviews.review(reviews.deployment()),
                                      timeout=3)
            except (OSError, ssl.SSLError) as e:
                st, st2 = repr(e), None
            worst = max(worst, time.monotonic() - t0)
            if st != 200 or st2 != 200:
                bad.append((st, st2))
        S.check(f"{len(flood)} idle connections, --max-connections 1000: "
                f"/readyz 200 and a fresh review decided, 5 times (worst "
                f"{worst:.2f} s for both)", len(flood) == 1500 and not bad
                and worst < FAST, bad)
    finally:
        for x in flood:
            x.close()
        S.check("flood 1500: SIGTERM: exit 0", srv.stop() == 0)


DEPLOYMENT_LIMIT_MIB = 64     # manifests/base/deployment.yaml


def fake_cgroup(cpus, mib):
    d = os.path.join(TMP, f"cgroup-{cpus}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "cpu.max"), "w") as f:
        f.write(f"{cpus * 100000} 100000\n")
    with open(os.path.join(d, "memory.max"), "w") as f:
        f.write(f"{mib * 1024 * 1024}\n")
    return d


def test_memory_defaults():
    """The shipped Deployment's memory limit (64 MiB, no CPU limit) on
    nodes of 2, 8 and 16 CPUs (a fake cgroup and --threads): 1,000
    keep-alive connections plus 16 concurrent 3 MiB reviews, and 24
    stalled 5 MiB chunked uploads, stay under the limit with the defaults
    the memory model picks (before: one thread per CPU, 1000 connections,
    a malloc heap per thread: 97-158 MiB)."""
    body = mem_peak.big_body(3)
    env = dict(os.environ)
    for cpus in (2, 8, 16):
        env["GITGATE_CGROUP_ROOT"] = fake_cgroup(cpus, DEPLOYMENT_LIMIT_MIB)
        srv = serving.Server(TMP, CERTS, "--threads", str(cpus), env=env)
        try:
            held = mem_peak.keepalive(srv, 1000)
            sts = mem_peak.reviews_at_once(srv, body, 16)
            peak = srv.rss_kib("VmHWM") / 1024
            for c in held:
                c.close()
            # AddressSanitizer's shadow and quarantine: RSS means nothing
            limit = DEPLOYMENT_LIMIT_MIB if not srv.sanitized() else \
                float("inf")
            S.check(f"memory, {cpus} CPUs: 1,000 keep-alive connections + "
                    f"16 x 3 MiB reviews: all answered 200, peak "
                    f"{peak:.1f} MiB < {limit} MiB", sts == [200] * 16 and
                    peak < limit, (sts, peak))
            if cpus == 16:
                socks = mem_peak.stalled_chunked(srv, 24)
                peak = srv.rss_kib("VmHWM") / 1024
                for x in socks:
                    x.close()
                S.check(f"memory, {cpus} CPUs: then 24 stalled 5 MiB "
                        f"chunked uploads: peak {peak:.1f} MiB < {limit} "
                        f"MiB", peak < limit, peak)
            S.check(f"memory, {cpus} CPUs: the model is logged",
                    '"memory_model"' in srv.logtext() and
                    "memory limit 64.0 MiB" in srv.logtext())
        finally:
            S.check(f"memory, {cpus} CPUs: SIGTERM: exit 0",
                    srv.stop() == 0)


def test_churn(srv, n=2000, clients=4):
    """n short connections, each connect + TLS + one review + close, from
    a few clients in parallel, each one sequential."""
    fds0 = srv.fds()
    rss0 = srv.rss_kib()
    body = json.dumps(reviews.review(reviews.deployment())).encode()
    req = post_headers(len(body), "Connection: close\r\n") + body
    results = []

    def client(count):
        ok = 0
        for _ in range(count):
            try:
                with srv.tls() as t:
                    t.sendall(req)
                    st, data = read_response(t)
                    ok += st == 200 and b'"allowed":true' in data
            except OSError:
                pass
        results.append(ok)

    t0 = time.monotonic()
    threads = [threading.Thread(target=client, args=(n // clients,))
               for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    took = time.monotonic() - t0
    ok = sum(results)
    S.check(f"{n} short connections (connect, TLS, review, close; "
            f"{clients} clients): all answered ({ok}) in {took:.1f} s",
            ok == n, ok)
    open_now = serving.wait_for(
        lambda: srv.metric("gitgate_open_connections") <= 1, 3)
    S.check("... gitgate_open_connections back to 1 (this scrape)",
            open_now, srv.metric("gitgate_open_connections"))
    fds = serving.wait_for(lambda: srv.fds() <= fds0 + 2 and srv.fds(), 3)
    S.check(f"... no descriptor leaked ({fds0} before, {srv.fds()} after)",
            fds and fds <= fds0 + 2, (fds0, srv.fds()))
    rss = srv.rss_kib()
    # AddressSanitizer's quarantine (256 MiB) holds freed memory resident.
    bound = 300 * 1024 if srv.sanitized() else 32 * 1024
    S.check(f"... resident memory bounded ({rss0} KiB before, {rss} after, "
            f"bound +{bound} KiB)", 0 < rss < rss0 + bound, (rss0, rss))
    correct_afterwards(srv, "connection churn")


# -------------------------------------------------- limits and flags

def test_limit_flags():
    port = str(serving.free_port())
    base = ["serve", "--listen", f"127.0.0.1:{port}", "--tls-cert",
            f"{CERTS}/tls.crt", "--tls-key", f"{CERTS}/tls.key",
            "--policies", "policies"]
    for flag, bad in (("--max-header-bytes", "100"),
                      ("--max-header-bytes", "2097152"),
                      ("--max-json-depth", "0"),
                      ("--max-json-depth", "1001"),
                      ("--max-json-depth", "-5"),
                      ("--max-connections", "x")):
        rc, _, err = gitgate(*base, flag, bad, timeout=10)
        S.check(f"{flag} {bad}: exit 2 naming the flag", rc == 2 and
                flag[2:] in err, err)
    srv = serving.Server(TMP, CERTS, "--max-header-bytes", "8192",
                         "--max-json-depth", "6")
    try:
        s = srv.tls()
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-J: " +
                  b"a" * 10000 + b"\r\n\r\n")
        st, _ = read_response(s)
        s.close()
        S.check("--max-header-bytes 8192: a 10 000-byte header is 431",
                st == 431, st)
        st, data = srv.post(json.dumps(reviews.review(
            reviews.deployment())).encode())
        S.check("--max-json-depth 6: a Deployment review is 400 'nested "
                "deeper than 6'", st == 400 and
                b"JSON nested deeper than 6" in data, (st, data[:200]))
    finally:
        srv.stop()
    env = dict(os.environ, GITGATE_MAX_JSON_DEPTH="20",
               GITGATE_MAX_HEADER_BYTES="65536")
    srv = serving.Server(TMP, CERTS, env=env)
    try:
        st, data = srv.post(nest(21))
        S.check("GITGATE_MAX_JSON_DEPTH=20: 21 deep is 400 'deeper than 20'",
                st == 400 and b"deeper than 20" in data, (st, data[:200]))
        s = srv.tls()
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-J: " +
                  b"a" * 40000 + b"\r\n\r\n")
        st, _ = read_response(s)
        s.close()
        S.check("GITGATE_MAX_HEADER_BYTES=65536: a 40 000-byte header is "
                "200", st == 200, st)
    finally:
        srv.stop()


# ------------------------------------------------------ policy side

def write_policies(d, docs):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "p.yaml"), "w") as f:
        f.write(docs)


PATHOLOGICAL = """\
apiVersion: gitgate.io/v1alpha1
kind: ImagePolicy
metadata:
  name: slow-tags
spec:
  mode: {mode}
  allowedTags: ['^(a+)+$', '^v\\d+$']
---
apiVersion: gitgate.io/v1alpha1
kind: SourcePolicy
metadata:
  name: slow-source
spec:
  mode: {mode}
  markers:
    - name: repo
      annotations:
        - key: gitgate.io/source
          value: '^(\\w+\\s?)*$'
"""


def test_pathological_regex():
    d = os.path.join(TMP, "patho")
    write_policies(d, PATHOLOGICAL.format(mode="enforce"))
    rc, out, err = gitgate("lint", "--policies", d)
    S.check("lint: a catastrophic allowedTags regex is warned about with "
            "file:line:col", rc == 0 and
            f"{d}/p.yaml:7:17: warning: spec.allowedTags[0]: regex may "
            "backtrack catastrophically" in err, err)
    S.check("lint: a catastrophic marker value regex is warned about",
            f"{d}/p.yaml:19:18: warning: spec.markers[0].annotations[0]."
            "value: regex may backtrack catastrophically" in err, err)
    S.check("lint: the harmless regex is not", "allowedTags[1]" not in err,
            err)
    dep = reviews.deployment(image="ghcr.io/acme/web:" + "a" * 40 + "b")
    dep["metadata"]["annotations"] = {"gitgate.io/source":
                                      "word " * 30 + "!"}
    doc = reviews.review(dep)
    srv = serving.Server(TMP, CERTS, policies=d)
    try:
        t0 = time.monotonic()
        st, r = srv.validate(doc)
        took = time.monotonic() - t0
        resp = r.get("response", {}) if st == 200 else {}
        msg = resp.get("status", {}).get("message", "")
        S.check("regex limit hit on a tag: denied, fail closed, 'cannot "
                "evaluate: ... regex match limit exceeded'",
                resp.get("allowed") is False and
                "[slow-tags] cannot evaluate: container \"web\" image" in msg
                and "cannot check tag: regex match limit exceeded" in msg,
                msg)
        S.check("regex limit hit on a marker value: denied with the reason",
                "[slow-source] cannot evaluate: cannot check marker repo: "
                "regex match limit exceeded" in msg, msg)
        S.check(f"... bounded: answered in {took:.3f} s", took < FAST)
        S.check("... counted as result=\"error\"",
                srv.metric('gitgate_policy_results_total{policy="slow-tags",'
                           'mode="enforce",result="error"}') == 1)
        with Monitor(srv) as m:
            for _ in range(20):
                srv.validate(doc)
        m.check("20 requests hitting the regex limit")
    finally:
        srv.stop()
    write_policies(d, PATHOLOGICAL.format(mode="audit"))
    path = os.path.join(TMP, "patho.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    rc, out, err = gitgate("review", "--policies", d, path)
    r = json.loads(out) if rc == 0 else {}
    warns = r.get("response", {}).get("warnings", [])
    S.check("audit mode: allowed, the limit hit is a warning",
            rc == 0 and r["response"]["allowed"] is True and
            any(w.startswith("[slow-tags] cannot evaluate") for w in warns),
            out + err)


# ------------------------------------------------ identity hardening

def bound_extra():
    return {"authentication.kubernetes.io/credential-id":
            ["JTI=2f6c1b7e-5d4a-4c3b-9e8f-7a6b5c4d3e2f"],
            "authentication.kubernetes.io/node-name": ["worker-1"],
            "authentication.kubernetes.io/pod-name":
            ["kustomize-controller-6bc5d5b8f9-qzx4m"],
            "authentication.kubernetes.io/pod-uid":
            ["671953e7-af46-4ac2-9e26-17e804b92fa9"]}


def test_bound_token():
    d = os.path.join(ROOT, "test", "data", "policies-bound")
    srv = serving.Server(TMP, CERTS, policies=d)
    try:
        imp = reviews.review(reviews.deployment())   # kubectl --as: no extra
        st, r = srv.validate(imp)
        msg = r["response"].get("status", {}).get("message", "") \
            if st == 200 else ""
        S.check("requireBoundToken: an impersonated reconciler is denied, "
                "saying why", st == 200 and r["response"]["allowed"] is False
                and 'service account "flux-system:kustomize-controller" '
                'lacks a bound-token credential (impersonated?)' in msg, msg)
        real = reviews.review(reviews.deployment())
        real["request"]["userInfo"]["extra"] = bound_extra()
        st, r = srv.validate(real)
        S.check("requireBoundToken: the reconciler's pod-bound token is "
                "allowed", st == 200 and r["response"]["allowed"] is True, r)
        kcm = reviews.review(reviews.deployment(), user=(
            "system:serviceaccount:kube-system:deployment-controller",
            ["system:serviceaccounts", "system:serviceaccounts:kube-system",
             "system:authenticated"]), op="UPDATE",
            old=reviews.deployment())
        kcm["request"]["userInfo"]["extra"] = {
            "authentication.kubernetes.io/credential-id": ["JTI=77"]}
        st, r = srv.validate(kcm)
        S.check("requireBoundToken: a controller's TokenRequest token (JTI "
                "only) is allowed", st == 200 and
                r["response"]["allowed"] is True, r)
        x509 = reviews.review(reviews.deployment())
        x509["request"]["userInfo"]["extra"] = {
            "authentication.kubernetes.io/credential-id":
            ["X509SHA256=9f86d081884c7d659a2feaa0c55ad015"]}
        st, r = srv.validate(x509)
        S.check("requireBoundToken: a client certificate named like the "
                "service account is denied", st == 200 and
                r["response"]["allowed"] is False, r)
    finally:
        srv.stop()
    srv = serving.Server(TMP, CERTS)
    try:
        st, r = srv.validate(reviews.review(reviews.deployment()))
        S.check("shipped policies (requireBoundToken: false): the "
                "impersonated reconciler is allowed, as documented",
                st == 200 and r["response"]["allowed"] is True, r)
    finally:
        srv.stop()


def main():
    rc, err = serving.make_certs(CERTS)
    if rc != 0:
        S.check("gitgate certs", False, err)
        S.done()
    t_start = time.monotonic()
    srv = serving.Server(TMP, CERTS, "--connection-timeout", str(TIMEOUT),
                         "--max-connections", str(MAX_CONN),
                         "--first-request-timeout", str(FIRST_TIMEOUT),
                         "--request-timeout", str(REQUEST_TIMEOUT),
                         "--body-wait-timeout", str(BODY_WAIT))
    try:
        for case in (test_slowloris_headers, test_slowloris_body,
                     test_stalled_clients, test_abandoned_handshakes,
                     test_not_tls, test_huge_header, test_body_over_limit,
                     test_deep_json, test_bad_strings, test_big_objects,
                     test_framing, test_duplicate_keys, test_trickle, test_stalled_chunked,
                     test_idle_flood, test_churn):
            t0 = time.monotonic()
            try:
                case(srv)
            except Exception as e:  # noqa: BLE001 - report, go on
                S.check(f"{case.__name__}: ran", False, repr(e))
            print(f"  {case.__name__}: {time.monotonic() - t0:.1f} s")
            if not srv.alive():
                S.check("gitgate still running", False,
                        srv.logtext()[-2000:])
                break
        log = srv.logtext()
        S.check("no crash, sanitizer report or assertion in the log",
                not any(w in log for w in ("AddressSanitizer", "runtime "
                                           "error", "LeakSanitizer",
                                           "Assertion", "panic")),
                log[-2000:])
    finally:
        S.check("SIGTERM after all that: exit 0", srv.stop() == 0)
    for case in (test_limit_flags, test_pathological_regex,
                 test_bound_token, test_body_wait, test_flood_1500,
                 test_memory_defaults):
        t0 = time.monotonic()
        try:
            case()
        except Exception as e:  # noqa: BLE001
            S.check(f"{case.__name__}: ran", False, repr(e))
        print(f"  {case.__name__}: {time.monotonic() - t0:.1f} s")
    took = time.monotonic() - t_start
    S.check(f"the suite runs in under 60 s ({took:.1f} s)", took < 60)
    shutil.rmtree(TMP, ignore_errors=True)
    S.done()


if __name__ == "__main__":
    main()
