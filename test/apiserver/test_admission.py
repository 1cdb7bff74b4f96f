# Self-tests of the kube-apiserver stand-in against a fake webhook: the
# AdmissionReview it builds for CREATE, UPDATE (PUT, patches), DELETE, the
# scale subresource, server-side apply and dry-run, field by field against
# shared/reference/kubernetes-admission.md §1-3; how it calls the webhook
# (path, query, headers, SNI, ALPN, caBundle); and how it renders denials,
# warnings, call failures and failurePolicy. Run by ./run (unittest).
import base64
import copy
import http.client
import json
import logging
import os
import re
import shutil
import ssl
import sys
import tempfile
import threading
import time
import unittest
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import certs  # noqa: E402
import fakewebhook  # noqa: E402
from fakewebhook import Reply  # noqa: E402
import handlers  # noqa: E402
import server  # noqa: E402
import auth  # noqa: E402
import storage  # noqa: E402

HOOK = "fake.test.io"
ENV = {}
USERS = [("admin", "kubernetes-admin", "admin-uid", "system:masters"),
         ("reconciler", "system:serviceaccount:flux-system:"
          "kustomize-controller", "7b5e6a52-1c3f-4a9e-8b7d-2f0c9e1d3a4b",
          "system:serviceaccounts,system:serviceaccounts:flux-system"),
         ("developer", "alice", "alice", "developers"),
         ("nogroups", "bob", "", ""),
         ("rscontroller", "system:serviceaccount:kube-system:"
          "replicaset-controller", "0f3c2b1a-5d6e-4f70-8a9b-c1d2e3f4a5b6",
          "system:serviceaccounts,system:serviceaccounts:kube-system"),
         ("node", "system:node:ip-10-0-0-1", "", "system:nodes")]


def setUpModule():
    logging.getLogger().addHandler(logging.NullHandler())
    d = tempfile.mkdtemp(prefix="apiserver-test-")
    ENV["dir"] = d
    api_certs = certs.make(os.path.join(d, "api"), ips=["127.0.0.1"])
    hook_certs = certs.make(os.path.join(d, "hook"),
                            dns=["fake.test.svc"], cn="fake")
    other = certs.make(os.path.join(d, "other"), dns=["fake.test.svc"],
                       cn="other")
    ENV["ca"] = open(hook_certs["ca.crt"], "rb").read()
    ENV["other_ca"] = open(other["ca.crt"], "rb").read()
    ENV["hook"] = fakewebhook.FakeWebhook(hook_certs["tls.crt"],
                                          hook_certs["tls.key"])
    ENV["down_port"] = fakewebhook.closed_port()
    tokens = os.path.join(d, "tokens.csv")
    with open(tokens, "w") as f:
        for tok, user, uid, groups in USERS:
            f.write('%s,%s,%s,"%s"\n' % (tok, user, uid, groups))
    services = {
        "fake.test": ("127.0.0.1", ENV["hook"].port),
        "down.test": ("127.0.0.1", ENV["down_port"]),
        # the real port, but dialled under another service name
        "other.test": ("127.0.0.1", ENV["hook"].port)}
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(api_certs["tls.crt"], api_certs["tls.key"])
    api = handlers.Api(storage.Store(), services)
    server.bootstrap(api)
    srv = server.TLSServer(("127.0.0.1", 0), server.Handler, ctx, api,
                           auth.load_tokens(tokens, bound_sa_extras=True))
    ENV["server"] = srv
    ENV["port"] = srv.server_address[1]
    ENV["client_ctx"] = ssl.create_default_context(
        cafile=api_certs["ca.crt"])
    threading.Thread(target=srv.serve_forever, kwargs={
        "poll_interval": 0.1}, daemon=True).start()


def tearDownModule():
    ENV["server"].shutdown()
    ENV["server"].server_close()
    ENV["hook"].stop()
    shutil.rmtree(ENV["dir"], ignore_errors=True)


def call(method, path, body=None, token="admin", ctype=None, headers=None):
    conn = http.client.HTTPSConnection("127.0.0.1", ENV["port"],
                                       context=ENV["client_ctx"],
                                       timeout=30)
    h = {"Authorization": "Bearer " + token,
         "User-Agent": "kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07"}
    if body is not None:
        h["Content-Type"] = ctype or "application/json"
        body = json.dumps(body).encode()
    h.update(headers or {})
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    warnings = [v for k, v in r.getheaders() if k.lower() == "warning"]
    return r.status, json.loads(data) if data else None, warnings


