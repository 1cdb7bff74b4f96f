# What kube-apiserver does to an object before validating webhooks see it:
# API defaulting (SetDefaults_* of the served versions), the built-in admission
# plugins that touch Pods (ServiceAccount, DefaultTolerationSeconds, Priority),
# the registry strategies (PrepareForCreate/Update: status, generation, Job
# selectors, Service clusterIP) and a small part of validation (422), enough
# that kubectl and the webhook see realistic objects. Not a full validator.
import copy
import json
import random
import re

import labels
import matchconditions
import status as st

POD_SPEC_PATHS = {
    "pods": ("spec",),
    "replicationcontrollers": ("spec", "template", "spec"),
    "deployments": ("spec", "template", "spec"),
    "statefulsets": ("spec", "template", "spec"),
    "daemonsets": ("spec", "template", "spec"),
    "replicasets": ("spec", "template", "spec"),
    "jobs": ("spec", "template", "spec"),
    "cronjobs": ("spec", "jobTemplate", "spec", "template", "spec"),
}

DNS1123_SUBDOMAIN = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case "
                 "alphanumeric characters, '-' or '.', and must start and end "
                 "with an alphanumeric character (e.g. 'example.com', regex "
                 "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-"
                 "z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case "
             "alphanumeric characters or '-', and must start and end with an "
             "alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
             "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")


def dig(obj, path, create=False):
    """obj[path[0]][path[1]]..., None when absent (or created as {})."""
    cur = obj
    for p in path:
        if not isinstance(cur, dict):
            return None
        if p not in cur or cur[p] is None:
            if not create:
                return None
            cur[p] = {}
        cur = cur[p]
    return cur


def _image_pull_policy(image):
    """Always for :latest or no tag (and no digest), else IfNotPresent."""
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def _default_probe(p):
    if not isinstance(p, dict):
        return
    p.setdefault("timeoutSeconds", 1)
    p.setdefault("periodSeconds", 10)
    p.setdefault("successThreshold", 1)
    p.setdefault("failureThreshold", 3)
    if isinstance(p.get("httpGet"), dict):
        p["httpGet"].setdefault("scheme", "HTTP")


def _default_container(c):
    if not isinstance(c, dict):
        return
    for port in c.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
    for e in c.get("env") or []:
        fr = dig(e, ("valueFrom", "fieldRef"))
        if isinstance(fr, dict):
            fr.setdefault("apiVersion", "v1")
    c.setdefault("resources", {})
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    if isinstance(c.get("image"), str):
        c.setdefault("imagePullPolicy", _image_pull_policy(c["image"]))
    for k in ("livenessProbe", "readinessProbe", "startupProbe"):
        _default_probe(c.get(k))


def default_pod_spec(spec, is_pod=False):
    if not isinstance(spec, dict):
        return
    for k in ("initContainers", "containers", "ephemeralContainers"):
        for c in spec.get(k) or []:
            _default_container(c)
    for v in spec.get("volumes") or []:
        if not isinstance(v, dict):
            continue
        for src in ("configMap", "secret"):
            if isinstance(v.get(src), dict):
                v[src].setdefault("defaultMode", 420)
        if isinstance(v.get("projected"), dict):
            v["projected"].setdefault("defaultMode", 420)
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    if is_pod:
        spec.setdefault("enableServiceLinks", True)


def _default_template(obj, path):
    """Pod template at obj[path]: creationTimestamp null + pod spec."""
    tmpl = dig(obj, path)
    if not isinstance(tmpl, dict):
        return
    meta = tmpl.setdefault("metadata", {})
    if isinstance(meta, dict):
        meta.setdefault("creationTimestamp", None)
    default_pod_spec(tmpl.get("spec"))


def _default_job_spec(spec):
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    if spec.get("podFailurePolicy") is None:
        spec.setdefault("podReplacementPolicy", "TerminatingOrFailed")


def _default_vwc(obj):
    for h in obj.get("webhooks") or []:
        if not isinstance(h, dict):
            continue
        h.setdefault("failurePolicy", "Fail")
        h.setdefault("matchPolicy", "Equivalent")
        h.setdefault("namespaceSelector", {})
        h.setdefault("objectSelector", {})
        h.setdefault("timeoutSeconds", 10)
        svc = dig(h, ("clientConfig", "service"))
        if isinstance(svc, dict):
            svc.setdefault("port", 443)
        for r in h.get("rules") or []:
            if isinstance(r, dict):
                r.setdefault("scope", "*")


