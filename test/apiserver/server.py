#!/usr/bin/env python3
# A kube-apiserver v1.32 stand-in that real kubectl drives, for gitgate's
# end-to-end tests: HTTPS on 127.0.0.1 (HTTP/1.1, keep-alive, one thread per
# connection, TLS handshake in that thread), bearer-token authentication,
# URL routing to discovery.py / handlers.py, Status and Warning rendering.
# Everything is in memory; the listening port goes to --port-file.
# Usage: server.py --tls-cert F --tls-key F --token-file F --port-file F
#        [--service NAME.NS[:PORT]=127.0.0.1:PORT]... [--log F]
import argparse
import json
import logging
import os
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import admission  # noqa: E402
import auth  # noqa: E402
import authz  # noqa: E402
import discovery  # noqa: E402
import handlers  # noqa: E402
import resources  # noqa: E402
import status as st  # noqa: E402
import storage  # noqa: E402

log = logging.getLogger("apiserver")
MAX_BODY = 16 << 20
IDLE_TIMEOUT = 120           # seconds a kept-alive connection may idle
INITIAL_NAMESPACES = ("default", "kube-system", "kube-public",
                      "kube-node-lease", "flux-system", "gitgate-system",
                      "flagger-system")


class TLSServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, addr, handler, ssl_ctx, api, users):
        self.ssl_ctx = ssl_ctx
        self.api = api
        self.users = users
        super().__init__(addr, handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        # Go's net package sets TCP_NODELAY; without it headers and body,
        # written separately, stall on delayed ACKs (40 ms a response).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # The handshake runs lazily in the connection's own thread, so a
        # slow or broken client never blocks accept().
        return self.ssl_ctx.wrap_socket(sock, server_side=True,
                                        do_handshake_on_connect=False), addr

    def handle_error(self, request, client_address):
        log.debug("connection from %s ended with %s", client_address,
                  sys.exc_info()[1])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kube-apiserver-standin"
    timeout = IDLE_TIMEOUT

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    # ---- plumbing ----

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks, total = [], 0
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                total += size
                if total > MAX_BODY:
                    raise st.ApiError(413, "RequestEntityTooLarge",
                                      "Request entity too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            raise st.ApiError(413, "RequestEntityTooLarge",
                              "Request entity too large: limit is %d" %
                              MAX_BODY)
        return self.rfile.read(n) if n else b""

    def _send(self, code, body, ctype="application/json", warnings=()):
        data = body if isinstance(body, bytes) else \
            json.dumps(body, separators=(",", ":")).encode() + b"\n"
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Cache-Control", "no-cache, private")
        for w in warnings:
            # Go writes header bytes as they are (UTF-8); http.server
            # encodes latin-1, so hand it the UTF-8 bytes as latin-1 text.
            self.send_header("Warning", w.encode("utf-8").decode("latin-1"))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _serve(self):
        start = time.monotonic()
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        recorder = admission.WarningRecorder()
        user = None
        code = 500
        try:
            body = self._read_body()
            if url.path in ("/healthz", "/livez", "/readyz"):
                code = 200
                self._send(200, b"ok", "text/plain; charset=utf-8")
                return
            user = auth.authenticate(self.server.users,
                                     self.headers.get("Authorization"))
            if user is None:
                raise st.unauthorized()
            real = user
            user = auth.impersonate(user, self.headers)
            if user is None:
                user = real
                raise st.forbidden(
                    "users", "", self.headers.get("Impersonate-User"),
                    'User "%s" cannot impersonate resource "users" in API '
                    'group "" at the cluster scope' % real["username"])
            req = handlers.Request(self.command, query, self.headers, body,
                                   user, recorder,
                                   handlers.deadline_from(query))
            code, out, ctype = self._route(url.path, req)
            self._send(code, out, ctype, recorder.headers)
        except st.ApiError as e:
            code = e.code
            self._send(e.code, e.body(), warnings=recorder.headers)
        except (ConnectionError, ssl.SSLError, socket.timeout):
            raise
        except Exception as e:      # a stand-in bug: say so, as a 500
            log.exception("handler crashed")
            err = st.internal_error(repr(e))
            code = 500
            self._send(500, err.body(), warnings=recorder.headers)
        finally:
            log.info("%s %s %s user=%s %d %.1fms",
                     self.command, url.path,
                     url.query, (user or {}).get("username", "-"), code,
                     (time.monotonic() - start) * 1000)

    # ---- routing ----

    def _route(self, path, req):
        api = self.server.api
        json_ct = "application/json"
        accept = self.headers.get("Accept") or ""
        segs = [urllib.parse.unquote(s) for s in path.strip("/").split("/")
                if s]
        if req.method not in ("GET", "HEAD") and (
                not segs or segs[0] not in ("api", "apis")):
            raise st.method_not_supported("", "", req.method.lower())
        if path == "/version":
            return 200, discovery.VERSION, json_ct
        if path in ("/api", "/apis"):
            core = path == "/api"
            if discovery.wants_aggregated(accept):
                return 200, discovery.aggregated(core), \
                    discovery.AGGREGATED_CT
            if core:
                host = "127.0.0.1:%d" % self.server.server_address[1]
                return 200, discovery.legacy_api(host), json_ct
            return 200, discovery.legacy_groups(), json_ct
        if segs[:2] == ["openapi", "v3"]:
            if len(segs) == 2:
                return 200, discovery.openapi_root(), json_ct
            rest = segs[2:]
            g, v = ("", rest[1]) if rest[0] == "api" and len(rest) == 2 \
                else (rest[1], rest[2]) if rest[0] == "apis" and \
                len(rest) == 3 else (None, None)
            doc = discovery.openapi_gv(g, v) if v else None
            if doc is None:
                raise st.path_not_found()
            return 200, doc, json_ct
        if not segs or segs[0] not in ("api", "apis"):
            raise st.path_not_found()
        if segs[0] == "api":
            group, rest = "", segs[1:]
        else:
            group, rest = (segs[1] if len(segs) > 1 else ""), segs[2:]
        if not rest:
            raise st.path_not_found()
        version, rest = rest[0], rest[1:]
        if not rest:
            if req.method != "GET":
                raise st.method_not_supported("", group, req.method.lower())
            rl = discovery.resource_list(group, version)
            if rl is None:
                raise st.path_not_found()
            return 200, rl, json_ct
        ns = ""
        if rest[0] == "namespaces" and len(rest) >= 3 and \
                resources.lookup(group, version, rest[2]) is not None and \
                resources.lookup(group, version, rest[2]).namespaced:
            ns, rest = rest[1], rest[2:]
        res = resources.lookup(group, version, rest[0])
        if res is None or len(rest) > 3 or (res.namespaced and not ns and
                                            len(rest) > 1):
            raise st.path_not_found()
        m = req.method
        if res.plural == "selfsubjectaccessreviews":
            if m != "POST" or len(rest) != 1:
                raise st.method_not_supported(res.plural, res.group,
                                              m.lower())
            body = api.decode_body(req)
            return 201, authz.self_subject_access_review(req.user, body), \
                json_ct
        authz.authorize(req.user, res, authz.verb_of(m, len(rest) > 1), ns,
                        rest[1] if len(rest) > 1 else "",
                        rest[2] if len(rest) > 2 else "")
        if len(rest) == 1:
            if m == "GET":
                code, out = api.list(req, res, ns or None)
            elif m == "POST" and (ns or not res.namespaced):
                code, out = api.create(req, res, ns)
            else:
                raise st.method_not_supported(res.plural, res.group,
                                              m.lower())
        elif len(rest) == 2:
            name = rest[1]
            fn = {"GET": api.get, "PUT": api.update, "PATCH": api.patch,
                  "DELETE": api.delete}.get(m)
            if fn is None:
                raise st.method_not_supported(res.plural, res.group,
                                              m.lower())
            code, out = fn(req, res, ns, name)
        else:
            code, out = api.subresource(req, res, ns, rest[1], rest[2])
        if isinstance(out, dict) and out.get("kind") == "Table":
            return code, out, "application/json;as=Table;v=v1;" \
                "g=meta.k8s.io"
        return code, out, json_ct


def bootstrap(api):
    """The namespaces every cluster (and the e2e story) starts with."""
    ns_res = resources.lookup("", "v1", "namespaces")
    sys_user = {"username": "system:apiserver", "groups":
                ["system:masters", "system:authenticated"]}
    for name in INITIAL_NAMESPACES:
        req = handlers.Request("POST", {}, {"User-Agent":
                                            "kube-apiserver/v1.32.4"},
                               b"", sys_user, admission.WarningRecorder(),
                               time.monotonic() + 5)
        api.create(req, ns_res, "", {"apiVersion": "v1", "kind":
                                     "Namespace",
                                     "metadata": {"name": name}})


def parse_services(specs):
    out = {}
    for spec in specs:
        for item in filter(None, (s.strip() for s in spec.split(","))):
            key, _, target = item.partition("=")
            host, _, port = target.rpartition(":")
            if not key or not host or not port.isdigit():
                raise ValueError("bad --service %r, want "
                                 "NAME.NS[:PORT]=HOST:PORT" % item)
            out[key] = (host, int(port))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--tls-cert", required=True)
    p.add_argument("--tls-key", required=True)
    p.add_argument("--token-file", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--listen", default="127.0.0.1:0")
    p.add_argument("--service", action="append", default=[],
                   help="NAME.NS[:PORT]=127.0.0.1:PORT (also env "
                        "APISERVER_SERVICES, comma-separated)")
    p.add_argument("--bound-sa-extras", action="store_true",
                   help="give service-account users the extra of bound "
                        "tokens (credential-id, pod/node)")
    p.add_argument("--log", help="log file (default stderr)")
    p.add_argument("--dump-reviews", metavar="DIR",
                   help="write every AdmissionReview sent into DIR")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    logging.basicConfig(
        filename=args.log, level=logging.DEBUG if args.verbose else
        logging.INFO, format="%(asctime)s %(name)s %(levelname)s "
        "%(message)s")
    services = parse_services(args.service + [os.environ.get(
        "APISERVER_SERVICES", "")])
    users = auth.load_tokens(args.token_file, args.bound_sa_extras)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.tls_cert, args.tls_key)
    ctx.set_alpn_protocols(["http/1.1"])
    if args.dump_reviews:
        os.makedirs(args.dump_reviews, exist_ok=True)
        admission.DUMP_DIR = args.dump_reviews
    api = handlers.Api(storage.Store(), services)
    bootstrap(api)
    host, _, port = args.listen.rpartition(":")
    if host not in ("127.0.0.1", "localhost"):
        p.error("--listen must be on 127.0.0.1")
    server = TLSServer((host, int(port)), Handler, ctx, api, users)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.replace(tmp, args.port_file)
    log.info("listening on https://%s:%d, services %s", host,
             server.server_address[1], services)

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.serve_forever(poll_interval=0.2)
    server.server_close()
    admission.POOL.close()
    log.info("stopped")


if __name__ == "__main__":
    main()