def webhook_config(**over):
    hook = {"name": HOOK,
            "clientConfig": {"service": {"namespace": "test",
                                         "name": "fake",
                                         "path": "/validate"},
                             "caBundle": base64.b64encode(
                                 ENV["ca"]).decode()},
            "rules": [{"apiGroups": ["apps"], "apiVersions": ["v1"],
                       "operations": ["CREATE", "UPDATE", "DELETE"],
                       "resources": ["deployments", "deployments/scale"]},
                      {"apiGroups": [""], "apiVersions": ["v1"],
                       "operations": ["*"], "resources": ["pods"]}],
            "sideEffects": "None", "admissionReviewVersions": ["v1"]}
    for k, v in over.items():
        if v is None:
            hook.pop(k, None)
        elif k == "service":
            hook["clientConfig"]["service"].update(v)
        else:
            hook[k] = v
    return {"apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingWebhookConfiguration",
            "metadata": {"name": "fake"}, "webhooks": [hook]}


VWC = "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations"
DEPLOY = "/apis/apps/v1/namespaces/default/deployments"


def install(**over):
    call("DELETE", VWC + "/fake")
    code, body, _ = call("POST", VWC, webhook_config(**over))
    assert code == 201, body
    ENV["hook"].reset()


def deployment(name, image="ghcr.io/stefanprodan/podinfo:6.5.0",
               labels=None):
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "labels": labels or {"app": name}},
            "spec": {"selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [
                                      {"name": "app", "image": image}]}}}}


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:6])


class Base(unittest.TestCase):
    def setUp(self):
        install()
        self.hook = ENV["hook"]

    def only_call(self):
        self.assertEqual(len(self.hook.calls), 1, [
            c.review["request"]["operation"] for c in self.hook.calls])
        return self.hook.calls[0]

    def create(self, name, token="reconciler", query=""):
        code, body, _ = call("POST", DEPLOY + query, deployment(name), token)
        self.assertEqual(code, 201, body)
        return body