def apply_defaults(res, obj):
    """API-version defaulting, as done when a request body is decoded."""
    spec = obj.get("spec")
    p = res.plural
    if p == "pods":
        default_pod_spec(spec, is_pod=True)
    elif p in POD_SPEC_PATHS:
        _default_template(obj, POD_SPEC_PATHS[p][:-1])
    if not isinstance(spec, dict) and p != "validatingwebhookconfigurations":
        if p in ("namespaces",):
            obj["spec"] = {"finalizers": ["kubernetes"]}
        return obj
    if p == "deployments":
        spec.setdefault("replicas", 1)
        strat = spec.setdefault("strategy", {})
        strat.setdefault("type", "RollingUpdate")
        if strat["type"] == "RollingUpdate":
            ru = strat.setdefault("rollingUpdate", {})
            ru.setdefault("maxUnavailable", "25%")
            ru.setdefault("maxSurge", "25%")
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("progressDeadlineSeconds", 600)
    elif p == "statefulsets":
        spec.setdefault("replicas", 1)
        spec.setdefault("podManagementPolicy", "OrderedReady")
        us = spec.setdefault("updateStrategy", {"type": "RollingUpdate"})
        if us.get("type") == "RollingUpdate":
            us.setdefault("rollingUpdate", {}).setdefault("partition", 0)
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("persistentVolumeClaimRetentionPolicy",
                        {"whenDeleted": "Retain", "whenScaled": "Retain"})
    elif p == "daemonsets":
        us = spec.setdefault("updateStrategy", {"type": "RollingUpdate"})
        if us.get("type") == "RollingUpdate":
            ru = us.setdefault("rollingUpdate", {})
            ru.setdefault("maxUnavailable", 1)
            ru.setdefault("maxSurge", 0)
        spec.setdefault("revisionHistoryLimit", 10)
    elif p == "replicasets":
        spec.setdefault("replicas", 1)
    elif p == "replicationcontrollers":
        spec.setdefault("replicas", 1)
        tl = dig(obj, ("spec", "template", "metadata", "labels"))
        if tl and not spec.get("selector"):
            spec["selector"] = dict(tl)
        if tl and not dig(obj, ("metadata", "labels")):
            obj.setdefault("metadata", {})["labels"] = dict(tl)
    elif p == "jobs":
        _default_job_spec(spec)
        tl = dig(obj, ("spec", "template", "metadata", "labels"))
        if tl and not dig(obj, ("metadata", "labels")):
            obj.setdefault("metadata", {})["labels"] = dict(tl)
    elif p == "cronjobs":
        spec.setdefault("concurrencyPolicy", "Allow")
        spec.setdefault("suspend", False)
        spec.setdefault("successfulJobsHistoryLimit", 3)
        spec.setdefault("failedJobsHistoryLimit", 1)
    elif p == "services":
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        for port in spec.get("ports") or []:
            if isinstance(port, dict):
                port.setdefault("protocol", "TCP")
                if "port" in port:
                    port.setdefault("targetPort", port["port"])
    elif p == "horizontalpodautoscalers":
        spec.setdefault("minReplicas", 1)
        if not spec.get("metrics"):
            spec["metrics"] = [{"type": "Resource", "resource": {
                "name": "cpu", "target": {"type": "Utilization",
                                          "averageUtilization": 80}}}]
    elif p == "namespaces":
        spec.setdefault("finalizers", ["kubernetes"])
    if p == "validatingwebhookconfigurations":
        _default_vwc(obj)
    return obj


def _rand_suffix(n=5):
    # k8s.io/apimachinery/pkg/util/rand.String alphabet
    return "".join(random.choice("bcdfghjklmnpqrstvwxz2456789")
                   for _ in range(n))


