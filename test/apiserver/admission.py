# Validating admission webhooks as kube-apiserver v1.32 runs them
# (k8s.io/apiserver pkg/admission/plugin/webhook): ShouldCallHook matching
# (namespaceSelector, objectSelector, rules incl. subresources and scope),
# AdmissionReview construction field for field, parallel calls with
# timeoutSeconds and failurePolicy, VerifyAdmissionResponse, ToStatusErr and
# the Warning header recorder (pkg/endpoints/filters/warning.go).
# matchConditions (CEL, a subset: cel.py) are evaluated after the rules and
# selectors matched (matchconditions.py). No mutating webhooks.
import json
import logging
import math
import os
import queue
import re
import threading
import time
import unicodedata
import uuid

import labels
import matchconditions
import resources
import status as st
import webhook_client

log = logging.getLogger("admission")
POOL = webhook_client.Pool()
DUMP_DIR = None                 # server.py --dump-reviews: keep every review
_dump_lock = threading.Lock()
_dump_count = [0]


def _dump(review, body):
    with _dump_lock:
        _dump_count[0] += 1
        n = _dump_count[0]
    r = review["request"]
    name = "%04d-%s-%s%s.json" % (n, r["operation"].lower(),
                                   r["resource"]["resource"],
                                   "-" + r["subResource"] if
                                   r.get("subResource") else "")
    with open(os.path.join(DUMP_DIR, name), "wb") as f:
        f.write(body)


# ---- warnings (pkg/endpoints/filters/warning.go, util/net/http.go) ----

class WarningRecorder:
    TOTAL_MAX = 4096
    PER_ITEM_MAX = 256

    def __init__(self):
        self.lock = threading.Lock()
        self.recorded = set()
        self.ordered = []
        self.headers = []
        self.written = 0
        self.truncating = False

    @staticmethod
    def header(text):
        """NewWarningHeader(299, "-", text), None when text is invalid."""
        if any(unicodedata.category(c) == "Cc" for c in text):
            return None
        return '299 - "%s"' % text.replace("\\", "\\\\").replace('"', '\\"')

    def add(self, text):
        if not isinstance(text, str) or not text:
            return
        with self.lock:
            if self.written >= self.TOTAL_MAX and self.truncating:
                return
            if text in self.recorded:
                return
            self.recorded.add(text)
            self.ordered.append(text)
            if self.truncating and len(text) > self.PER_ITEM_MAX:
                text = text[:self.PER_ITEM_MAX]
            h = self.header(text)
            if h is None:
                return
            if self.written + len(text) <= self.TOTAL_MAX or self.truncating:
                self.written += len(text)
                self.headers.append(h)
                return
            self.truncating = True
            self.written = 0
            self.headers = []
            for t in self.ordered:
                t = t[:self.PER_ITEM_MAX]
                h = self.header(t)
                if h is None:
                    continue
                if self.written + len(t) > self.TOTAL_MAX:
                    return
                self.written += len(t)
                self.headers.append(h)


# ---- request attributes ----

class Attributes:
    """admission.Attributes of one request, as the webhook will see it."""

    def __init__(self, res, operation, name, namespace, obj, old_obj, user,
                 dry_run, options, subresource=""):
        self.res = res
        self.operation = operation
        self.name = name
        # For a Namespace object the namespace attribute is its own name.
        self.namespace = name if res.plural == "namespaces" and \
            not subresource else (namespace or "")
        self.obj = obj
        self.old_obj = old_obj
        self.user = user
        self.dry_run = dry_run
        self.options = options
        self.subresource = subresource
        self.kind = resources.SCALE_GVK if subresource == "scale" \
            else res.gvk()


# ---- matching (generic/webhook.go ShouldCallHook) ----

def _split_resource(r):
    return tuple(r.split("/", 1)) if "/" in r else (r, "")