class TestCreate(Base):
    def test_create_review_fields(self):
        name = unique("web")
        self.create(name, query="?fieldManager=kubectl-client-side-apply"
                    "&fieldValidation=Strict")
        c = self.only_call()
        # wire: compact Go JSON with a trailing newline, TypeMeta first
        self.assertTrue(c.raw.endswith(b"}\n"))
        self.assertNotIn(b": ", c.raw[:200])
        self.assertEqual(list(c.review), ["kind", "apiVersion", "request"])
        self.assertEqual(c.review["apiVersion"], "admission.k8s.io/v1")
        r = c.review["request"]
        self.assertEqual(list(r), [
            "uid", "kind", "resource", "requestKind", "requestResource",
            "name", "namespace", "operation", "userInfo", "object",
            "oldObject", "dryRun", "options"])
        self.assertEqual(uuid.UUID(r["uid"]).version, 4)
        gvk = {"group": "apps", "version": "v1", "kind": "Deployment"}
        gvr = {"group": "apps", "version": "v1", "resource": "deployments"}
        self.assertEqual(r["kind"], gvk)
        self.assertEqual(r["requestKind"], gvk)
        self.assertEqual(r["resource"], gvr)
        self.assertEqual(r["requestResource"], gvr)
        self.assertEqual((r["name"], r["namespace"], r["operation"]),
                         (name, "default", "CREATE"))
        self.assertIsNone(r["oldObject"])
        self.assertIs(r["dryRun"], False)
        self.assertEqual(r["options"], {
            "kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1",
            "fieldManager": "kubectl-client-side-apply",
            "fieldValidation": "Strict"})

    def test_create_object_is_defaulted_without_resource_version(self):
        name = unique("web")
        self.create(name)
        obj = self.only_call().review["request"]["object"]
        meta = obj["metadata"]
        self.assertEqual(list(obj)[:3], ["kind", "apiVersion", "metadata"])
        self.assertNotIn("resourceVersion", meta)
        self.assertEqual(uuid.UUID(meta["uid"]).version, 4)
        self.assertRegex(meta["creationTimestamp"],
                         r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(meta["generation"], 1)
        self.assertEqual(meta["managedFields"][0]["operation"], "Update")
        spec = obj["spec"]
        self.assertEqual((spec["replicas"], spec["revisionHistoryLimit"],
                          spec["progressDeadlineSeconds"]), (1, 10, 600))
        self.assertEqual(spec["strategy"], {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}})
        self.assertIsNone(spec["template"]["metadata"]["creationTimestamp"])
        c0 = spec["template"]["spec"]["containers"][0]
        self.assertEqual(c0["terminationMessagePath"], "/dev/termination-log")
        self.assertEqual(c0["imagePullPolicy"], "IfNotPresent")
        self.assertEqual(obj["status"], {})

    def test_uid_is_new_per_call(self):
        self.create(unique("a"))
        self.create(unique("b"))
        uids = {c.review["request"]["uid"] for c in self.hook.calls}
        self.assertEqual(len(uids), 2)

    def test_user_info(self):
        self.create(unique("web"))
        u = self.only_call().review["request"]["userInfo"]
        self.assertEqual(u["username"], "system:serviceaccount:flux-system:"
                         "kustomize-controller")
        self.assertEqual(u["uid"], "7b5e6a52-1c3f-4a9e-8b7d-2f0c9e1d3a4b")
        self.assertEqual(u["groups"], [
            "system:serviceaccounts", "system:serviceaccounts:flux-system",
            "system:authenticated"])
        self.assertRegex(u["extra"][
            "authentication.kubernetes.io/credential-id"][0], r"^JTI=")

    def test_user_without_groups_or_uid(self):
        self.create(unique("web"), token="nogroups")
        u = self.only_call().review["request"]["userInfo"]
        self.assertEqual(u, {"username": "bob",
                             "groups": ["system:authenticated"]})

    def test_http_request_to_webhook(self):
        self.create(unique("web"))
        c = self.only_call()
        self.assertEqual(c.path, "/validate?timeout=10s")
        self.assertEqual(c.headers["Host"], "fake.test.svc:443")
        self.assertEqual(c.headers["Content-Type"], "application/json")
        self.assertEqual(c.headers["Accept"], "application/json, */*")
        self.assertEqual(c.headers["User-Agent"], "kube-apiserver-admission")
        self.assertEqual(c.sni, "fake.test.svc")
        self.assertEqual(c.alpn, "http/1.1")

    def test_timeout_query_follows_timeout_seconds(self):
        install(timeoutSeconds=3)
        self.create(unique("web"))
        self.assertEqual(self.only_call().path, "/validate?timeout=3s")

    def test_generate_name_is_resolved_before_the_webhook(self):
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {
            "generateName": "web-7d9f8b6c5d-"}, "spec": {"containers": [
                {"name": "app", "image": "nginx:1.25.3"}]}}
        code, body, _ = call("POST", "/api/v1/namespaces/default/pods", pod,
                             "reconciler")
        self.assertEqual(code, 201, body)
        r = self.only_call().review["request"]
        self.assertRegex(r["name"], r"^web-7d9f8b6c5d-[a-z0-9]{5}$")
        self.assertEqual(r["name"], body["metadata"]["name"])
        self.assertEqual(r["kind"], {"group": "", "version": "v1",
                                     "kind": "Pod"})
        self.assertEqual(r["object"]["spec"]["serviceAccountName"],
                         "default")
        self.assertEqual(r["options"], {"kind": "CreateOptions",
                                        "apiVersion": "meta.k8s.io/v1"})

    def test_invalid_object_never_reaches_the_webhook(self):
        bad = deployment(unique("web"))
        bad["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
        code, body, _ = call("POST", DEPLOY, bad, "reconciler")
        self.assertEqual(code, 422)
        self.assertEqual(body["reason"], "Invalid")
        self.assertIn("`selector` does not match template `labels`",
                      body["message"])
        self.assertEqual(self.hook.calls, [])


class TestUpdate(Base):
    def test_strategic_merge_patch_is_update(self):
        name = unique("web")
        stored = self.create(name)
        self.hook.reset()
        patch = {"spec": {"template": {"spec": {"containers": [
            {"name": "app", "image": "ghcr.io/stefanprodan/podinfo:6.5.1"}]
        }}}}
        code, body, _ = call(
            "PATCH", DEPLOY + "/" + name + "?fieldManager=kubectl-edit"
            "&fieldValidation=Strict", patch, "developer",
            "application/strategic-merge-patch+json")
        self.assertEqual(code, 200, body)
        r = self.only_call().review["request"]
        self.assertEqual(r["operation"], "UPDATE")
        self.assertNotIn("subResource", r)
        self.assertEqual(r["oldObject"], stored)
        new = r["object"]
        self.assertEqual(new["metadata"]["resourceVersion"],
                         stored["metadata"]["resourceVersion"])
        self.assertEqual(new["metadata"]["generation"], 2)
        self.assertEqual(new["spec"]["template"]["spec"]["containers"][0][
            "image"], "ghcr.io/stefanprodan/podinfo:6.5.1")
        self.assertEqual(new["spec"]["template"]["spec"]["containers"][0][
            "terminationMessagePolicy"], "File")     # merged, not replaced
        self.assertEqual(r["options"], {
            "kind": "UpdateOptions", "apiVersion": "meta.k8s.io/v1",
            "fieldManager": "kubectl-edit", "fieldValidation": "Strict"})
        self.assertEqual(r["userInfo"]["username"], "alice")

    def test_put_is_update(self):
        name = unique("web")
        stored = self.create(name)
        self.hook.reset()
        obj = copy.deepcopy(stored)
        obj["metadata"]["labels"]["tier"] = "web"
        code, body, _ = call("PUT", DEPLOY + "/" + name, obj, "reconciler")
        self.assertEqual(code, 200, body)
        r = self.only_call().review["request"]
        self.assertEqual(r["operation"], "UPDATE")
        self.assertEqual(r["options"], {"kind": "UpdateOptions",
                                        "apiVersion": "meta.k8s.io/v1"})
        self.assertEqual(r["object"]["metadata"]["generation"], 1)
        self.assertNotEqual(body["metadata"]["resourceVersion"],
                            stored["metadata"]["resourceVersion"])

    def test_stale_resource_version_conflicts(self):
        name = unique("web")
        stored = self.create(name)
        call("PATCH", DEPLOY + "/" + name, {"spec": {"replicas": 2}},
             "reconciler", "application/merge-patch+json")
        code, body, _ = call("PUT", DEPLOY + "/" + name, stored,
                             "reconciler")
        self.assertEqual(code, 409)
        self.assertEqual(body["message"], 'Operation cannot be fulfilled on '
                         'deployments.apps "%s": the object has been '
                         'modified; please apply your changes to the latest '
                         'version and try again' % name)

    def test_server_side_apply_creating_is_create(self):
        name = unique("web")
        code, body, _ = call(
            "PATCH", DEPLOY + "/" + name + "?fieldManager=kustomize-"
            "controller&force=true", deployment(name), "reconciler",
            "application/apply-patch+yaml")
        self.assertEqual(code, 201, body)
        r = self.only_call().review["request"]
        self.assertEqual(r["operation"], "CREATE")
        self.assertIsNone(r["oldObject"])
        self.assertEqual(r["options"], {
            "kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1",
            "fieldManager": "kustomize-controller"})
        self.hook.reset()
        d2 = deployment(name)
        d2["spec"]["replicas"] = 3
        code, body, _ = call(
            "PATCH", DEPLOY + "/" + name + "?fieldManager=kustomize-"
            "controller", d2, "reconciler", "application/apply-patch+yaml")
        self.assertEqual(code, 200, body)
        r = self.only_call().review["request"]
        self.assertEqual((r["operation"], r["object"]["spec"]["replicas"]),
                         ("UPDATE", 3))
        self.assertEqual(r["options"]["kind"], "UpdateOptions")


class TestDelete(Base):
    def test_delete_review(self):
        name = unique("web")
        stored = self.create(name)
        self.hook.reset()
        code, body, _ = call("DELETE", DEPLOY + "/" + name,
                             {"propagationPolicy": "Background"},
                             "developer")
        self.assertEqual(code, 200, body)
        self.assertEqual(body["status"], "Success")
        self.assertEqual(body["details"], {
            "name": name, "group": "apps", "kind": "deployments",
            "uid": stored["metadata"]["uid"]})
        r = self.only_call().review["request"]
        self.assertEqual((r["operation"], r["name"]), ("DELETE", name))
        self.assertIsNone(r["object"])
        self.assertEqual(r["oldObject"], stored)
        self.assertEqual(r["options"], {
            "kind": "DeleteOptions", "apiVersion": "meta.k8s.io/v1",
            "propagationPolicy": "Background"})
        code, body, _ = call("GET", DEPLOY + "/" + name)
        self.assertEqual(code, 404)
        self.assertEqual(body["message"],
                         'deployments.apps "%s" not found' % name)


class TestScale(Base):
    def scale_patch(self, name, replicas, token="developer"):
        return call("PATCH", DEPLOY + "/" + name + "/scale",
                    {"spec": {"replicas": replicas}}, token,
                    "application/merge-patch+json")

    def test_scale_review(self):
        name = unique("web")
        stored = self.create(name)
        self.hook.reset()
        code, body, _ = self.scale_patch(name, 4)
        self.assertEqual(code, 200, body)
        self.assertEqual(body["kind"], "Scale")
        r = self.only_call().review["request"]
        scale = {"group": "autoscaling", "version": "v1", "kind": "Scale"}
        self.assertEqual(r["kind"], scale)
        self.assertEqual(r["requestKind"], scale)
        self.assertEqual(r["resource"], {"group": "apps", "version": "v1",
                                         "resource": "deployments"})
        self.assertEqual((r["subResource"], r["requestSubResource"]),
                         ("scale", "scale"))
        self.assertEqual(r["operation"], "UPDATE")
        m = stored["metadata"]
        self.assertEqual(r["oldObject"], {
            "kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {"name": name, "namespace": "default",
                         "uid": m["uid"],
                         "resourceVersion": m["resourceVersion"],
                         "creationTimestamp": m["creationTimestamp"]},
            "spec": {"replicas": 1},
            "status": {"replicas": 0, "selector": "app=" + name}})
        self.assertEqual(r["object"]["spec"], {"replicas": 4})
        self.assertEqual(r["object"]["metadata"], r["oldObject"]["metadata"])
        self.assertEqual(r["options"], {"kind": "UpdateOptions",
                                        "apiVersion": "meta.k8s.io/v1"})

    def test_scale_to_zero_omits_replicas(self):
        name = unique("web")
        self.create(name)
        self.hook.reset()
        self.scale_patch(name, 0)
        self.assertEqual(self.only_call().review["request"]["object"][
            "spec"], {})

    def test_scale_put(self):
        name = unique("web")
        self.create(name)
        code, scale, _ = call("GET", DEPLOY + "/" + name + "/scale")
        self.assertEqual(code, 200)
        self.hook.reset()
        scale["spec"]["replicas"] = 2
        code, body, _ = call("PUT", DEPLOY + "/" + name + "/scale", scale,
                             "reconciler")
        self.assertEqual(code, 200, body)
        self.assertEqual(self.only_call().review["request"]["subResource"],
                         "scale")

    def test_rule_without_subresource_does_not_match_scale(self):
        install(rules=[{"apiGroups": ["apps"], "apiVersions": ["v1"],
                        "operations": ["*"], "resources": ["deployments"]}])
        name = unique("web")
        self.create(name)
        self.hook.reset()
        code, _, _ = self.scale_patch(name, 3)
        self.assertEqual((code, self.hook.calls), (200, []))

    def test_star_scale_rule_matches(self):
        install(rules=[{"apiGroups": ["*"], "apiVersions": ["*"],
                        "operations": ["UPDATE"], "resources": ["*/scale"]}])
        name = unique("web")
        self.create(name)
        self.assertEqual(self.hook.calls, [])     # CREATE, main resource
        self.scale_patch(name, 3)
        self.assertEqual(len(self.hook.calls), 1)


