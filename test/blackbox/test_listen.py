#!/usr/bin/env python3
"""test_listen.py - the listen address the manifests ship serves both
address families: `--listen [::]:PORT` answers on 127.0.0.1 and on ::1 (an
EKS IPv6 pod has an IPv6 address only; an IPv4 cluster connects over IPv4;
gitgate clears IPV6_V6ONLY itself, the sysctl is not changed here), and
`127.0.0.1:PORT` stays IPv4 only.
Skips, saying so, where the machine has no IPv6 loopback. Ends with
`listen: N passed, N failed`."""
import http.client
import os
import re
import socket
import ssl
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "pylib"))
from harness import ROOT, Suite  # noqa: E402
from serving import Server, free_port, make_certs  # noqa: E402

S = Suite("listen")


class ListenServer(Server):
    def __init__(self, tmp, certs, listen_host, **kw):
        self.listen_host = listen_host
        super().__init__(tmp, certs, **kw)

    def argv(self):
        argv = super().argv()
        argv[argv.index("--listen") + 1] = "%s:%d" % (self.listen_host,
                                                       self.port)
        return argv


def readyz(host, port, ca):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.check_hostname = False
    c = http.client.HTTPSConnection(host, port, context=ctx, timeout=5)
    try:
        c.request("GET", "/readyz")
        return c.getresponse().status
    except OSError:
        return None
    finally:
        c.close()


def manifest_listen_host():
    with open(os.path.join(ROOT, "manifests/base/deployment.yaml")) as f:
        m = re.search(r"name: GITGATE_LISTEN\s+value: \"([^\"]+)\"", f.read())
    return m.group(1).rsplit(":", 1)[0] if m else None


def main():
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError as e:
        print("listen: skipped, no IPv6 loopback here (%s)" % e)
        S.done()
    host = manifest_listen_host()
    S.check("the Deployment listens on [::]", host == "[::]", host)
    with tempfile.TemporaryDirectory(prefix="gitgate-listen-") as tmp:
        certs = os.path.join(tmp, "certs")
        rc, err = make_certs(certs, "localhost", "127.0.0.1", "::1")
        if not S.check("certificates", rc == 0, err):
            S.done()
        ca = os.path.join(certs, "ca.crt")
        srv = ListenServer(tmp, certs, "[::]", port=free_port())
        try:
            S.check("[::]: /readyz over IPv4 127.0.0.1",
                    readyz("127.0.0.1", srv.port, ca) == 200)
            S.check("[::]: /readyz over IPv6 ::1",
                    readyz("::1", srv.port, ca) == 200)
        finally:
            srv.stop()
        srv = ListenServer(tmp, certs, "127.0.0.1", port=free_port())
        try:
            S.check("127.0.0.1: IPv4 answers",
                    readyz("127.0.0.1", srv.port, ca) == 200)
            S.check("127.0.0.1: IPv6 refused",
                    readyz("::1", srv.port, ca) is None)
        finally:
            srv.stop()
    S.done()


if __name__ == "__main__":
    main()