def rule_matches(rule, a):
    scope = rule.get("scope") or "*"
    is_ns = a.res.plural == "namespaces" and a.res.group == ""
    if scope == "Namespaced" and (is_ns or not a.namespace):
        return False
    if scope == "Cluster" and not (is_ns or not a.namespace):
        return False
    ops = rule.get("operations") or []
    if "*" not in ops and a.operation not in ops:
        return False
    groups = rule.get("apiGroups") or []
    if "*" not in groups and a.res.group not in groups:
        return False
    versions = rule.get("apiVersions") or []
    if "*" not in versions and a.res.version not in versions:
        return False
    for r in rule.get("resources") or []:
        res, sub = _split_resource(r)
        if (res == "*" or res == a.res.plural) and \
                (sub == "*" or sub == a.subresource):
            return True
    return False


def _labels_of(obj):
    if not isinstance(obj, dict):
        return None
    return (obj.get("metadata") or {}).get("labels") or {}


def namespace_matches(hook, a, store):
    sel = hook.get("namespaceSelector") or {}
    if not a.namespace and a.res.plural != "namespaces":
        return True                     # cluster-scoped always match
    if labels.selector_empty(sel):
        return True
    if a.res.plural == "namespaces" and a.res.group == "" and \
            not a.subresource:
        obj = a.obj if a.obj is not None else a.old_obj
        return labels.selector_matches(sel, _labels_of(obj))
    ns = store.get(resources.lookup("", "v1", "namespaces"), "", a.namespace)
    if ns is None:
        raise st.not_found("namespaces", "", a.namespace)
    return labels.selector_matches(sel, _labels_of(ns))


def object_matches(hook, a):
    sel = hook.get("objectSelector") or {}
    if labels.selector_empty(sel):
        return True
    for o in (a.obj, a.old_obj):
        lab = _labels_of(o)
        if lab is not None and labels.selector_matches(sel, lab):
            return True
    return False


def should_call(hook, a, store):
    ns_err = None
    try:
        if not namespace_matches(hook, a, store):
            return False
    except st.ApiError as e:
        ns_err = e
    if not object_matches(hook, a):
        return False
    if not any(rule_matches(r, a) for r in hook.get("rules") or []):
        return False
    if ns_err is not None:
        raise ns_err
    return matchconditions.evaluate(hook, a)


def matching_hooks(store, a):
    """[(hook)] of every ValidatingWebhookConfiguration, in name order."""
    if (a.res.group, a.res.plural) in resources.ADMISSION_EXEMPT:
        return []
    vwc = resources.lookup("admissionregistration.k8s.io", "v1",
                           "validatingwebhookconfigurations")
    items, _ = store.list(vwc)
    return [h for cfg in items for h in cfg.get("webhooks") or []
            if should_call(h, a, store)]


# ---- the AdmissionReview (request/admissionreview.go) ----

def user_info(user):
    u = {}
    for k in ("username", "uid", "groups", "extra"):
        if user.get(k):
            u[k] = user[k]
    return u


def review_version(hook):
    for v in hook.get("admissionReviewVersions") or []:
        if v in ("v1", "v1beta1"):
            return v
    return None


def build_review(a, version, uid):
    req = {"uid": uid, "kind": a.kind, "resource": a.res.gvr()}
    if a.subresource:
        req["subResource"] = a.subresource
    req["requestKind"] = a.kind
    req["requestResource"] = a.res.gvr()
    if a.subresource:
        req["requestSubResource"] = a.subresource
    if a.name:
        req["name"] = a.name
    if a.namespace:
        req["namespace"] = a.namespace
    req["operation"] = a.operation
    req["userInfo"] = user_info(a.user)
    req["object"] = a.obj
    req["oldObject"] = a.old_obj
    req["dryRun"] = bool(a.dry_run)
    req["options"] = a.options
    return {"kind": "AdmissionReview",
            "apiVersion": "admission.k8s.io/" + version, "request": req}


def go_json(value):
    """encoding/json output: compact, HTML-escaped, trailing newline."""
    s = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for c, e in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                 ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        s = s.replace(c, e)
    return (s + "\n").encode("utf-8")


def _gvk_string(obj):
    av = obj.get("apiVersion") if isinstance(obj.get("apiVersion"), str) \
        else ""
    kind = obj.get("kind") if isinstance(obj.get("kind"), str) else ""
    g, _, v = av.rpartition("/")
    return "%s/%s, Kind=%s" % (g, v, kind)