class TestDryRun(Base):
    def test_dry_run_create(self):
        name = unique("web")
        code, body, _ = call("POST", DEPLOY + "?dryRun=All&fieldManager="
                             "kubectl-client-side-apply", deployment(name),
                             "developer")
        self.assertEqual(code, 201, body)
        r = self.only_call().review["request"]
        self.assertIs(r["dryRun"], True)
        self.assertEqual(r["options"], {
            "kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1",
            "dryRun": ["All"], "fieldManager": "kubectl-client-side-apply"})
        self.assertEqual(call("GET", DEPLOY + "/" + name)[0], 404)

    def test_dry_run_delete_keeps_object(self):
        name = unique("web")
        self.create(name)
        self.hook.reset()
        code, _, _ = call("DELETE", DEPLOY + "/" + name + "?dryRun=All",
                          {"propagationPolicy": "Background"}, "developer")
        self.assertEqual(code, 200)
        r = self.only_call().review["request"]
        self.assertEqual((r["dryRun"], r["options"]["dryRun"]),
                         (True, ["All"]))
        self.assertEqual(call("GET", DEPLOY + "/" + name)[0], 200)

    def test_dry_run_denial_is_the_same(self):
        self.hook.reset(lambda rv: Reply(False, {
            "code": 403, "reason": "Forbidden", "message": "[p] no"}))
        code, body, _ = call("POST", DEPLOY + "?dryRun=All",
                             deployment(unique("web")), "developer")
        self.assertEqual((code, body["reason"]), (403, "Forbidden"))


