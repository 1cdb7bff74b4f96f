#!/usr/bin/env python3
"""Render every overlay of manifests/ and check what a cluster depends on.

Each overlay is rendered offline with `kubectl kustomize` and turned into
JSON by `kubectl patch --local` (an empty merge patch: no API server, no
discovery), so no YAML parser of our own is involved. The checks cover the
ValidatingWebhookConfiguration (its CEL matchConditions, evaluated by the
stand-in API server's cel.py, must skip exactly the writers `gitgate
review` says Settings exempts), the Deployment and the objects around them,
the example Flux Kustomization, the Dockerfile, and `make install` when the
Makefile has that target. Every check is then run once more on a copy of the
rendered objects broken on purpose, and must fail there: a check that
cannot fail is reported as a failure itself.

Python 3 standard library only. Environment: KUBECTL (default kubectl),
BUILD (default build). Ends with `manifests: N passed, N failed`; exit 1 on
any failure.
"""

import copy
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

import components  # test/manifests/components.py: the opt-in components

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KUBECTL = os.environ.get("KUBECTL", "kubectl")
BUILD = os.environ.get("BUILD", "build")
OVERLAYS = ("audit", "enforce", "cert-manager")
FAILURE_POLICY = {"audit": "Ignore", "enforce": "Fail", "cert-manager": "Fail"}
EXEMPT = ("kube-system", "kube-public", "kube-node-lease", "flux-system",
          "gitgate-system")
NAMESPACE = "gitgate-system"
WEBHOOK = "validate.gitgate.io"
REQUIRED_RESOURCES = {
    ("", "pods"), ("", "replicationcontrollers"),
    ("", "replicationcontrollers/scale"),
    ("apps", "deployments"), ("apps", "deployments/scale"),
    ("apps", "replicasets"), ("apps", "replicasets/scale"),
    ("apps", "statefulsets"), ("apps", "statefulsets/scale"),
    ("apps", "daemonsets"),
    ("batch", "jobs"), ("batch", "cronjobs"),
}
KINDS_ONCE = ("Namespace", "ServiceAccount", "Deployment", "Service",
              "PodDisruptionBudget", "NetworkPolicy", "ConfigMap",
              "ValidatingWebhookConfiguration")
CLUSTER_SCOPED = ("Namespace", "ValidatingWebhookConfiguration")
INJECT = "cert-manager.io/inject-ca-from"
CONTAINER_PORT = 8443
# Libraries every debian:bookworm-slim image already has.
BASE_IMAGE_PACKAGES = {"libc6", "libgcc-s1"}


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0

    def result(self, name, problems):
        if problems:
            self.failed += 1
            print("FAIL %s" % name)
            for p in problems[:5]:
                print("     %s" % p)
        else:
            self.passed += 1
            print("ok   %s" % name)

    def skip(self, name, why):
        self.skipped += 1
        print("skip %s (%s)" % (name, why))


# ---------------------------------------------------------------- rendering

def hermetic_env(tmp):
    """kubectl must touch neither the user's kubeconfig nor any server."""
    env = dict(os.environ)
    kubeconfig = os.path.join(tmp, "kubeconfig")
    open(kubeconfig, "w").close()
    env.update(HOME=tmp, KUBECONFIG=kubeconfig,
               KUBECACHEDIR=os.path.join(tmp, "cache"))
    return env