def verify_response(review, version, uid):
    """VerifyAdmissionResponse (validating): the response dict or raises
    ValueError with kube's text."""
    if not isinstance(review, dict):
        raise ValueError("webhook response was absent")
    if version == "v1":
        if review.get("apiVersion") != "admission.k8s.io/v1" or \
                review.get("kind") != "AdmissionReview":
            raise ValueError("expected webhook response of admission.k8s.io"
                             "/v1, Kind=AdmissionReview, got %s" %
                             _gvk_string(review))
    resp = review.get("response")
    if not isinstance(resp, dict):
        raise ValueError("webhook response was absent")
    if version == "v1" and resp.get("uid") != uid:
        raise ValueError('expected response.uid="%s", got "%s"' % (
            uid, resp.get("uid") or ""))
    if resp.get("patchType"):
        raise ValueError("validating webhook may not return "
                         "response.patchType")
    if resp.get("patch"):
        raise ValueError("validating webhook may not return response.patch")
    return resp


GENERIC_HTTP = {
    400: "the server rejected our request for an unknown reason",
    401: "the server has asked for the client to provide credentials",
    404: "the server could not find the requested resource",
    405: "the server does not allow this method on the requested resource",
    409: "the server reported a conflict",
    422: "the server rejected our request due to an error in our request",
    429: "the server has received too many requests and has asked us to "
         "try again later",
    503: "the server is currently unable to handle the request",
    504: "the server was unable to return a response in the time allotted, "
         "but may still be processing the request",
}


def _http_error_text(code, headers, body):
    """client-go's error for a non-2xx answer (NewGenericServerResponse)."""
    try:
        obj = json.loads(body)
        if isinstance(obj, dict) and obj.get("kind") == "Status" and \
                obj.get("message"):
            return obj["message"]
    except ValueError:
        pass
    text = body.decode("utf-8", "replace").strip() \
        if headers.get("content-type", "").startswith("text/") else "unknown"
    if code in (403, 415):
        return text
    if code in GENERIC_HTTP:
        return GENERIC_HTTP[code]
    if code >= 500:
        return ("an error on the server (%s) has prevented the request "
                "from succeeding" % json.dumps(text))
    return ("the server responded with the status code %d but did not "
            "return more information" % code)


class HookCallError(Exception):
    """ErrCallingWebhook: text is the part after `failed calling webhook`."""


class HookRejection(Exception):
    def __init__(self, api_error):
        super().__init__(api_error.message)
        self.api_error = api_error


def resolve(hook, services):
    """(url, dial, server_name, host_header, path) of a hook."""
    cc = hook.get("clientConfig") or {}
    svc = cc.get("service")
    if svc:
        name, ns = svc.get("name", ""), svc.get("namespace", "")
        port = svc.get("port", 443)
        path = svc.get("path") or "/"
        host = "%s.%s.svc" % (name, ns)
        url = "https://%s:%d%s" % (host, port, path)
        dial = services.get("%s.%s:%d" % (name, ns, port)) or \
            services.get("%s.%s" % (name, ns))
        return url, dial, host, "%s:%d" % (host, port), path, \
            'service "%s" not found' % name
    from urllib.parse import urlsplit
    u = urlsplit(cc.get("url") or "")
    port = u.port or 443
    path = u.path or "/"
    return (u.geturl(), (u.hostname or "", port), u.hostname or "",
            u.netloc, path, None)