class TestRendering(Base):
    def deny(self, status, warnings=None):
        self.hook.reset(lambda rv: Reply(False, status, warnings))
        return call("POST", DEPLOY, deployment(unique("web")), "developer")

    def test_denial_403(self):
        code, body, _ = self.deny({"code": 403, "reason": "Forbidden",
                                   "message": "[reconciler-only] no"})
        self.assertEqual(code, 403)
        self.assertEqual(body, {
            "kind": "Status", "apiVersion": "v1", "metadata": {},
            "status": "Failure", "message": 'admission webhook "fake.test.'
            'io" denied the request: [reconciler-only] no',
            "reason": "Forbidden", "code": 403})

    def test_denial_without_code_is_400(self):
        code, body, _ = self.deny({"message": "nope"})
        self.assertEqual(code, 400)
        self.assertNotIn("reason", body)
        self.assertEqual(body["message"], 'admission webhook "fake.test.io" '
                         'denied the request: nope')

    def test_denial_reason_only_and_nothing(self):
        _, body, _ = self.deny({"code": 422, "reason": "Custom"})
        self.assertEqual(body["message"], 'admission webhook "fake.test.io" '
                         'denied the request: Custom')
        code, body, _ = self.deny(None)
        self.assertEqual(code, 400)
        self.assertEqual(body["message"], 'admission webhook "fake.test.io" '
                         'denied the request without explanation')

    def test_warnings_escaped_filtered_deduplicated(self):
        self.hook.reset(lambda rv: Reply(True, warnings=[
            "[a] one", 'say "hi" \\o/', "bad\ncontrol", "[a] one", ""]))
        code, _, warnings = call("POST", DEPLOY, deployment(unique("w")),
                                 "developer")
        self.assertEqual(code, 201)
        self.assertEqual(warnings, ['299 - "[a] one"',
                                    '299 - "say \\"hi\\" \\\\o/"'])

    def test_warning_utf8(self):
        self.hook.reset(lambda rv: Reply(True, warnings=[
            "[p] caf\u00e9 \u2014 ok"]))
        code, _, warnings = call("POST", DEPLOY, deployment(unique("w")),
                                 "developer")
        self.assertEqual(code, 201)
        self.assertEqual([w.encode("latin-1").decode("utf-8")
                          for w in warnings],
                         ['299 - "[p] caf\u00e9 \u2014 ok"'])

    def test_warnings_on_denial(self):
        code, _, warnings = self.deny({"code": 403, "message": "x"},
                                      ["[p] warned"])
        self.assertEqual((code, warnings), (403, ['299 - "[p] warned"']))


