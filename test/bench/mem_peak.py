#!/usr/bin/env python3
"""mem_peak.py - peak RSS (VmHWM) of `gitgate serve` under the worst cases
the hostile suite can make, for the memory model (README, Limits):

  conns   N keep-alive TLS connections that each completed a request and
          stay open, plus K concurrent 3 MiB reviews on fresh connections
  chunked N stalled chunked uploads of 5 MiB each (no final chunk)

usage: mem_peak.py conns|chunked [--conns N] [--reviews K] [--uploads N]
           [--env NAME=VALUE]... [-- SERVE_ARGS...]
Prints one JSON line: the case, its arguments, the defaults the server
logged at start, and peak_mib. Run from the repository root; every wait
is bounded.
"""
import json
import os
import socket
import ssl
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "pylib"))
import serving  # noqa: E402
import reviews  # noqa: E402


def big_body(mib):
    obj = reviews.deployment()
    obj["metadata"]["annotations"] = {
        f"a{i}": "v" * 1000 for i in range(mib * 1024)}
    return json.dumps(reviews.review(obj)).encode()


def keepalive(srv, n):
    """n TLS connections, one review each, kept open (the API server's;
    libmicrohttpd closes after a GET answered on its first call)."""
    out = []
    small = json.dumps(reviews.review(reviews.deployment())).encode()
    for _ in range(n):
        c = srv.conn(timeout=30)
        try:
            st, _ = srv.request("POST", "/validate", body=small, headers={
                "Content-Type": "application/json"}, conn=c, timeout=30)
            if st == 200:
                out.append(c)
        except OSError:
            c.close()
            break
    return out


def reviews_at_once(srv, body, k):
    sts = []
    gate = threading.Barrier(k)

    def one():
        c = srv.conn(timeout=60)
        try:
            gate.wait(10)
            st, _ = srv.request("POST", "/validate", body=body, headers={
                "Content-Type": "application/json"}, conn=c, timeout=60)
            sts.append(st)
        except Exception as e:  # noqa: BLE001 - recorded
            sts.append(repr(e)[:60])
        finally:
            c.close()
    ts = [threading.Thread(target=one) for _ in range(k)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    return sts


def stalled_chunked(srv, n):
    chunk = b"%x\r\n%s\r\n" % (64 * 1024, b" " * (64 * 1024))
    socks = []

    def one():
        s = srv.tls(timeout=10)
        socks.append(s)
        try:
            s.sendall(b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: "
                      b"application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            s.settimeout(3)
            for _ in range(80):
                s.sendall(chunk)
        except (OSError, ssl.SSLError):
            pass
    ts = [threading.Thread(target=one) for _ in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    return socks


def main():
    args = sys.argv[1:]
    serve_args = []
    if "--" in args:
        serve_args = args[args.index("--") + 1:]
        args = args[:args.index("--")]
    case = args[0]
    opts = {"--conns": 980, "--reviews": 16, "--uploads": 24}
    env = dict(os.environ)
    i = 1
    while i < len(args):
        if args[i] == "--env":
            k, _, v = args[i + 1].partition("=")
            env[k] = v
        else:
            opts[args[i]] = int(args[i + 1])
        i += 2
    tmp = tempfile.mkdtemp(prefix="gitgate-mem-")
    certs = os.path.join(tmp, "certs")
    serving.make_certs(certs)
    srv = serving.Server(tmp, certs, *serve_args, env=env)
    try:
        base = srv.rss_kib("VmHWM")
        if case == "conns":
            body = big_body(3)
            held = keepalive(srv, opts["--conns"])
            after_conns = srv.rss_kib("VmHWM")
            sts = reviews_at_once(srv, body, opts["--reviews"])
            res = {"conns": len(held), "reviews": opts["--reviews"],
                   "statuses": sorted(set(map(str, sts))),
                   "after_conns_mib": round(after_conns / 1024, 1)}
            for c in held:
                c.close()
        else:
            socks = stalled_chunked(srv, opts["--uploads"])
            time.sleep(0.5)
            res = {"uploads": opts["--uploads"]}
            for s in socks:
                s.close()
        start = [ln for ln in srv.logtext().splitlines()
                 if '"memory_model"' in ln]
        res.update({"case": case, "args": serve_args,
                    "start_mib": round(base / 1024, 1),
                    "peak_mib": round(srv.rss_kib("VmHWM") / 1024, 1),
                    "model": json.loads(start[0])["msg"] if start else None})
        print(json.dumps(res))
    finally:
        srv.stop()


if __name__ == "__main__":
    main()