def run(argv, env, stdin=None, cwd=ROOT, timeout=120):
    try:
        p = subprocess.run(argv, input=stdin, capture_output=True, text=True,
                           env=env, cwd=cwd, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        return 127, "", str(e)
    return p.returncode, p.stdout, p.stderr


def json_stream(text):
    """Objects of a stream of concatenated JSON values."""
    dec = json.JSONDecoder()
    out, i = [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i == len(text):
            return out
        obj, i = dec.raw_decode(text, i)
        out.append(obj)


def render(path, env):
    """(objects or None, problems) for plain `kubectl kustomize path`
    (the default load restrictor: what `kubectl apply -k` does too)."""
    rc, yml, err = run([KUBECTL, "kustomize", path], env)
    if rc != 0:
        return None, ["kubectl kustomize %s: exit %d: %s"
                      % (path, rc, err.strip())]
    problems = []
    if err.strip():
        problems.append("kustomize warned: %s" % err.strip())
    rc, js, err = run([KUBECTL, "patch", "--local", "--type=merge", "-p",
                       "{}", "-o", "json", "-f", "-"], env, stdin=yml)
    if rc != 0:
        return None, ["kubectl patch --local: exit %d: %s"
                      % (rc, err.strip())]
    try:
        objs = json_stream(js)
    except ValueError as e:
        return None, ["JSON from kubectl: %s" % e]
    docs = len(re.findall(r"^---$", yml, re.M)) + (1 if yml.strip() else 0)
    if docs != len(objs):
        problems.append("%d YAML documents but %d objects" % (docs, len(objs)))
    return objs, problems


# ------------------------------------------------------------------ helpers

def find(objs, kind, name=None):
    return [o for o in objs if o.get("kind") == kind and
            (name is None or o.get("metadata", {}).get("name") == name)]


def one(objs, kind, name=None):
    found = find(objs, kind, name)
    return found[0] if len(found) == 1 else None


def get(obj, *path, default=None):
    for key in path:
        if isinstance(obj, dict) and key in obj:
            obj = obj[key]
        elif isinstance(obj, list) and isinstance(key, int) and \
                -len(obj) <= key < len(obj):
            obj = obj[key]
        else:
            return default
    return obj


def selector_matches(sel, labels):
    """Kubernetes label-selector semantics (matchLabels, matchExpressions)."""
    if sel is None:
        return False
    for k, v in (sel.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in sel.get("matchExpressions") or []:
        key, op, vals = e.get("key"), e.get("operator"), e.get("values") or []
        if op == "In" and labels.get(key) not in vals:
            return False
        if op == "NotIn" and key in labels and labels[key] in vals:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            return False
    return True


def ns_labels(name):
    """The labels the API server puts on every Namespace."""
    return {"kubernetes.io/metadata.name": name}


def webhooks(objs):
    vwc = one(objs, "ValidatingWebhookConfiguration", "gitgate")
    return (vwc or {}).get("webhooks") or []


def the_webhook(objs):
    hooks = [h for h in webhooks(objs) if h.get("name") == WEBHOOK]
    return hooks[0] if len(hooks) == 1 else None


def deployment(objs):
    return one(objs, "Deployment", "gitgate")


def pod_spec(objs):
    return get(deployment(objs), "spec", "template", "spec", default={})


def containers(objs):
    return pod_spec(objs).get("containers") or []


def gitgate_container(objs):
    for c in containers(objs):
        if c.get("name") == "gitgate":
            return c
    return None


def env_of(c):
    return {e.get("name"): e.get("value") for e in (c or {}).get("env") or []}


def effective_sc(objs, c, key):
    """A container's securityContext value, falling back to the pod's."""
    csc = (c or {}).get("securityContext") or {}
    if key in csc:
        return csc[key]
    return (pod_spec(objs).get("securityContext") or {}).get(key)


def port_number(c, port):
    if isinstance(port, int):
        return port
    for p in (c or {}).get("ports") or []:
        if p.get("name") == port:
            return p.get("containerPort")
    return None


def volume(objs, name):
    for v in pod_spec(objs).get("volumes") or []:
        if v.get("name") == name:
            return v
    return None


def mount_for(c, path):
    for m in (c or {}).get("volumeMounts") or []:
        if m.get("mountPath", "").rstrip("/") == path.rstrip("/"):
            return m
    return None


def pod_labels(objs):
    return get(deployment(objs), "spec", "template", "metadata", "labels",
               default={}) or {}


# ------------------------------------------------------------ webhook checks

def c_webhook_one(objs, overlay):
    vwc = find(objs, "ValidatingWebhookConfiguration")
    hooks = webhooks(objs)
    if len(vwc) != 1 or not one(objs, "ValidatingWebhookConfiguration",
                                "gitgate"):
        return ["want one ValidatingWebhookConfiguration named gitgate"]
    if [h.get("name") for h in hooks] != [WEBHOOK]:
        return ["webhooks %s, want [%s]"
                % ([h.get("name") for h in hooks], WEBHOOK)]
    return []


def c_client_config(objs, overlay):
    svc = get(the_webhook(objs), "clientConfig", "service", default={})
    want = {"namespace": NAMESPACE, "name": "gitgate", "path": "/validate",
            "port": 443}
    bad = ["service.%s=%r, want %r" % (k, svc.get(k), v)
           for k, v in want.items() if svc.get(k) != v]
    if get(the_webhook(objs), "clientConfig", "url") is not None:
        bad.append("clientConfig.url set next to service")
    return bad


def c_service_reaches_pods(objs, overlay):
    """The Service the webhook calls exists and routes 443 to the pods'
    8443."""
    svc = one(objs, "Service", "gitgate")
    if not svc:
        return ["no Service gitgate"]
    sel = {"matchLabels": get(svc, "spec", "selector", default={})}
    if not sel["matchLabels"] or not selector_matches(sel, pod_labels(objs)):
        return ["Service selector does not select the gitgate pods"]
    for p in get(svc, "spec", "ports", default=[]):
        if p.get("port") == 443:
            target = port_number(gitgate_container(objs), p.get("targetPort"))
            if target != CONTAINER_PORT:
                return ["port 443 -> %r, want %d" % (target, CONTAINER_PORT)]
            return []
    return ["Service has no port 443"]


def c_side_effects(objs, overlay):
    v = get(the_webhook(objs), "sideEffects")
    return [] if v == "None" else ["sideEffects %r, want None" % v]


def c_review_versions(objs, overlay):
    v = get(the_webhook(objs), "admissionReviewVersions")
    return [] if v == ["v1"] else ["admissionReviewVersions %r" % v]


def c_timeout(objs, overlay):
    v = get(the_webhook(objs), "timeoutSeconds")
    ok = isinstance(v, int) and 1 <= v <= 5
    return [] if ok else ["timeoutSeconds %r, want 1..5 (default is 10)" % v]


def c_match_policy(objs, overlay):
    v = get(the_webhook(objs), "matchPolicy")
    return [] if v == "Equivalent" else ["matchPolicy %r" % v]


def c_failure_policy(objs, overlay):
    v = get(the_webhook(objs), "failurePolicy")
    want = FAILURE_POLICY[overlay]
    return [] if v == want else ["failurePolicy %r, want %s" % (v, want)]


def rule_pairs(objs):
    """(group, resource) -> set of operations, over rules serving v1."""
    out = {}
    for r in get(the_webhook(objs), "rules", default=[]) or []:
        if not set(r.get("apiVersions") or []) & {"v1", "*"}:
            continue
        if r.get("scope") not in ("Namespaced", "*", None):
            continue
        for g in r.get("apiGroups") or []:
            for res in r.get("resources") or []:
                out.setdefault((g, res), set()).update(
                    r.get("operations") or [])
    return out


def c_rules_cover(objs, overlay):
    pairs = rule_pairs(objs)
    bad = []
    for g, res in sorted(REQUIRED_RESOURCES):
        ops = pairs.get((g, res), set())
        if not ({"CREATE", "UPDATE", "DELETE"} <= ops or "*" in ops):
            bad.append("%s/%s: operations %s" % (g or "core", res,
                                                 sorted(ops) or "none"))
    return bad


def c_rules_scale(objs, overlay):
    """`kubectl scale` is an UPDATE of deployments/scale, which a rule for
    `deployments` alone does not match."""
    ops = rule_pairs(objs).get(("apps", "deployments/scale"), set())
    return [] if "UPDATE" in ops else ["deployments/scale UPDATE not matched"]


def c_rules_namespaced(objs, overlay):
    rules = get(the_webhook(objs), "rules", default=[]) or []
    bad = [r.get("resources") for r in rules if r.get("scope") != "Namespaced"]
    return ["rules not scope Namespaced: %s" % bad] if bad or not rules else []


def c_namespace_selector(objs, overlay):
    sel = get(the_webhook(objs), "namespaceSelector")
    if sel is None:
        return ["no namespaceSelector: every namespace is matched"]
    bad = ["%s is not exempt" % n for n in EXEMPT
           if selector_matches(sel, ns_labels(n))]
    bad += ["%s is exempt too" % n for n in ("default", "team-a", "prod")
            if not selector_matches(sel, ns_labels(n))]
    return bad


def c_own_namespace_exempt(objs, overlay):
    """gitgate's Namespace, with the labels it is rendered with, is not
    selected: gitgate never validates its own pods."""
    ns = one(objs, "Namespace", NAMESPACE)
    if not ns:
        return ["no Namespace %s" % NAMESPACE]
    labels = dict(get(ns, "metadata", "labels", default={}) or {})
    if labels.get("kubernetes.io/metadata.name") != NAMESPACE:
        return ["Namespace lacks the kubernetes.io/metadata.name marker"]
    labels.update(ns_labels(NAMESPACE))
    sel = get(the_webhook(objs), "namespaceSelector")
    return ["the webhook selects %s" % NAMESPACE] \
        if sel is None or selector_matches(sel, labels) else []


def c_ca_source(objs, overlay):
    vwc = one(objs, "ValidatingWebhookConfiguration", "gitgate") or {}
    ann = get(vwc, "metadata", "annotations", default={}) or {}
    cc = get(the_webhook(objs), "clientConfig", default={}) or {}
    if overlay == "cert-manager":
        bad = []
        if ann.get(INJECT) != NAMESPACE + "/gitgate-serving-cert":
            bad.append("%s=%r" % (INJECT, ann.get(INJECT)))
        if "caBundle" in cc:
            bad.append("caBundle present: Flux would fight cainjector")
        return bad
    if INJECT in ann:
        return ["%s set outside the cert-manager overlay" % INJECT]
    if "caBundle" not in cc:
        return ["no caBundle placeholder"]
    return []


def c_cert_manager_chain(objs, overlay):
    """Certificate -> Secret gitgate-tls for the Service name, ECDSA P-256,
    issued by a CA Issuer whose CA comes from a self-signed Issuer."""
    if overlay != "cert-manager":
        return ["cert-manager objects in %s" % overlay] \
            if find(objs, "Certificate") or find(objs, "Issuer") else []
    cert = one(objs, "Certificate", "gitgate-serving-cert")
    if not cert:
        return ["no Certificate gitgate-serving-cert"]
    spec = cert.get("spec") or {}
    bad = []
    if spec.get("secretName") != "gitgate-tls":
        bad.append("secretName %r" % spec.get("secretName"))
    if "gitgate.gitgate-system.svc" not in (spec.get("dnsNames") or []):
        bad.append("dnsNames %r" % spec.get("dnsNames"))
    pk = spec.get("privateKey") or {}
    if (pk.get("algorithm"), pk.get("size")) != ("ECDSA", 256):
        bad.append("privateKey %r" % pk)
    ca_issuer = one(objs, "Issuer", get(spec, "issuerRef", "name"))
    ca_secret = get(ca_issuer, "spec", "ca", "secretName")
    ca_cert = [c for c in find(objs, "Certificate")
               if get(c, "spec", "secretName") == ca_secret and ca_secret]
    if not ca_cert or not get(ca_cert[0], "spec", "isCA"):
        bad.append("serving cert not issued by a CA Issuer with a CA cert")
    else:
        root = one(objs, "Issuer", get(ca_cert[0], "spec", "issuerRef", "name"))
        if get(root, "spec", "selfSigned") is None:
            bad.append("CA certificate not from a selfSigned Issuer")
    for o in find(objs, "Certificate") + find(objs, "Issuer"):
        if get(o, "metadata", "namespace") != NAMESPACE:
            bad.append("%s %s outside %s" % (o["kind"], o["metadata"]["name"],
                                             NAMESPACE))
    return bad


# --------------------------------------------------------- deployment checks

def c_replicas(objs, overlay):
    n = get(deployment(objs), "spec", "replicas")
    return [] if isinstance(n, int) and n >= 2 else ["replicas %r" % n]


def c_anti_affinity(objs, overlay):
    terms = get(pod_spec(objs), "affinity", "podAntiAffinity", default={})
    all_terms = [t.get("podAffinityTerm") or {} for t in terms.get(
        "preferredDuringSchedulingIgnoredDuringExecution") or []]
    all_terms += terms.get("requiredDuringSchedulingIgnoredDuringExecution") \
        or []
    for t in all_terms:
        if t.get("topologyKey") == "kubernetes.io/hostname" and \
                selector_matches(t.get("labelSelector"), pod_labels(objs)):
            return []
    return ["no pod anti-affinity on kubernetes.io/hostname for own pods"]


def c_non_root(objs, overlay):
    bad = []
    for c in containers(objs) + (pod_spec(objs).get("initContainers") or []):
        if effective_sc(objs, c, "runAsNonRoot") is not True:
            bad.append("%s: runAsNonRoot not true" % c.get("name"))
        uid = effective_sc(objs, c, "runAsUser")
        if uid != 65532:
            bad.append("%s: runAsUser %r, want 65532" % (c.get("name"), uid))
    return bad or ([] if containers(objs) else ["no containers"])


def c_hardening(objs, overlay):
    bad = []
    for c in containers(objs):
        n = c.get("name")
        if effective_sc(objs, c, "readOnlyRootFilesystem") is not True:
            bad.append("%s: root filesystem writable" % n)
        if effective_sc(objs, c, "allowPrivilegeEscalation") is not False:
            bad.append("%s: allowPrivilegeEscalation not false" % n)
        if effective_sc(objs, c, "privileged"):
            bad.append("%s: privileged" % n)
        drop = get(c, "securityContext", "capabilities", "drop", default=[])
        if "ALL" not in (drop or []):
            bad.append("%s: capabilities not drop ALL" % n)
        if get(effective_sc(objs, c, "seccompProfile"), "type") != \
                "RuntimeDefault":
            bad.append("%s: seccompProfile not RuntimeDefault" % n)
    if pod_spec(objs).get("automountServiceAccountToken") is not False:
        bad.append("service account token mounted")
    return bad or ([] if containers(objs) else ["no containers"])


def probe_problems(c, kind, path):
    probe = (c or {}).get(kind) or {}
    hg = probe.get("httpGet") or {}
    bad = []
    if hg.get("path") != path:
        bad.append("%s path %r, want %s" % (kind, hg.get("path"), path))
    if hg.get("scheme") != "HTTPS":
        bad.append("%s scheme %r, want HTTPS" % (kind, hg.get("scheme")))
    if port_number(c, hg.get("port")) != CONTAINER_PORT:
        bad.append("%s port %r" % (kind, hg.get("port")))
    return bad


def c_probes(objs, overlay):
    c = gitgate_container(objs)
    if not c:
        return ["no container gitgate"]
    return probe_problems(c, "livenessProbe", "/healthz") + \
        probe_problems(c, "readinessProbe", "/readyz")


def c_resources(objs, overlay):
    r = (gitgate_container(objs) or {}).get("resources") or {}
    want = {("requests", "cpu"): "10m", ("requests", "memory"): "16Mi",
            ("limits", "memory"): "64Mi"}
    return ["resources.%s.%s %r, want %s" % (a, b, get(r, a, b), v)
            for (a, b), v in want.items() if get(r, a, b) != v]


def c_image_pinned(objs, overlay):
    bad = []
    for c in containers(objs) + (pod_spec(objs).get("initContainers") or []):
        img = c.get("image") or ""
        last = img.rsplit("/", 1)[-1]
        if "@sha256:" in img:
            continue
        if ":" not in last:
            bad.append("%s: %r has no tag (means :latest)" % (c["name"], img))
        elif last.rsplit(":", 1)[1] == "latest":
            bad.append("%s: %r is :latest" % (c["name"], img))
    return bad or ([] if containers(objs) else ["no containers"])


def c_command(objs, overlay):
    c = gitgate_container(objs) or {}
    env = env_of(c)
    want = {"GITGATE_LISTEN": "[::]:%d" % CONTAINER_PORT,
            "GITGATE_TLS_CERT": "/etc/gitgate/tls/tls.crt",
            "GITGATE_TLS_KEY": "/etc/gitgate/tls/tls.key",
            "GITGATE_POLICIES": "/etc/gitgate/policies",
            "GITGATE_LOG_LEVEL": "info"}
    bad = ["%s=%r, want %r" % (k, env.get(k), v)
           for k, v in want.items() if env.get(k) != v]
    if c.get("args") != ["serve"] or c.get("command"):
        bad.append("command %r args %r, want image entrypoint + [serve]"
                   % (c.get("command"), c.get("args")))
    return bad


def c_audit_env(objs, overlay):
    v = env_of(gitgate_container(objs)).get("GITGATE_AUDIT")
    if overlay == "audit":
        return [] if v == "1" else ["GITGATE_AUDIT=%r, want 1" % v]
    return [] if v is None else ["GITGATE_AUDIT=%r outside audit" % v]


def c_policies_mount(objs, overlay):
    """The policies are a directory mount of the generated ConfigMap, never
    a subPath (kubelet's ..data swap would not reach the pod)."""
    c = gitgate_container(objs)
    path = env_of(c).get("GITGATE_POLICIES") or "/etc/gitgate/policies"
    m = mount_for(c, path)
    if not m:
        return ["nothing mounted at %s" % path]
    bad = []
    if m.get("subPath") or m.get("subPathExpr"):
        bad.append("policies mounted with subPath")
    cm = get(volume(objs, m.get("name")), "configMap", "name")
    if not cm or not one(objs, "ConfigMap", cm):
        bad.append("%s is not a ConfigMap of this render (%r)" % (path, cm))
    if get(volume(objs, m.get("name")), "configMap", "items"):
        bad.append("configMap items set: new policy files would be hidden")
    return bad


def c_tls_mount(objs, overlay):
    c = gitgate_container(objs)
    env = env_of(c)
    bad = []
    for key in ("GITGATE_TLS_CERT", "GITGATE_TLS_KEY"):
        d = os.path.dirname(env.get(key) or "")
        m = mount_for(c, d) if d else None
        if not m:
            bad.append("%s: nothing mounted at %r" % (key, d))
            continue
        if m.get("subPath") or m.get("subPathExpr"):
            bad.append("%s: subPath mount (no renewal reload)" % key)
        if get(volume(objs, m["name"]), "secret", "secretName") != \
                "gitgate-tls":
            bad.append("%s: not the Secret gitgate-tls" % key)
    return bad


def c_no_subpath(objs, overlay):
    bad = []
    for c in containers(objs):
        for m in c.get("volumeMounts") or []:
            if m.get("subPath") or m.get("subPathExpr"):
                bad.append("%s: %s uses subPath" % (c["name"], m["mountPath"]))
    return bad


def c_tmp(objs, overlay):
    m = mount_for(gitgate_container(objs), "/tmp")
    if not m or get(volume(objs, m.get("name")), "emptyDir") is None:
        return ["no emptyDir at /tmp"]
    return []


# ------------------------------------------------------ other object checks

def c_kinds(objs, overlay):
    bad = ["%d %s, want 1" % (len(find(objs, k)), k) for k in KINDS_ONCE
           if len(find(objs, k)) != 1]
    for o in objs:
        ns = get(o, "metadata", "namespace")
        if o.get("kind") not in CLUSTER_SCOPED and ns != NAMESPACE:
            bad.append("%s %s in namespace %r" % (o.get("kind"),
                                                 get(o, "metadata", "name"),
                                                 ns))
    return bad


def c_configmap(objs, overlay):
    """Exactly policies/*.yaml, byte for byte, under a stable name."""
    cm = one(objs, "ConfigMap", "gitgate-policies")
    if not cm:
        names = [get(o, "metadata", "name") for o in find(objs, "ConfigMap")]
        return ["no ConfigMap named gitgate-policies (hash suffix?): %s"
                % names]
    data = cm.get("data") or {}
    files = sorted(glob.glob(os.path.join(ROOT, "policies", "*.yaml")))
    want = {os.path.basename(f): f for f in files}
    bad = []
    if sorted(data) != sorted(want):
        bad.append("keys %s, policies/ has %s" % (sorted(data), sorted(want)))
    for key, f in want.items():
        with open(f, encoding="utf-8") as fh:
            if key in data and data[key] != fh.read():
                bad.append("%s differs from policies/%s" % (key, key))
    return bad


def c_pdb(objs, overlay):
    pdb = one(objs, "PodDisruptionBudget", "gitgate")
    if not pdb:
        return ["no PodDisruptionBudget"]
    bad = []
    if get(pdb, "spec", "minAvailable") != 1:
        bad.append("minAvailable %r" % get(pdb, "spec", "minAvailable"))
    if not selector_matches(get(pdb, "spec", "selector"), pod_labels(objs)):
        bad.append("selector does not select the gitgate pods")
    return bad


def c_network_policy(objs, overlay):
    np_ = one(objs, "NetworkPolicy", "gitgate")
    if not np_:
        return ["no NetworkPolicy"]
    spec = np_.get("spec") or {}
    bad = []
    if not selector_matches(spec.get("podSelector"), pod_labels(objs)):
        bad.append("podSelector does not select the gitgate pods")
    if set(spec.get("policyTypes") or []) != {"Ingress", "Egress"}:
        bad.append("policyTypes %r" % spec.get("policyTypes"))
    if spec.get("egress"):
        bad.append("egress allowed: %r" % spec.get("egress"))
    ingress = spec.get("ingress") or []
    if not ingress:
        bad.append("no ingress: the API server could not call gitgate")
    for rule in ingress:
        ports = rule.get("ports") or []
        if not ports or any(p.get("port") not in (CONTAINER_PORT, "https")
                            for p in ports):
            bad.append("ingress beyond port %d: %r" % (CONTAINER_PORT, ports))
    return bad


CHECKS = [
    ("renders the expected objects", c_kinds),
    ("webhook: one configuration, one webhook", c_webhook_one),
    ("webhook: clientConfig.service", c_client_config),
    ("webhook: Service routes 443 to pods' 8443", c_service_reaches_pods),
    ("webhook: sideEffects None", c_side_effects),
    ("webhook: admissionReviewVersions [v1]", c_review_versions),
    ("webhook: timeoutSeconds <= 5", c_timeout),
    ("webhook: matchPolicy Equivalent", c_match_policy),
    ("webhook: failurePolicy", c_failure_policy),
    ("webhook: rules cover workloads, CREATE/UPDATE/DELETE", c_rules_cover),
    ("webhook: rules match deployments/scale", c_rules_scale),
    ("webhook: rules scope Namespaced", c_rules_namespaced),
    ("webhook: namespaceSelector exempts exactly the five", c_namespace_selector),
    ("webhook: own namespace exempt", c_own_namespace_exempt),
    ("webhook: CA from caBundle or cert-manager", c_ca_source),
    ("cert-manager: issuer chain and serving cert", c_cert_manager_chain),
    ("deployment: replicas >= 2", c_replicas),
    ("deployment: anti-affinity on hostname", c_anti_affinity),
    ("deployment: non-root 65532", c_non_root),
    ("deployment: read-only root fs, no escalation, caps, seccomp", c_hardening),
    ("deployment: probes /healthz /readyz HTTPS 8443", c_probes),
    ("deployment: requests and limits", c_resources),
    ("deployment: images pinned, no :latest", c_image_pinned),
    ("deployment: gitgate serve and its env", c_command),
    ("deployment: GITGATE_AUDIT=1 only in audit", c_audit_env),
    ("deployment: policies mounted as a directory", c_policies_mount),
    ("deployment: TLS Secret mounted as a directory", c_tls_mount),
    ("deployment: no subPath mounts", c_no_subpath),
    ("deployment: emptyDir /tmp", c_tmp),
    ("configmap: generated from policies/*.yaml", c_configmap),
    ("pdb: minAvailable 1 of the gitgate pods", c_pdb),
    ("networkpolicy: ingress 8443 only, no egress", c_network_policy),
]


# ---------------------------------------------- mutations: checks can fail

def m_set(path, value):
    def f(objs, overlay):
        target, key = path(objs)
        target[key] = value
    return f


def hook_ref(key):
    return lambda objs: (the_webhook(objs), key)


def cont_ref(key):
    return lambda objs: (gitgate_container(objs), key)


def m_rule_drop(resource):
    def f(objs, overlay):
        for r in the_webhook(objs)["rules"]:
            r["resources"] = [x for x in r["resources"] if x != resource]
    return f


def m_drop_exempt(objs, overlay):
    e = the_webhook(objs)["namespaceSelector"]["matchExpressions"][0]
    e["values"] = [v for v in e["values"] if v != "flux-system"]


def m_flip_failure(objs, overlay):
    h = the_webhook(objs)
    h["failurePolicy"] = "Fail" if h["failurePolicy"] == "Ignore" else "Ignore"


def m_flip_ca(objs, overlay):
    vwc = one(objs, "ValidatingWebhookConfiguration", "gitgate")
    if overlay == "cert-manager":
        the_webhook(objs)["clientConfig"]["caBundle"] = ""
    else:
        vwc["metadata"].setdefault("annotations", {})[INJECT] = "x/y"


def m_cert_rsa(objs, overlay):
    if overlay == "cert-manager":
        one(objs, "Certificate", "gitgate-serving-cert")["spec"][
            "privateKey"] = {"algorithm": "RSA", "size": 2048}
    else:
        objs.append({"kind": "Issuer", "metadata": {"name": "x"}})


def m_sc(key, value):
    def f(objs, overlay):
        gitgate_container(objs).setdefault("securityContext", {})[key] = value
    return f


def m_no_anti_affinity(objs, overlay):
    pod_spec(objs).pop("affinity", None)


def m_probe_http(objs, overlay):
    gitgate_container(objs)["readinessProbe"]["httpGet"]["scheme"] = "HTTP"


def m_flip_audit(objs, overlay):
    env = gitgate_container(objs)["env"]
    if overlay == "audit":
        env[:] = [e for e in env if e["name"] != "GITGATE_AUDIT"]
    else:
        env.append({"name": "GITGATE_AUDIT", "value": "1"})


def m_subpath(mount_path, sub):
    def f(objs, overlay):
        mount_for(gitgate_container(objs), mount_path)["subPath"] = sub
    return f


def m_wrong_ns(objs, overlay):
    deployment(objs)["metadata"]["namespace"] = "default"


def m_cm_hash(objs, overlay):
    one(objs, "ConfigMap", "gitgate-policies")["metadata"]["name"] = \
        "gitgate-policies-5h2k9t7b4c"


def m_pdb_zero(objs, overlay):
    one(objs, "PodDisruptionBudget")["spec"]["minAvailable"] = 0


def m_np_egress(objs, overlay):
    one(objs, "NetworkPolicy")["spec"]["egress"] = [{}]


def m_svc_port(objs, overlay):
    one(objs, "Service")["spec"]["ports"][0]["targetPort"] = 8080


def m_ns_marker(objs, overlay):
    the_webhook(objs)["namespaceSelector"] = {"matchExpressions": [
        {"key": "gitgate.io/exempt", "operator": "DoesNotExist"}]}


def m_no_tmp(objs, overlay):
    c = gitgate_container(objs)
    c["volumeMounts"] = [m for m in c["volumeMounts"]
                         if m["mountPath"] != "/tmp"]


def m_env(name, value):
    def f(objs, overlay):
        for e in gitgate_container(objs)["env"]:
            if e["name"] == name:
                e["value"] = value
    return f


def m_two_hooks(objs, overlay):
    hooks = one(objs, "ValidatingWebhookConfiguration")["webhooks"]
    hooks.append(dict(hooks[0], name="other.gitgate.io"))


MUTATIONS = {
    c_kinds: m_wrong_ns,
    c_webhook_one: m_two_hooks,
    c_client_config: lambda o, v: the_webhook(o)["clientConfig"]["service"]
    .update(path="/"),
    c_service_reaches_pods: m_svc_port,
    c_side_effects: m_set(hook_ref("sideEffects"), "NoneOnDryRun"),
    c_review_versions: m_set(hook_ref("admissionReviewVersions"),
                             ["v1", "v1beta1"]),
    c_timeout: m_set(hook_ref("timeoutSeconds"), 10),
    c_match_policy: m_set(hook_ref("matchPolicy"), "Exact"),
    c_failure_policy: m_flip_failure,
    c_rules_cover: m_rule_drop("cronjobs"),
    c_rules_scale: m_rule_drop("deployments/scale"),
    c_rules_namespaced: lambda o, v: the_webhook(o)["rules"][0]
    .update(scope="*"),
    c_namespace_selector: m_drop_exempt,
    c_own_namespace_exempt: m_ns_marker,
    c_ca_source: m_flip_ca,
    c_cert_manager_chain: m_cert_rsa,
    c_replicas: lambda o, v: deployment(o)["spec"].update(replicas=1),
    c_anti_affinity: m_no_anti_affinity,
    c_non_root: m_sc("runAsUser", 0),
    c_hardening: m_sc("readOnlyRootFilesystem", False),
    c_probes: m_probe_http,
    c_resources: lambda o, v: gitgate_container(o).pop("resources"),
    c_image_pinned: m_set(cont_ref("image"), "ghcr.io/gitgate/gitgate:latest"),
    c_command: m_env("GITGATE_LISTEN", "127.0.0.1:8443"),
    c_audit_env: m_flip_audit,
    c_policies_mount: m_subpath("/etc/gitgate/policies", "00-settings.yaml"),
    c_tls_mount: m_subpath("/etc/gitgate/tls", "tls.crt"),
    c_no_subpath: m_subpath("/tmp", "x"),
    c_tmp: m_no_tmp,
    c_configmap: m_cm_hash,
    c_pdb: m_pdb_zero,
    c_network_policy: m_np_egress,
}


# ------------------------------- scheduling and rollout (issue 15 checks)

def c_anti_affinity_required(objs, overlay):
    """Two replicas on different nodes is a promise: required anti-affinity
    on the hostname, and a rollout that never needs a third node (a surge
    pod could not be scheduled on two nodes) while keeping one pod up."""
    spec = get(deployment(objs), "spec", default={})
    terms = get(pod_spec(objs), "affinity", "podAntiAffinity",
                "requiredDuringSchedulingIgnoredDuringExecution",
                default=[]) or []
    bad = []
    if not any(t.get("topologyKey") == "kubernetes.io/hostname" and
               selector_matches(t.get("labelSelector"), pod_labels(objs))
               for t in terms):
        bad.append("no required anti-affinity on kubernetes.io/hostname")
    ru = get(spec, "strategy", "rollingUpdate", default={}) or {}
    if ru.get("maxSurge") not in (0, "0%"):
        bad.append("maxSurge %r: the surge pod needs a third node"
                   % ru.get("maxSurge"))
    n = spec.get("replicas") or 0
    if not isinstance(ru.get("maxUnavailable"), int) or \
            not 1 <= ru["maxUnavailable"] <= n - 1:
        bad.append("maxUnavailable %r with %r replicas"
                   % (ru.get("maxUnavailable"), n))
    return bad


def c_zone_spread(objs, overlay):
    for c in get(pod_spec(objs), "topologySpreadConstraints",
                 default=[]) or []:
        if c.get("topologyKey") == "topology.kubernetes.io/zone" and \
                selector_matches(c.get("labelSelector"), pod_labels(objs)) \
                and "pod-template-hash" in (c.get("matchLabelKeys") or []):
            return []
    return ["no zone spread of this revision's pods"]


def c_priority(objs, overlay):
    pc = pod_spec(objs).get("priorityClassName")
    return [] if pc == "system-cluster-critical" else \
        ["priorityClassName %r: application pods may preempt gitgate" % pc]


def m_surge(objs, overlay):
    deployment(objs)["spec"]["strategy"]["rollingUpdate"]["maxSurge"] = 1


def m_no_zone_keys(objs, overlay):
    for c in pod_spec(objs)["topologySpreadConstraints"]:
        c.pop("matchLabelKeys", None)


def c_pdb_unhealthy(objs, overlay):
    pdb = one(objs, "PodDisruptionBudget", "gitgate") or {}
    v = get(pdb, "spec", "unhealthyPodEvictionPolicy")
    return [] if v == "AlwaysAllow" else \
        ["unhealthyPodEvictionPolicy %r: a broken replica blocks drains" % v]


CHECKS += [
    ("pdb: unready pods may be evicted", c_pdb_unhealthy),
    ("deployment: required anti-affinity, rollout fits two nodes",
     c_anti_affinity_required),
    ("deployment: zone spread per revision", c_zone_spread),
    ("deployment: priorityClassName system-cluster-critical", c_priority),
]
MUTATIONS.update({
    c_anti_affinity_required: m_surge,
    c_zone_spread: m_no_zone_keys,
    c_priority: lambda o, v: pod_spec(o).pop("priorityClassName"),
    c_pdb_unhealthy: lambda o, v: one(o, "PodDisruptionBudget")["spec"]
    .pop("unhealthyPodEvictionPolicy"),
})


def check_overlay(t, overlay, objs):
    for name, fn in CHECKS:
        try:
            problems = fn(objs, overlay)
        except (AttributeError, KeyError, TypeError, IndexError) as e:
            problems = ["check crashed: %r" % e]
        t.result("%s: %s" % (overlay, name), problems)


def check_mutations(t, overlay, objs):
    """Each check must fail on objects broken the way it guards against."""
    bad = []
    for name, fn in CHECKS:
        mutate = MUTATIONS.get(fn)
        if mutate is None:
            bad.append("%s: no mutation" % name)
            continue
        broken = copy.deepcopy(objs)
        try:
            mutate(broken, overlay)
            caught = fn(broken, overlay)
        except (AttributeError, KeyError, TypeError, IndexError) as e:
            caught = ["crashed: %r" % e]
        if not caught:
            bad.append("%s: passes on broken objects" % name)
    t.result("%s: every check fails on a broken render" % overlay, bad)


def check_audit_with_cert_manager(t, env, tmp):
    """The component's promise: it also composes with the audit overlay."""
    name = "audit + cert-manager component: composes"
    d = os.path.join(tmp, "audit-cert-manager")
    os.makedirs(d)
    rel = os.path.relpath(os.path.join(ROOT, "manifests"), d)
    with open(os.path.join(d, "kustomization.yaml"), "w") as f:
        f.write("apiVersion: kustomize.config.k8s.io/v1beta1\n"
                "kind: Kustomization\n"
                "resources: [%s/overlays/audit]\n"
                "components: [%s/components/cert-manager]\n" % (rel, rel))
    objs, problems = render(d, env)
    if objs is None:
        t.result(name, problems)
        return
    problems += c_failure_policy(objs, "audit") + c_audit_env(objs, "audit")
    problems += c_ca_source(objs, "cert-manager")
    problems += c_cert_manager_chain(objs, "cert-manager")
    t.result(name, problems)


FLUX_HOOK = "flux.gitgate.io"
FLUX_RESOURCES = {
    ("source.toolkit.fluxcd.io", "gitrepositories"),
    ("source.toolkit.fluxcd.io", "ocirepositories"),
    ("source.toolkit.fluxcd.io", "helmrepositories"),
    ("source.toolkit.fluxcd.io", "buckets"),
    ("source.toolkit.fluxcd.io", "helmcharts"),
    ("kustomize.toolkit.fluxcd.io", "kustomizations"),
    ("helm.toolkit.fluxcd.io", "helmreleases")}


def flux_entry_problems(objs, overlay, others=()):
    """flux.gitgate.io: validate.gitgate.io's copy as the overlay left it,
    with its own name and rules covering the seven Flux kinds (others: the
    entries other components add, anywhere after validate.gitgate.io)."""
    hooks = [h for h in webhooks(objs) if h.get("name") not in others]
    names = [h.get("name") for h in hooks]
    if names != [WEBHOOK, FLUX_HOOK]:
        return ["%s: webhooks %s, want [%s, %s]" % (overlay, names, WEBHOOK,
                                                    FLUX_HOOK)]
    base, flux = hooks
    bad = []
    for key in sorted(set(base) | set(flux)):
        if key not in ("name", "rules") and base.get(key) != flux.get(key):
            bad.append("%s: %s differs from %s's" % (overlay, key, WEBHOOK))
    covered = set()
    for r in flux.get("rules") or []:
        if sorted(r.get("operations") or []) != ["CREATE", "DELETE",
                                                  "UPDATE"]:
            bad.append("%s: operations %s" % (overlay, r.get("operations")))
        if r.get("apiVersions") != ["*"] or r.get("scope") != "Namespaced":
            bad.append("%s: rule %s" % (overlay, r))
        covered |= {(g, res) for g in r.get("apiGroups") or []
                    for res in r.get("resources") or []}
    if covered != FLUX_RESOURCES:
        bad.append("%s: resources %s" % (overlay, sorted(covered)))
    return bad


def check_flux_kinds_component(t, env, tmp):
    """components/flux-kinds after each overlay: a second entry that is the
    overlay's own (failurePolicy, caBundle or its injection, selectors,
    matchConditions) for the Flux kinds; without it, no such entry."""
    for overlay in ("audit", "enforce", "cert-manager"):
        d = os.path.join(tmp, "flux-kinds-" + overlay)
        os.makedirs(d)
        rel = os.path.relpath(os.path.join(ROOT, "manifests"), d)
        with open(os.path.join(d, "kustomization.yaml"), "w") as f:
            f.write("apiVersion: kustomize.config.k8s.io/v1beta1\n"
                    "kind: Kustomization\n"
                    "resources: [%s/overlays/%s]\n"
                    "components: [%s/components/flux-kinds]\n"
                    % (rel, overlay, rel))
        objs, problems = render(d, env)
        if objs is not None:
            problems += flux_entry_problems(objs, overlay)
            fp = {h.get("failurePolicy") for h in webhooks(objs)}
            if fp != {"Ignore" if overlay == "audit" else "Fail"}:
                problems.append("%s: failurePolicy %s" % (overlay, fp))
        t.result("%s + flux-kinds component: a %s entry like %s's" %
                 (overlay, FLUX_HOOK, WEBHOOK), problems)
        plain, problems = render(os.path.join(ROOT, "manifests", "overlays",
                                              overlay), env)
        if plain is not None and FLUX_HOOK in [h.get("name")
                                                for h in webhooks(plain)]:
            problems.append("%s alone has %s" % (overlay, FLUX_HOOK))
        t.result("%s without the component: no %s" % (overlay, FLUX_HOOK),
                 problems)


def check_settings_agree(t, env, objs):
    """The webhook's namespaceSelector and the policies' Settings exempt the
    same namespaces: one is the API server's filter, the other gitgate's
    second line of defence, and they must not drift apart."""
    name = "webhook namespaceSelector agrees with Settings.exemptNamespaces"
    cm = one(objs, "ConfigMap", "gitgate-policies") or {}
    exempt, bad = None, []
    for key, text in sorted((cm.get("data") or {}).items()):
        if all(not ln.strip() or ln.lstrip().startswith("#")
               for ln in text.splitlines()):
            continue        # a file of commented presets only
        rc, js, err = run([KUBECTL, "patch", "--local", "--type=merge", "-p",
                           "{}", "-o", "json", "-f", "-"], env, stdin=text)
        if rc != 0:
            bad.append("%s: %s" % (key, err.strip()))
            continue
        for o in json_stream(js):
            if o.get("kind") == "Settings":
                exempt = get(o, "spec", "exemptNamespaces", default=[])
    if exempt is None:
        bad.append("no Settings document in the policies")
    else:
        sel = get(the_webhook(objs), "namespaceSelector")
        skipped = sorted(n for n in set(exempt) | set(EXEMPT)
                         if not selector_matches(sel, ns_labels(n)))
        if skipped != sorted(set(exempt)):
            bad.append("selector exempts %s, Settings %s"
                       % (skipped, sorted(exempt)))
    t.result(name, bad)


# ------------------------------------------ matchConditions vs Settings
#
# The webhook's CEL matchConditions skip some writers before any call (so a
# gitgate outage cannot block Kubernetes' own controllers). Whoever they
# skip, gitgate never sees: they must skip exactly the actors Settings
# exempts from every policy. gitgate itself says who that is (`gitgate
# review` of a Pod no policy would let through, by each identity).

SA = "system:serviceaccount:"
SAS = "system:serviceaccounts"
# (who, username, groups as the API server sends them)
MC_IDENTITIES = [
    ("a person", "alice", ["developers"]),
    ("a person in system:masters", "kubernetes-admin", ["system:masters"]),
    ("break-glass on-call", "oncall", ["gitgate:break-glass"]),
    ("anonymous", "system:anonymous", ["system:unauthenticated"]),
    ("Flux kustomize-controller", SA + "flux-system:kustomize-controller",
     [SAS, SAS + ":flux-system"]),
    ("Flux helm-controller", SA + "flux-system:helm-controller",
     [SAS, SAS + ":flux-system"]),
    ("Flagger", SA + "flagger-system:flagger", [SAS, SAS + ":flagger-system"]),
    ("Flagger on App Mesh", SA + "appmesh-system:flagger",
     [SAS, SAS + ":appmesh-system"]),
    ("Argo CD", SA + "argocd:argocd-application-controller",
     [SAS, SAS + ":argocd"]),
    ("a tenant's service account", SA + "team-a:flux", [SAS, SAS + ":team-a"]),
    ("a kube-system look-alike in a tenant namespace",
     SA + "team-a:replicaset-controller", [SAS, SAS + ":team-a"]),
    ("a group that only starts like kube-system's", "mallory",
     [SAS + ":kube-system-tools"]),
    ("a user named like a node, not in system:nodes", "system:node:evil",
     ["developers"]),
    ("replicaset-controller", SA + "kube-system:replicaset-controller",
     [SAS, SAS + ":kube-system"]),
    ("job-controller", SA + "kube-system:job-controller",
     [SAS, SAS + ":kube-system"]),
    ("pod-garbage-collector", SA + "kube-system:pod-garbage-collector",
     [SAS, SAS + ":kube-system"]),
    ("node-controller", SA + "kube-system:node-controller",
     [SAS, SAS + ":kube-system"]),
    ("horizontal-pod-autoscaler", SA + "kube-system:horizontal-pod-autoscaler",
     [SAS, SAS + ":kube-system"]),
    ("kube-controller-manager (shared credentials)",
     "system:kube-controller-manager", []),
    ("kube-scheduler", "system:kube-scheduler", []),
    ("kubelet", "system:node:ip-10-0-0-1", ["system:nodes"]),
]
MC_POD = {"apiVersion": "v1", "kind": "Pod",
          "metadata": {"name": "p", "namespace": "podinfo"},
          "spec": {"containers": [{"name": "a", "image": "nginx"}]}}


def cel_module():
    sys.path.insert(0, os.path.join(ROOT, "test", "apiserver"))
    import cel  # noqa: E402 - the stand-in's evaluator, one copy of CEL
    return cel


def mc_request(username, groups):
    """The `request` CEL sees for a Pod CREATE in an app namespace
    (system:authenticated appended, as the authenticator does)."""
    groups = groups + ["system:authenticated"] \
        if username != "system:anonymous" else groups
    return {"kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "requestKind": {"group": "", "version": "v1", "kind": "Pod"},
            "requestResource": {"group": "", "version": "v1",
                                "resource": "pods"},
            "name": "p", "namespace": "podinfo", "operation": "CREATE",
            "userInfo": {"username": username, "groups": groups},
            "dryRun": False}


def mc_decision(hook, request):
    """'call', 'skip' or 'error: ...' for one request, as the API server
    decides before calling (any false: skip; an error: failurePolicy)."""
    cel = cel_module()
    errors = []
    for c in hook.get("matchConditions") or []:
        try:
            v = cel.compile(c.get("expression") or "").eval(
                {"request": request, "object": MC_POD, "oldObject": None})
        except (cel.CompileError, cel.EvalError) as e:
            errors.append("%s: %s" % (c.get("name"), e))
            continue
        if v is False:
            return "skip"
    return "error: " + "; ".join(errors) if errors else "call"


def policies_dir(objs, tmp):
    """The rendered ConfigMap's policies as files gitgate can load."""
    cm = one(objs, "ConfigMap", "gitgate-policies") or {}
    d = tempfile.mkdtemp(prefix="policies-", dir=tmp)
    for key, text in (cm.get("data") or {}).items():
        with open(os.path.join(d, os.path.basename(key)), "w") as f:
            f.write(text)
    return d


def gitgate_exempts(env, pdir, tmp):
    """{username: True/False}: does gitgate let each identity's Pod (no
    marker, no tag: denied to anyone a policy looks at) through without a
    word? Or (None, problem)."""
    exe = os.path.join(ROOT, BUILD, "gitgate")
    if not os.access(exe, os.X_OK):
        return None, "%s missing: run make" % exe
    out = {}
    for who, user, groups in MC_IDENTITIES:
        review = {"apiVersion": "admission.k8s.io/v1",
                  "kind": "AdmissionReview",
                  "request": dict(mc_request(user, groups), uid="u-1",
                                  object=MC_POD, oldObject=None)}
        path = os.path.join(tmp, "review.json")
        with open(path, "w") as f:
            json.dump(review, f)
        rc, js, err = run([exe, "review", "--policies", pdir, path], env)
        try:
            resp = json.loads(js)["response"]
        except (ValueError, KeyError, TypeError):
            return None, "gitgate review (%s): exit %d: %s" % (
                who, rc, err.strip()[:200])
        out[user] = resp.get("allowed") is True and \
            not resp.get("warnings") and not resp.get("auditAnnotations")
    return out, None


def mc_problems(hook, exempt):
    bad = []
    for who, user, groups in MC_IDENTITIES:
        d = mc_decision(hook, mc_request(user, groups))
        if d.startswith("error"):
            bad.append("%s (%s): matchConditions %s" % (who, user, d))
        elif d == "skip" and not exempt[user]:
            bad.append("the webhook skips %s (%s) but Settings does not "
                       "exempt it: nothing would check its writes"
                       % (who, user))
        elif d == "call" and exempt[user]:
            bad.append("Settings exempts %s (%s) but the webhook still calls "
                       "gitgate: an outage under failurePolicy Fail blocks "
                       "it" % (who, user))
    return bad


def check_match_conditions(t, overlay, objs, env, tmp, exempt_cache):
    name = "%s: matchConditions skip exactly the actors Settings exempts" \
        % overlay
    hook = the_webhook(objs)
    if not hook or not hook.get("matchConditions"):
        t.result(name, ["the webhook has no matchConditions"])
        return
    if "table" not in exempt_cache:
        exempt_cache["table"] = gitgate_exempts(env, policies_dir(objs, tmp),
                                                tmp)
    exempt, problem = exempt_cache["table"]
    if exempt is None:
        t.result(name, [problem])
        return
    bad = mc_problems(hook, exempt)
    if all(exempt.values()) or not any(exempt.values()):
        bad.append("gitgate exempts %s of the identities: the table or "
                   "`gitgate review` is broken" % ("all" if exempt[
                       "alice"] else "none"))
    t.result(name, bad)
    check_match_conditions_can_fail(t, overlay, hook, exempt)


def check_match_conditions_can_fail(t, overlay, hook, exempt):
    """The comparison must catch both directions of drift."""
    bad = []
    masters = copy.deepcopy(hook)
    masters["matchConditions"].append({
        "name": "not-masters",
        "expression": "!('system:masters' in request.userInfo.groups)"})
    if not any("kubernetes-admin" in p for p in mc_problems(masters,
                                                            exempt)):
        bad.append("a condition skipping system:masters went unnoticed")
    narrow = copy.deepcopy(hook)
    narrow["matchConditions"] = [
        c for c in narrow["matchConditions"]
        if "system:nodes" not in c.get("expression", "")]
    if not any("kubelet" in p for p in mc_problems(narrow, exempt)):
        bad.append("dropping the system:nodes condition went unnoticed")
    broken = copy.deepcopy(hook)
    broken["matchConditions"].append({"name": "typo", "expression":
                                      "request.userInfo.group == []"})
    if not any("typo" in p for p in mc_problems(broken, exempt)):
        bad.append("a condition that does not compile went unnoticed")
    t.result("%s: the matchConditions check fails on a broken webhook"
             % overlay, bad)


# ------------------------------------------------------------------- flux

def check_flux(t, env):
    objs, problems = render("manifests/flux", env)
    t.result("flux: example renders", problems)
    if objs is None:
        return
    ks = one(objs, "Kustomization", "gitgate")
    bad = []
    if get(ks, "apiVersion") != "kustomize.toolkit.fluxcd.io/v1":
        bad.append("apiVersion %r" % get(ks, "apiVersion"))
    path = get(ks, "spec", "path", default="")
    if path != "./manifests/overlays/audit":
        bad.append("path %r, want ./manifests/overlays/audit" % path)
    elif not os.path.isfile(os.path.join(ROOT, path, "kustomization.yaml")):
        bad.append("path %s has no kustomization.yaml" % path)
    src = get(ks, "spec", "sourceRef", default={}) or {}
    if src.get("kind") != "GitRepository" or not (
            one(objs, "GitRepository", src.get("name")) or
            src.get("name") == "flux-system"):
        bad.append("sourceRef %r is not a GitRepository" % src)
    if get(ks, "spec", "prune") is not True:
        bad.append("prune not true")
    t.result("flux: Kustomization deploys overlays/audit", bad)


# ---------------------------------------------------------------- docker

def dockerfile_instructions(text):
    """[(INSTRUCTION, args)] with continuation lines joined, comments out."""
    out, cur = [], ""
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        if line.rstrip().endswith("\\"):
            cur += line.rstrip()[:-1] + " "
            continue
        cur += line
        if cur.strip():
            word, _, rest = cur.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
        cur = ""
    return out


def stages(instrs):
    out = []
    for ins, args in instrs:
        if ins == "FROM":
            out.append([(ins, args)])
        elif out:
            out[-1].append((ins, args))
    return out


def apt_packages(stage):
    pkgs = set()
    for ins, args in stage:
        if ins == "RUN" and "apt-get install" in args:
            for part in args.split("&&"):
                if "apt-get install" in part:
                    words = part.split("apt-get install", 1)[1].split()
                    pkgs |= {w for w in words if not w.startswith("-")}
    return pkgs


def check_dockerfile(t, env):
    path = os.path.join(ROOT, "Dockerfile")
    try:
        with open(path, encoding="utf-8") as f:
            instrs = dockerfile_instructions(f.read())
    except OSError as e:
        t.result("docker: Dockerfile", [str(e)])
        return
    st = stages(instrs)
    bad = []
    if len(st) < 2:
        bad.append("%d stage(s), want a build and a runtime stage" % len(st))
    for s in st:
        image = [w for w in s[0][1].split() if not w.startswith("--")][0]
        name = image.split("@")[0].rsplit("/", 1)[-1]
        if ":" not in name and "@" not in image:
            bad.append("FROM %s: no tag" % image)
        elif name.endswith(":latest"):
            bad.append("FROM %s: latest" % image)
    t.result("docker: multi-stage, pinned base images", bad)
    if len(st) < 2:
        return
    build, runtime = st[0], st[-1]
    runs = " ".join(a for i, a in build if i == "RUN")
    m = re.search(r"make install\s+DESTDIR=(\S+)\s+PREFIX=(\S+)", runs)
    t.result("docker: build stage runs make install DESTDIR PREFIX",
             [] if m else ["no `make install DESTDIR=... PREFIX=...`"])
    rt = dict(runtime)
    bad = []
    if rt.get("USER") != "65532:65532":
        bad.append("USER %r, want 65532:65532" % rt.get("USER"))
    entry = rt.get("ENTRYPOINT", "")
    if entry != '["/usr/local/bin/gitgate"]':
        bad.append("ENTRYPOINT %r" % entry)
    if rt.get("CMD") != '["serve"]':
        bad.append("CMD %r" % rt.get("CMD"))
    if m:
        copied = [a for i, a in runtime if i == "COPY" and "--from=" in a]
        prefix = m.group(1).rstrip("/") + m.group(2)
        if not any(prefix in a for a in copied):
            bad.append("runtime does not COPY from %s" % prefix)
        if entry != '["%s/bin/gitgate"]' % m.group(2):
            bad.append("ENTRYPOINT not under PREFIX %s" % m.group(2))
    if apt_packages(runtime) & {p for p in apt_packages(build)
                                if p.endswith("-dev")}:
        bad.append("runtime stage installs -dev packages")
    t.result("docker: runtime non-root, entrypoint gitgate serve", bad)
    check_runtime_libs(t, runtime, env)
    check_dockerignore(t)


def check_runtime_libs(t, runtime, env):
    """Every library the built binary links directly (ELF NEEDED) comes from
    a package the runtime stage installs or the base image has."""
    name = "docker: runtime stage installs the binary's libraries"
    if BUILD != "build":
        t.skip(name, "instrumented build %s: checked on the plain build" % BUILD)
        return
    binary = os.path.join(ROOT, BUILD, "gitgate")
    if not os.path.isfile(binary):
        t.skip(name, "no %s yet" % os.path.relpath(binary, ROOT))
        return
    rc, elf, err = run(["readelf", "-d", binary], env)
    rc2, ldd, err2 = run(["ldd", binary], env)
    if rc != 0 or rc2 != 0:
        t.result(name, ["readelf/ldd: %s" % (err or err2).strip()])
        return
    paths = dict(re.findall(r"^\s*(\S+) => (/\S+)", ldd, re.M))
    have = apt_packages(runtime) | BASE_IMAGE_PACKAGES
    bad = []
    for lib in sorted(set(re.findall(r"\(NEEDED\).*\[(.+)\]", elf))):
        path = paths.get(lib)
        owner = None
        for candidate in (os.path.realpath(path or ""), path):
            rc, out, _ = run(["dpkg", "-S", candidate or "/nonexistent"], env)
            if rc == 0:
                owner = out.split(":")[0]
                break
        if owner is None:
            bad.append("%s: no Debian package owns %s" % (lib, path))
        elif owner not in have:
            bad.append("%s: package %s not installed in the runtime stage"
                       % (lib, owner))
    t.result(name, bad)


def check_dockerignore(t):
    path = os.path.join(ROOT, ".dockerignore")
    try:
        with open(path, encoding="utf-8") as f:
            pats = {ln.strip().rstrip("/") for ln in f
                    if ln.strip() and not ln.startswith("#")}
    except OSError as e:
        t.result("docker: .dockerignore", [str(e)])
        return
    bad = ["%s not ignored" % p for p in (".git", "build") if p not in pats]
    bad += ["%s ignored, make install needs it" % p
            for p in ("Makefile", "webhook", "certs", "*", "**") if p in pats]
    t.result("docker: .dockerignore keeps the build sources only", bad)


def check_make_install(t, env):
    """CI cannot build images, so it runs the image's install step here."""
    name = "make install DESTDIR PREFIX installs a working gitgate"
    if BUILD != "build":
        t.skip(name, "instrumented build %s: checked on the plain build" % BUILD)
        return
    rc, _, err = run(["make", "-n", "-q", "install"], env)
    if rc == 2 and "No rule to make target 'install'" in err:
        t.skip(name, "Makefile has no install target yet")
        return
    with tempfile.TemporaryDirectory() as dest:
        rc, out, err = run(["make", "--no-print-directory", "-s", "install",
                            "BUILD=" + BUILD, "DESTDIR=" + dest,
                            "PREFIX=/usr/local"], env, timeout=600)
        if rc != 0:
            t.result(name, ["exit %d: %s" % (rc, (err or out).strip()[-300:])])
            return
        bad = []
        for base, _, files in os.walk(dest):
            for f in files:
                rel = os.path.relpath(os.path.join(base, f), dest)
                if not rel.startswith("usr/local/"):
                    bad.append("installed outside PREFIX: /%s" % rel)
        exe = os.path.join(dest, "usr/local/bin/gitgate")
        if not os.access(exe, os.X_OK):
            bad.append("no executable usr/local/bin/gitgate")
        else:
            rc, _, err = run([exe, "version"], env)
            if rc != 0:
                bad.append("installed gitgate version: exit %d" % rc)
        t.result(name, bad)


# ------------------------------------------------ monitoring component

MONITORING_KINDS = ("ServiceMonitor", "PrometheusRule")


def c_servicemonitor(objs):
    """The ServiceMonitor scrapes the gitgate pods through their Service,
    over HTTPS on the webhook port, verifying the serving certificate with
    the CA in gitgate-tls for the name that certificate carries."""
    sm = one(objs, "ServiceMonitor", "gitgate")
    svc = one(objs, "Service", "gitgate")
    if not sm or not svc:
        return ["no ServiceMonitor or Service gitgate"]
    spec = sm.get("spec") or {}
    bad = []
    if get(sm, "metadata", "namespace") != NAMESPACE:
        bad.append("ServiceMonitor in %r" % get(sm, "metadata", "namespace"))
    if not selector_matches(spec.get("selector"),
                            get(svc, "metadata", "labels", default={})):
        bad.append("selector does not select the Service")
    if NAMESPACE not in (get(spec, "namespaceSelector", "matchNames",
                             default=[]) or []):
        bad.append("namespaceSelector misses %s" % NAMESPACE)
    ports = {p.get("name"): p for p in get(svc, "spec", "ports", default=[])}
    eps = spec.get("endpoints") or []
    if len(eps) != 1:
        return bad + ["%d endpoints, want 1" % len(eps)]
    ep = eps[0]
    target = port_number(gitgate_container(objs),
                         (ports.get(ep.get("port")) or {}).get("targetPort"))
    if target != CONTAINER_PORT:
        bad.append("endpoint port %r does not reach %d" % (ep.get("port"),
                                                           CONTAINER_PORT))
    if ep.get("scheme") != "https" or ep.get("path") != "/metrics":
        bad.append("scheme %r path %r" % (ep.get("scheme"), ep.get("path")))
    tls = ep.get("tlsConfig") or {}
    if tls.get("insecureSkipVerify"):
        bad.append("insecureSkipVerify")
    want = "%s.%s.svc" % (get(svc, "metadata", "name"), NAMESPACE)
    if tls.get("serverName") != want:
        bad.append("serverName %r, want %s" % (tls.get("serverName"), want))
    cert = one(objs, "Certificate", "gitgate-serving-cert")
    if cert and tls.get("serverName") not in (get(
            cert, "spec", "dnsNames", default=[]) or []):
        bad.append("serverName not in the Certificate's dnsNames")
    if get(tls, "ca", "secret") != {"name": "gitgate-tls", "key": "ca.crt"}:
        bad.append("CA %r, want Secret gitgate-tls key ca.crt"
                   % get(tls, "ca"))
    return bad


def c_monitoring_objects(objs, base):
    """The component adds its three objects in gitgate's namespace and
    changes nothing else."""
    bad = []
    for kind, name in (("ServiceMonitor", "gitgate"),
                       ("PrometheusRule", "gitgate"),
                       ("ConfigMap", "gitgate-dashboard")):
        o = one(objs, kind, name)
        if not o or get(o, "metadata", "namespace") != NAMESPACE:
            bad.append("no %s %s in %s" % (kind, name, NAMESPACE))
    cm = one(objs, "ConfigMap", "gitgate-dashboard") or {}
    if get(cm, "metadata", "labels", "grafana_dashboard") != "1":
        bad.append("dashboard ConfigMap lacks label grafana_dashboard=1")
    rest = [o for o in objs if o.get("kind") not in MONITORING_KINDS and
            get(o, "metadata", "name") != "gitgate-dashboard"]
    if base is not None and rest != base:
        bad.append("the component changes the overlay's own objects")
    return bad


def check_monitoring(t, env, tmp, base):
    """components/monitoring composed with overlays/cert-manager (the
    render with the most to agree with: the Certificate's names)."""
    d = os.path.join(tmp, "cert-manager-monitoring")
    os.makedirs(d)
    rel = os.path.relpath(os.path.join(ROOT, "manifests"), d)
    with open(os.path.join(d, "kustomization.yaml"), "w") as f:
        f.write("apiVersion: kustomize.config.k8s.io/v1beta1\n"
                "kind: Kustomization\n"
                "resources: [%s/overlays/cert-manager]\n"
                "components: [%s/components/monitoring]\n" % (rel, rel))
    objs, problems = render(d, env)
    t.result("monitoring component: renders with cert-manager, no warnings",
             problems)
    if objs is None:
        return
    t.result("monitoring component: three objects, overlay unchanged",
             c_monitoring_objects(objs, base))
    t.result("monitoring: ServiceMonitor scrapes 8443 over verified TLS",
             c_servicemonitor(objs))
    breaks = {
        "serverName": lambda o: o["spec"]["endpoints"][0]["tlsConfig"]
        .update(serverName="gitgate"),
        "insecure": lambda o: o["spec"]["endpoints"][0]["tlsConfig"]
        .update(insecureSkipVerify=True),
        "port": lambda o: o["spec"]["endpoints"][0].update(port="metrics"),
        "scheme": lambda o: o["spec"]["endpoints"][0].update(scheme="http"),
        "ca": lambda o: o["spec"]["endpoints"][0]["tlsConfig"]["ca"][
            "secret"].update(key="tls.crt"),
        "selector": lambda o: o["spec"]["selector"]["matchLabels"]
        .update(app="x"),
    }
    missed = []
    for what, mutate in breaks.items():
        broken = copy.deepcopy(objs)
        mutate(one(broken, "ServiceMonitor", "gitgate"))
        if not c_servicemonitor(broken):
            missed.append("%s: passes on a broken ServiceMonitor" % what)
    broken = copy.deepcopy(objs)
    one(broken, "Deployment", "gitgate")["spec"]["replicas"] = 3
    if not c_monitoring_objects(broken, base):
        missed.append("a changed Deployment passes")
    t.result("monitoring: every check fails on a broken render", missed)


# ------------------------------------------------------------------- main

def main():
    t = Tally()
    exempt_cache = {}
    with tempfile.TemporaryDirectory(prefix="gitgate-manifests-") as tmp:
        env = hermetic_env(tmp)
        for overlay in OVERLAYS:
            objs, problems = render("manifests/overlays/" + overlay, env)
            t.result("%s: kubectl kustomize renders, no warnings" % overlay,
                     problems)
            if objs is None:
                continue
            check_overlay(t, overlay, objs)
            check_mutations(t, overlay, objs)
            if overlay == "cert-manager":
                check_monitoring(t, env, tmp, objs)
            if overlay == "enforce":
                check_settings_agree(t, env, objs)
            check_match_conditions(t, overlay, objs, env, tmp, exempt_cache)
        check_audit_with_cert_manager(t, env, tmp)
        check_flux_kinds_component(t, env, tmp)
        components.check_managed_objects(t, env, tmp, sys.modules[__name__])
        components.check_combined(t, env, tmp, sys.modules[__name__])
        check_flux(t, env)
        check_dockerfile(t, env)
        check_make_install(t, env)
    if t.skipped:
        print("(%d skipped: they run once their inputs exist)" % t.skipped)
    print("manifests: %d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