def admit_builtin_create(res, obj):
    """Built-in mutating admission plugins that run before webhooks on CREATE
    (ServiceAccount, DefaultTolerationSeconds, Priority) for Pods."""
    if res.plural != "pods":
        return
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    sa = spec.get("serviceAccountName") or spec.get("serviceAccount") or \
        "default"
    spec["serviceAccountName"] = sa
    spec["serviceAccount"] = sa
    if spec.get("automountServiceAccountToken") is not False:
        vname = "kube-api-access-" + _rand_suffix()
        spec.setdefault("volumes", []).append({"name": vname, "projected": {
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607,
                                         "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [
                    {"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{
                    "path": "namespace", "fieldRef": {
                        "apiVersion": "v1",
                        "fieldPath": "metadata.namespace"}}]}}],
            "defaultMode": 420}})
        for k in ("initContainers", "containers"):
            for c in spec.get(k) or []:
                if isinstance(c, dict):
                    c.setdefault("volumeMounts", []).append({
                        "name": vname, "readOnly": True,
                        "mountPath": "/var/run/secrets/kubernetes.io/"
                                     "serviceaccount"})
    tol = spec.setdefault("tolerations", [])
    for key in ("node.kubernetes.io/not-ready",
                "node.kubernetes.io/unreachable"):
        if not any(isinstance(t, dict) and t.get("key") == key for t in tol):
            tol.append({"key": key, "operator": "Exists",
                        "effect": "NoExecute", "tolerationSeconds": 300})
    spec.setdefault("priority", 0)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")


