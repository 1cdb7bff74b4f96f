# A scriptable fake validating webhook for the stand-in's self-tests: HTTPS
# on 127.0.0.1 with a certificate for a service DNS name, recording every
# call (path, headers, SNI, ALPN, raw body, decoded AdmissionReview) and
# answering with whatever `respond(review) -> Reply` returns (allow by
# default). Runs in a thread of the test process.
import json
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Reply:
    def __init__(self, allowed=True, status=None, warnings=None, code=200,
                 body=None, delay=0.0, uid=None, extra=None, envelope=None):
        self.allowed = allowed
        self.status = status
        self.warnings = warnings
        self.code = code
        self.body = body            # raw bytes override
        self.delay = delay
        self.uid = uid              # override the echoed uid
        self.extra = extra or {}    # extra response fields
        self.envelope = envelope    # override apiVersion/kind


class Call:
    def __init__(self, method, path, headers, raw, sni, alpn):
        self.method = method
        self.path = path
        self.headers = headers
        self.raw = raw
        self.sni = sni
        self.alpn = alpn
        self.review = json.loads(raw)


class FakeWebhook:
    def __init__(self, cert, key):
        self.calls = []
        self.respond = lambda review: Reply()
        self.lock = threading.Lock()
        self._sni = threading.local()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        ctx.set_alpn_protocols(["h2", "http/1.1"])
        sni_seen = {}
        ctx.sni_callback = lambda s, name, c: sni_seen.__setitem__(
            id(s), name)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 30

            def log_message(self, *a):
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length")
                                          or 0))
                sock = self.connection
                call = Call("POST", self.path, dict(self.headers), raw,
                            sni_seen.get(id(sock)),
                            sock.selected_alpn_protocol())
                with fake.lock:
                    fake.calls.append(call)
                r = fake.respond(call.review)
                if r.delay:
                    time.sleep(r.delay)
                if r.body is not None:
                    data = r.body
                else:
                    req = call.review.get("request") or {}
                    resp = {"uid": req.get("uid") if r.uid is None
                            else r.uid, "allowed": r.allowed}
                    if r.status is not None:
                        resp["status"] = r.status
                    if r.warnings is not None:
                        resp["warnings"] = r.warnings
                    resp.update(r.extra)
                    env = r.envelope if r.envelope is not None else {
                        "apiVersion": call.review.get("apiVersion"),
                        "kind": "AdmissionReview"}
                    data = json.dumps(dict(env, response=resp)).encode()
                try:
                    self.send_response(r.code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass            # the caller gave up (timeout tests)

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

            def get_request(self):
                s, a = self.socket.accept()
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return ctx.wrap_socket(s, server_side=True,
                                       do_handshake_on_connect=False), a

            def handle_error(self, request, addr):
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.1},
                                       daemon=True)
        self.thread.start()

    def reset(self, respond=None):
        with self.lock:
            self.calls = []
        self.respond = respond or (lambda review: Reply())

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def closed_port():
    """A 127.0.0.1 port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