class TestCallFailures(Base):
    def expect_internal(self, reason_regex, respond=None, **over):
        install(**over)
        if respond:
            self.hook.reset(respond)
        code, body, _ = call("POST", DEPLOY, deployment(unique("web")),
                             "developer")
        self.assertEqual(code, 500, body)
        self.assertEqual(body["reason"], "InternalError")
        self.assertRegex(body["message"], "^" + re.escape(
            'Internal error occurred: failed calling webhook "fake.test.io": '
            ) + reason_regex + "$")
        self.assertEqual(body["details"]["causes"][0]["message"],
                         body["message"][len("Internal error occurred: "):])

    def test_connection_refused_fail(self):
        self.expect_internal(re.escape(
            'failed to call webhook: Post "https://down.test.svc:443/'
            'validate?timeout=10s": dial tcp 127.0.0.1:%d: connect: '
            'connection refused' % ENV["down_port"]),
            service={"name": "down"})

    def test_connection_refused_ignore(self):
        install(service={"name": "down"}, failurePolicy="Ignore")
        code, _, _ = call("POST", DEPLOY, deployment(unique("web")),
                          "developer")
        self.assertEqual(code, 201)

    def test_unknown_service(self):
        self.expect_internal(re.escape(
            'failed to call webhook: Post "https://nosuch.test.svc:443/'
            'validate?timeout=10s": service "nosuch" not found'),
            service={"name": "nosuch"})

    def test_timeout(self):
        install(timeoutSeconds=1)
        self.hook.reset(lambda rv: Reply(delay=4))
        start = time.monotonic()
        code, body, _ = call("POST", DEPLOY, deployment(unique("web")),
                             "developer")
        self.assertLess(time.monotonic() - start, 3.5)
        self.assertEqual(code, 500)
        self.assertTrue(body["message"].endswith(
            'Post "https://fake.test.svc:443/validate?timeout=1s": context '
            'deadline exceeded'), body["message"])

    def test_untrusted_ca(self):
        self.expect_internal(re.escape(
            'failed to call webhook: Post "https://fake.test.svc:443/'
            'validate?timeout=10s": tls: failed to verify certificate: '
            'x509: certificate signed by unknown authority'),
            clientConfig={"service": {"namespace": "test", "name": "fake",
                                      "path": "/validate"},
                          "caBundle": base64.b64encode(
                              ENV["other_ca"]).decode()})

    def test_server_name_mismatch(self):
        self.expect_internal(re.escape(
            'failed to call webhook: Post "https://other.test.svc:443/'
            'validate?timeout=10s": tls: failed to verify certificate: '
            'x509: certificate is valid for fake.test.svc, not '
            'other.test.svc'), service={"name": "other"})

    def test_wrong_uid(self):
        self.expect_internal(
            respond=lambda rv: Reply(uid="not-the-uid"), reason_regex=
            r'received invalid webhook response: expected response\.uid='
            r'"[0-9a-f-]{36}", got "not-the-uid"')

    def test_wrong_envelope(self):
        self.expect_internal(respond=lambda rv: Reply(envelope={}),
                             reason_regex=re.escape(
            "received invalid webhook response: expected webhook response "
            "of admission.k8s.io/v1, Kind=AdmissionReview, got /, Kind="))

    def test_patch_from_validating_webhook(self):
        self.expect_internal(respond=lambda rv: Reply(extra={"patch":
                                                             "W10="}),
                             reason_regex=re.escape(
            "received invalid webhook response: validating webhook may "
            "not return response.patch"))

    def test_http_500(self):
        self.expect_internal(respond=lambda rv: Reply(code=500,
                                                      body=b"boom"),
                             reason_regex=re.escape(
            'failed to call webhook: an error on the server ("unknown") '
            'has prevented the request from succeeding'))