def prepare_for_create(res, obj, store):
    """Registry strategy PrepareForCreate: status reset, generation, and the
    per-kind server-side fields (Job selector, Service clusterIP...)."""
    meta = obj["metadata"]
    if res.generation:
        meta["generation"] = 1
    p = res.plural
    if p == "pods":
        obj["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
    elif p == "namespaces":
        obj["status"] = {"phase": "Active"}
        meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = \
            meta.get("name", "")
    elif p == "services":
        obj["status"] = {"loadBalancer": {}}
        spec = obj.setdefault("spec", {})
        if spec.get("type") != "ExternalName" and \
                spec.get("clusterIP") in (None, ""):
            ip = store.allocate_cluster_ip()
            spec["clusterIP"] = ip
            spec["clusterIPs"] = [ip]
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        spec.setdefault("internalTrafficPolicy", "Cluster")
    elif p == "horizontalpodautoscalers":
        obj["status"] = {"currentMetrics": None, "desiredReplicas": 0}
    elif p == "ingresses":
        obj["status"] = {"loadBalancer": {}}
    elif p == "jobs":
        obj["status"] = {}
        spec = obj.setdefault("spec", {})
        if not spec.get("manualSelector"):
            uid = meta["uid"]
            spec["selector"] = {"matchLabels": {
                "batch.kubernetes.io/controller-uid": uid}}
            tm = dig(obj, ("spec", "template", "metadata"), create=True)
            tl = tm.setdefault("labels", {})
            tl.update({"batch.kubernetes.io/controller-uid": uid,
                       "batch.kubernetes.io/job-name": meta["name"],
                       "controller-uid": uid, "job-name": meta["name"]})
    elif p in ("configmaps", "secrets", "serviceaccounts", "events",
               "networkpolicies", "validatingwebhookconfigurations"):
        obj.pop("status", None)
    else:
        obj["status"] = {}


def prepare_for_update(res, obj, old):
    """Registry strategy PrepareForUpdate for the main resource: status is
    kept from the old object, generation bumps when the spec changes."""
    if "status" in old:
        obj["status"] = copy.deepcopy(old["status"])
    else:
        obj.pop("status", None)
    if not res.generation:
        return
    gen = old["metadata"].get("generation", 1)
    field = "webhooks" if res.plural == "validatingwebhookconfigurations" \
        else "spec"
    changed = obj.get(field) != old.get(field)
    if res.plural == "deployments":
        changed = changed or (obj["metadata"].get("annotations") !=
                              old["metadata"].get("annotations"))
    obj["metadata"]["generation"] = gen + 1 if changed else gen


# ---- validation (a small, honest subset) ----

def _name_errors(res, meta):
    name = meta.get("name")
    if not name:
        return [st.field_required("metadata.name",
                                  "name or generateName is required")]
    if res.plural in ("namespaces", "services"):
        if not DNS1123_LABEL.match(name) or len(name) > 63:
            return [st.field_invalid("metadata.name", name, LABEL_MSG)]
    elif not DNS1123_SUBDOMAIN.match(name) or len(name) > 253:
        return [st.field_invalid("metadata.name", name, SUBDOMAIN_MSG)]
    return []


def _pod_spec_errors(spec, path, restart_policies=None):
    errs = []
    if not isinstance(spec, dict):
        return [st.field_required(path)]
    cs = spec.get("containers")
    if not cs:
        errs.append(st.field_required(path + ".containers"))
    seen = set()
    for kind in ("initContainers", "containers"):
        for i, c in enumerate(spec.get(kind) or []):
            cp = "%s.%s[%d]" % (path, kind, i)
            if not isinstance(c, dict):
                errs.append(st.field_required(cp))
                continue
            if not c.get("name"):
                errs.append(st.field_required(cp + ".name"))
            elif c["name"] in seen:
                errs.append(st.field_duplicate(cp + ".name", c["name"]))
            else:
                seen.add(c["name"])
            if not c.get("image"):
                errs.append(st.field_required(cp + ".image"))
    if restart_policies and spec.get("restartPolicy") not in restart_policies:
        errs.append(st.field_unsupported(path + ".restartPolicy",
                                         spec.get("restartPolicy"),
                                         restart_policies))
    return errs


def _workload_errors(res, obj):
    errs = []
    spec = obj.get("spec")
    p = res.plural
    if not isinstance(spec, dict):
        return [st.field_required("spec")]
    if "replicas" in spec and isinstance(spec["replicas"], int) and \
            spec["replicas"] < 0:
        errs.append(st.field_invalid("spec.replicas", spec["replicas"],
                                     "must be greater than or equal to 0"))
    if p in ("deployments", "statefulsets", "daemonsets", "replicasets"):
        sel = spec.get("selector")
        if sel is None:
            errs.append(st.field_required("spec.selector"))
        else:
            errs += labels.selector_errors(sel, "spec.selector")
            if labels.selector_empty(sel):
                errs.append(st.field_invalid(
                    "spec.selector", sel,
                    "empty selector is invalid for deployment"))
            else:
                tl = dig(obj, ("spec", "template", "metadata", "labels"))
                try:
                    ok = labels.selector_matches(sel, tl or {})
                except labels.SelectorError:
                    ok = False
                if not ok:
                    errs.append(st.field_invalid(
                        "spec.template.metadata.labels", tl or {},
                        "`selector` does not match template `labels`"))
    tpath = "spec.jobTemplate.spec.template" if p == "cronjobs" \
        else "spec.template"
    tmpl = dig(obj, tuple(tpath.split(".")))
    pols = {"jobs": ["OnFailure", "Never"], "cronjobs": ["OnFailure",
                                                         "Never"]}.get(
        p, ["Always"])
    errs += _pod_spec_errors((tmpl or {}).get("spec"), tpath + ".spec", pols)
    return errs


def _vwc_errors(obj):
    errs = []
    names = set()
    for i, h in enumerate(obj.get("webhooks") or []):
        p = "webhooks[%d]" % i
        name = h.get("name") or ""
        if not name:
            errs.append(st.field_required(p + ".name"))
        elif name.count(".") < 2 or not DNS1123_SUBDOMAIN.match(name):
            errs.append(st.field_invalid(
                p + ".name", name,
                "should be a domain with at least three segments separated "
                "by dots"))
        elif name in names:
            errs.append(st.field_duplicate(p + ".name", name))
        names.add(name)
        cc = h.get("clientConfig") or {}
        if bool(cc.get("url")) == bool(cc.get("service")):
            errs.append(st.field_required(
                p + ".clientConfig", "exactly one of url or service is "
                "required"))
        svc = cc.get("service") or {}
        path = svc.get("path")
        if path is not None:
            if not path.startswith("/"):
                errs.append(st.field_invalid(
                    p + ".clientConfig.service.path", path,
                    "must start with a '/'"))
            else:
                for seg in path[1:].split("/"):
                    if seg and not DNS1123_SUBDOMAIN.match(seg):
                        errs.append(st.field_invalid(
                            p + ".clientConfig.service.path", path,
                            "segment[%d]: %s" % (0, SUBDOMAIN_MSG)))
                        break
        if cc.get("url") and not str(cc["url"]).startswith("https://"):
            errs.append(st.field_invalid(p + ".clientConfig.url", cc["url"],
                                         "'https' is the only allowed URL "
                                         "scheme"))
        se = h.get("sideEffects")
        if se is None:
            errs.append(st.field_required(
                p + ".sideEffects", "must specify one of None, "
                "NoneOnDryRun"))
        elif se not in ("None", "NoneOnDryRun"):
            errs.append(st.field_unsupported(p + ".sideEffects", se,
                                             ["None", "NoneOnDryRun"]))
        arv = h.get("admissionReviewVersions") or []
        if not arv:
            errs.append(st.field_required(
                p + ".admissionReviewVersions",
                "must specify one of v1, v1beta1"))
        elif not set(arv) & {"v1", "v1beta1"}:
            errs.append(st.field_invalid(
                p + ".admissionReviewVersions", arv[0],
                "must include at least one of v1, v1beta1"))
        to = h.get("timeoutSeconds")
        if not isinstance(to, int) or not 1 <= to <= 30:
            errs.append(st.field_invalid(
                p + ".timeoutSeconds", to,
                "the timeout value must be between 1 and 30 seconds"))
        if h.get("failurePolicy") not in ("Fail", "Ignore"):
            errs.append(st.field_unsupported(p + ".failurePolicy",
                                             h.get("failurePolicy"),
                                             ["Fail", "Ignore"]))
        if h.get("matchPolicy") not in ("Exact", "Equivalent"):
            errs.append(st.field_unsupported(p + ".matchPolicy",
                                             h.get("matchPolicy"),
                                             ["Equivalent", "Exact"]))
        for sk in ("namespaceSelector", "objectSelector"):
            errs += labels.selector_errors(h.get(sk), p + "." + sk)
        for j, r in enumerate(h.get("rules") or []):
            rp = "%s.rules[%d]" % (p, j)
            for op in r.get("operations") or []:
                if op not in ("*", "CREATE", "UPDATE", "DELETE", "CONNECT"):
                    errs.append(st.field_unsupported(
                        rp + ".operations", op,
                        ["*", "CONNECT", "CREATE", "DELETE", "UPDATE"]))
            if r.get("scope") not in ("*", "Cluster", "Namespaced"):
                errs.append(st.field_unsupported(
                    rp + ".scope", r.get("scope"),
                    ["*", "Cluster", "Namespaced"]))
        errs += matchconditions.errors(h.get("matchConditions"),
                                       p + ".matchConditions")
    return errs


def validate(res, obj, old=None):
    """Field errors (status.field_* dicts); empty when valid."""
    errs = _name_errors(res, obj.get("metadata") or {})
    p = res.plural
    if p in POD_SPEC_PATHS and p != "pods":
        errs += _workload_errors(res, obj)
    elif p == "pods":
        errs += _pod_spec_errors(obj.get("spec"), "spec")
    elif p == "services":
        spec = obj.get("spec") or {}
        if spec.get("type") != "ExternalName" and not spec.get("ports"):
            errs.append(st.field_required("spec.ports"))
        if spec.get("type") not in ("ClusterIP", "NodePort", "LoadBalancer",
                                    "ExternalName"):
            errs.append(st.field_unsupported(
                "spec.type", spec.get("type"),
                ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]))
    elif p == "horizontalpodautoscalers":
        spec = obj.get("spec") or {}
        if not spec.get("scaleTargetRef"):
            errs.append(st.field_required("spec.scaleTargetRef"))
        if not isinstance(spec.get("maxReplicas"), int) or \
                spec["maxReplicas"] < 1:
            errs.append(st.field_invalid(
                "spec.maxReplicas", spec.get("maxReplicas"),
                "must be greater than or equal to 1"))
    elif p == "validatingwebhookconfigurations":
        errs += _vwc_errors(obj)
    if old is not None and p in ("deployments", "statefulsets", "daemonsets",
                                 "replicasets", "jobs"):
        osel = dig(old, ("spec", "selector"))
        nsel = dig(obj, ("spec", "selector"))
        if osel != nsel and not (p == "jobs" and osel is None):
            errs.append(st.field_invalid("spec.selector",
                                         json.dumps(nsel, sort_keys=True),
                                         "field is immutable"))
    return errs
