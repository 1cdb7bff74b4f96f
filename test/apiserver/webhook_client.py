# The HTTPS client kube-apiserver uses to call a webhook: TLS verified
# against the caBundle only (no CN fallback) for server name <svc>.<ns>.svc,
# ALPN forced to http/1.1, keep-alive connections reused per endpoint, one
# overall deadline per call, gzip responses accepted. Failures raise
# CallError whose text is the Go error kube-apiserver would print after
# `failed to call webhook: `. It never dials anything but loopback.
import gzip
import http.client
import os
import socket
import ssl
import tempfile
import threading
import time

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class CallError(Exception):
    pass


_ctx_lock = threading.Lock()
_contexts = {}


def _context(ca_pem):
    with _ctx_lock:
        ctx = _contexts.get(ca_pem)
        if ctx is None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            ctx.check_hostname = True
            ctx.hostname_checks_common_name = False   # Go: SANs only
            if ca_pem:
                try:
                    ctx.load_verify_locations(cadata=ca_pem)
                except (ssl.SSLError, ValueError):
                    pass            # unusable caBundle: nothing is trusted
            else:
                ctx.load_default_certs()
            ctx.set_alpn_protocols(["http/1.1"])
            _contexts[ca_pem] = ctx
        return ctx


def _peer_names(dial, server_name):
    """SANs of the peer's certificate (for Go's hostname-mismatch text)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection(dial, timeout=2) as s, \
                ctx.wrap_socket(s, server_hostname=server_name) as t:
            der = t.getpeercert(binary_form=True)
        pem = ssl.DER_cert_to_PEM_cert(der)
        fd, path = tempfile.mkstemp(suffix=".pem")
        with os.fdopen(fd, "w") as f:
            f.write(pem)
        try:
            info = ssl._ssl._test_decode_cert(path)   # stdlib, no parser
        finally:
            os.unlink(path)
        return [v for k, v in info.get("subjectAltName", ())
                if k in ("DNS", "IP Address")]
    except Exception:
        return []


def _tls_error_text(err, dial, server_name):
    if isinstance(err, ssl.SSLCertVerificationError):
        code = getattr(err, "verify_code", 0)
        if code == 62:          # X509_V_ERR_HOSTNAME_MISMATCH
            names = _peer_names(dial, server_name)
            if not names:
                why = ("x509: certificate is not valid for any names, but "
                       "wanted to match " + server_name)
            else:
                why = "x509: certificate is valid for %s, not %s" % (
                    ", ".join(names), server_name)
        elif code in (9, 10):
            why = "x509: certificate has expired or is not yet valid"
        else:
            why = "x509: certificate signed by unknown authority"
        return "tls: failed to verify certificate: " + why
    reason = getattr(err, "reason", None) or str(err)
    return "remote error: tls: " + str(reason).lower().replace("_", " ")


class Pool:
    """Idle keep-alive connections per (dial address, server name, CA)."""

    IDLE_TIMEOUT = 90.0

    def __init__(self):
        self.lock = threading.Lock()
        self.idle = {}

    def _take(self, key):
        with self.lock:
            conns = self.idle.get(key) or []
            while conns:
                conn, since = conns.pop()
                if time.monotonic() - since < self.IDLE_TIMEOUT:
                    return conn
                conn.close()
        return None

    def _give(self, key, conn):
        with self.lock:
            self.idle.setdefault(key, []).append((conn, time.monotonic()))

    def close(self):
        with self.lock:
            for conns in self.idle.values():
                for conn, _ in conns:
                    conn.close()
            self.idle.clear()

    def post(self, url, dial, server_name, host_header, path, ca_pem, body,
             deadline):
        """POST body; returns (status, headers dict, body bytes)."""
        if dial[0] not in LOOPBACK:
            raise CallError('Post "%s": dial tcp: lookup %s: no such host'
                            % (url, dial[0]))
        key = (dial, server_name, ca_pem)
        conn = self._take(key)
        if conn is not None:
            try:
                return self._roundtrip(key, conn, url, host_header, path,
                                       body, deadline)
            except _Stale:
                pass            # Go retries a request on a dead idle conn
        conn = self._dial(url, dial, server_name, ca_pem, deadline)
        try:
            return self._roundtrip(key, conn, url, host_header, path, body,
                                   deadline)
        except _Stale as e:
            raise CallError('Post "%s": %s' % (url, e.args[0]))

    def _dial(self, url, dial, server_name, ca_pem, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise CallError('Post "%s": context deadline exceeded' % url)
        try:
            sock = socket.create_connection(dial, timeout=remaining)
        except socket.timeout:
            raise CallError('Post "%s": context deadline exceeded' % url)
        except ConnectionRefusedError:
            raise CallError('Post "%s": dial tcp %s:%d: connect: connection '
                            'refused' % (url, dial[0], dial[1]))
        except OSError as e:
            raise CallError('Post "%s": dial tcp %s:%d: %s' % (
                url, dial[0], dial[1], e.strerror or e))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)   # as Go
        try:
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            tls = _context(ca_pem).wrap_socket(sock,
                                               server_hostname=server_name)
        except socket.timeout:
            sock.close()
            raise CallError('Post "%s": context deadline exceeded' % url)
        except ssl.SSLError as e:
            sock.close()
            raise CallError('Post "%s": %s' % (
                url, _tls_error_text(e, dial, server_name)))
        except OSError as e:
            sock.close()
            raise CallError('Post "%s": %s' % (url, e.strerror or "EOF"))
        conn = http.client.HTTPConnection(dial[0], dial[1])
        conn.sock = tls
        return conn

    def _roundtrip(self, key, conn, url, host_header, path, body, deadline):
        sent = False
        try:
            conn.sock.settimeout(max(deadline - time.monotonic(), 0.001))
            conn.putrequest("POST", path, skip_host=True,
                            skip_accept_encoding=True)
            conn.putheader("Host", host_header)
            conn.putheader("User-Agent", "kube-apiserver-admission")
            conn.putheader("Content-Length", str(len(body)))
            conn.putheader("Accept", "application/json, */*")
            conn.putheader("Accept-Encoding", "gzip")
            conn.putheader("Content-Type", "application/json")
            conn.endheaders(body)
            sent = True
            resp = conn.getresponse()
            data = resp.read()
        except socket.timeout:
            conn.close()
            raise CallError('Post "%s": context deadline exceeded' % url)
        except (http.client.RemoteDisconnected, BrokenPipeError,
                ConnectionResetError, ssl.SSLEOFError,
                ssl.SSLZeroReturnError) as e:
            conn.close()
            if not isinstance(e, (BrokenPipeError, ConnectionResetError)) \
                    or not sent:
                raise _Stale("EOF")
            raise _Stale("read: connection reset by peer")
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            raise CallError('Post "%s": %s' % (url, e))
        headers = {k.lower(): v for k, v in resp.getheaders()}
        if headers.get("content-encoding", "").lower() == "gzip":
            try:
                data = gzip.decompress(data)
            except OSError as e:
                conn.close()
                raise CallError('Post "%s": gzip: %s' % (url, e))
        if resp.will_close:
            conn.close()
        else:
            self._give(key, conn)
        return resp.status, headers, data


class _Stale(Exception):
    pass