def call_hook(hook, a, services, deadline, recorder):
    """callHook: raises HookCallError / HookRejection / st.ApiError."""
    if a.dry_run and hook.get("sideEffects") not in ("None",
                                                    "NoneOnDryRun"):
        raise st.bad_request('admission webhook "%s" does not support dry '
                             'run' % hook["name"])
    version = review_version(hook)
    if version is None:
        raise HookCallError("webhook does not accept known AdmissionReview "
                            "versions (v1, v1beta1)")
    uid = str(uuid.uuid4())
    review = build_review(a, version, uid)
    url, dial, server_name, host_header, path, no_svc = resolve(hook,
                                                                 services)
    timeout = min(float(hook.get("timeoutSeconds") or 10),
                  deadline - time.monotonic())
    call_deadline = time.monotonic() + max(timeout, 0)
    q = "?timeout=%ds" % max(math.ceil(timeout), 1)
    full = url + q
    if dial is None:
        raise HookCallError("failed to call webhook: Post \"%s\": %s"
                            % (full, no_svc))
    ca = (hook.get("clientConfig") or {}).get("caBundle") or ""
    try:
        import base64
        ca_pem = base64.b64decode(ca).decode("ascii", "replace") if ca \
            else ""
    except ValueError:
        ca_pem = ""
    body = go_json(review)
    if DUMP_DIR:
        _dump(review, body)
    log.info("calling webhook %s for %s %s %s/%s%s dryRun=%s user=%s",
             hook["name"], a.operation, a.res.plural, a.namespace, a.name,
             "/" + a.subresource if a.subresource else "", a.dry_run,
             a.user.get("username"))
    try:
        code, headers, data = POOL.post(full, dial, server_name, host_header,
                                        path + q, ca_pem, body,
                                        call_deadline)
    except webhook_client.CallError as e:
        raise HookCallError("failed to call webhook: %s" % e)
    if not 200 <= code < 300:
        raise HookCallError("failed to call webhook: %s"
                            % _http_error_text(code, headers, data))
    try:
        resp_review = json.loads(data)
    except ValueError as e:
        raise HookCallError("failed to call webhook: couldn't get "
                            "version/kind; json parse error: %s" % e)
    try:
        resp = verify_response(resp_review, version, uid)
    except ValueError as e:
        raise HookCallError("received invalid webhook response: %s" % e)
    for k, v in (resp.get("auditAnnotations") or {}).items():
        full_key = "%s/%s" % (hook["name"], k)
        if not re.match(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$", k) \
                or len(k) > 63:
            log.warning("Failed to set admission audit annotation %s to %s "
                        "for validating webhook %s", full_key, v,
                        hook["name"])
        else:
            log.info("audit annotation %s=%s", full_key, v)
    for w in resp.get("warnings") or []:
        recorder.add(w)
    if resp.get("allowed") is True:
        return
    raise HookRejection(to_status_err(hook["name"], resp.get("status")))


def to_status_err(name, result):
    """errors/statuserror.go ToStatusErr."""
    result = dict(result) if isinstance(result, dict) else {}
    code = result.get("code") if isinstance(result.get("code"), int) else 0
    if code < 400:
        code = 400
    denied = 'admission webhook "%s" denied the request' % name
    msg, reason = result.get("message") or "", result.get("reason") or ""
    if msg:
        msg = "%s: %s" % (denied, msg)
    elif reason:
        msg = "%s: %s" % (denied, reason)
    else:
        msg = denied + " without explanation"
    return st.ApiError(code, reason, msg, result.get("details"))


def validate(a, store, services, recorder, deadline):
    """Run every matching validating webhook in parallel; raise the first
    error received (st.ApiError), as the validating dispatcher does."""
    hooks = matching_hooks(store, a)
    if not hooks:
        return
    errors = queue.Queue()

    def run(hook):
        try:
            call_hook(hook, a, services, deadline, recorder)
        except HookRejection as e:
            log.info("rejected by webhook %s: %s", hook["name"],
                     e.api_error.message)
            errors.put(e.api_error)
        except HookCallError as e:
            text = 'failed calling webhook "%s": %s' % (hook["name"], e)
            if hook.get("failurePolicy") == "Ignore":
                log.warning("Failed calling webhook, failing open %s: %s",
                            hook["name"], text)
                return
            log.warning("Failed calling webhook, failing closed %s: %s",
                        hook["name"], text)
            errors.put(st.internal_error(text))
        except st.ApiError as e:
            errors.put(e)
        except Exception as e:          # a stand-in bug: fail closed, loudly
            log.exception("webhook dispatch crashed")
            errors.put(st.internal_error(str(e)))

    threads = [threading.Thread(target=run, args=(h,), daemon=True)
               for h in hooks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(deadline - time.monotonic(), 0) + 1)
    if not errors.empty():
        raise errors.get()