class TestMatching(Base):
    def post_in(self, ns, name):
        call("POST", "/api/v1/namespaces", {
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"team": ns}}})
        d = deployment(name)
        return call("POST", "/apis/apps/v1/namespaces/%s/deployments" % ns,
                    d, "reconciler")

    def test_namespace_selector_uses_metadata_name_label(self):
        install(namespaceSelector={"matchExpressions": [{
            "key": "kubernetes.io/metadata.name", "operator": "NotIn",
            "values": ["flux-system", "kube-system"]}]})
        self.assertEqual(self.post_in("flux-system", unique("x"))[0], 201)
        self.assertEqual(self.hook.calls, [])
        self.assertEqual(self.post_in("team-a", unique("x"))[0], 201)
        self.assertEqual(len(self.hook.calls), 1)

    def test_namespace_selector_match_labels_and_exists(self):
        install(namespaceSelector={"matchLabels": {"team": "team-b"},
                                   "matchExpressions": [{
                                       "key": "team", "operator": "Exists"}]})
        self.post_in("team-a", unique("x"))
        self.assertEqual(self.hook.calls, [])
        self.post_in("team-b", unique("x"))
        self.assertEqual(len(self.hook.calls), 1)

    def test_object_selector_sees_old_object_on_delete(self):
        install(objectSelector={"matchLabels": {"app": "sel"}})
        code, body, _ = call("POST", DEPLOY, deployment(
            "sel", labels={"app": "sel"}), "reconciler")
        self.assertEqual(len(self.hook.calls), 1)
        self.hook.reset()
        call("POST", DEPLOY, deployment(unique("other")), "reconciler")
        self.assertEqual(self.hook.calls, [])
        call("DELETE", DEPLOY + "/sel", None, "reconciler")
        self.assertEqual(len(self.hook.calls), 1)

    def test_object_selector_never_matches_scale(self):
        name = unique("web")
        call("POST", DEPLOY, deployment(name, labels={"app": name}),
             "reconciler")
        install(objectSelector={"matchLabels": {"app": name}})
        call("PATCH", DEPLOY + "/" + name + "/scale",
             {"spec": {"replicas": 2}}, "developer",
             "application/merge-patch+json")
        self.assertEqual(self.hook.calls, [])   # Scale carries no labels

    def test_operations_filter(self):
        install(rules=[{"apiGroups": ["apps"], "apiVersions": ["v1"],
                        "operations": ["DELETE"],
                        "resources": ["deployments"]}])
        name = unique("web")
        self.create(name)
        self.assertEqual(self.hook.calls, [])

    def test_webhook_configurations_are_never_sent(self):
        install(rules=[{"apiGroups": ["*"], "apiVersions": ["*"],
                        "operations": ["*"], "resources": ["*"]}])
        code, body, _ = call("POST", VWC, dict(webhook_config(),
                                               metadata={"name": "x"}))
        self.assertEqual(code, 201, body)
        call("DELETE", VWC + "/x")
        self.assertEqual(self.hook.calls, [])

    def test_namespaced_scope_skips_namespaces(self):
        install(rules=[{"apiGroups": [""], "apiVersions": ["v1"],
                        "operations": ["CREATE"], "resources": ["*"],
                        "scope": "Namespaced"}])
        call("POST", "/api/v1/namespaces", {"apiVersion": "v1",
                                            "kind": "Namespace", "metadata":
                                            {"name": unique("ns")}})
        self.assertEqual(self.hook.calls, [])

    def test_invalid_configuration_rejected(self):
        code, body, _ = call("POST", VWC, dict(
            webhook_config(sideEffects="Some", timeoutSeconds=31),
            metadata={"name": "bad"}))
        self.assertEqual(code, 422)
        self.assertIn('webhooks[0].sideEffects: Unsupported value: "Some": '
                      'supported values: "None", "NoneOnDryRun"',
                      body["message"])
        self.assertIn("webhooks[0].timeoutSeconds: Invalid value: 31: the "
                      "timeout value must be between 1 and 30 seconds",
                      body["message"])


class TestApiErrors(unittest.TestCase):
    def test_unauthorized(self):
        code, body, _ = call("GET", "/api/v1/namespaces", token="nope")
        self.assertEqual((code, body["reason"], body["message"]),
                         (401, "Unauthorized", "Unauthorized"))

    def test_already_exists_and_missing_namespace(self):
        name = unique("web")
        call("POST", DEPLOY, deployment(name), "admin")
        code, body, _ = call("POST", DEPLOY, deployment(name), "admin")
        self.assertEqual((code, body["message"]), (
            409, 'deployments.apps "%s" already exists' % name))
        code, body, _ = call("POST", "/apis/apps/v1/namespaces/nope/"
                             "deployments", deployment(name), "admin")
        self.assertEqual((code, body["message"]),
                         (404, 'namespaces "nope" not found'))

    def test_version_and_discovery(self):
        code, body, _ = call("GET", "/version?timeout=5s")
        self.assertEqual((body["major"], body["minor"]), ("1", "32"))
        code, body, _ = call("GET", "/apis", headers={
            "Accept": "application/json;g=apidiscovery.k8s.io;v=v2;"
                      "as=APIGroupDiscoveryList,application/json"})
        apps = [i for i in body["items"] if i["metadata"]["name"] == "apps"]
        deploy = [r for r in apps[0]["versions"][0]["resources"]
                  if r["resource"] == "deployments"][0]
        self.assertEqual(deploy["subresources"][0]["responseKind"], {
            "group": "autoscaling", "version": "v1", "kind": "Scale"})


if __name__ == "__main__":
    unittest.main()
