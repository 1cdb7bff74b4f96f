"""reviews.py - build AdmissionReview requests the way kube-apiserver v1.32
does (see shared/reference/kubernetes-admission.md section 1), for the
black-box and CLI tests."""
import uuid

FLUX_LABELS = {
    "kustomize.toolkit.fluxcd.io/name": "apps",
    "kustomize.toolkit.fluxcd.io/namespace": "flux-system",
}
RECONCILER = ("system:serviceaccount:flux-system:kustomize-controller",
              ["system:serviceaccounts", "system:serviceaccounts:flux-system",
               "system:authenticated"])
DEVELOPER = ("alice", ["developers", "system:authenticated"])

GROUPS = {"Deployment": "apps", "ReplicaSet": "apps", "StatefulSet": "apps",
          "DaemonSet": "apps", "Job": "batch", "CronJob": "batch",
          "Pod": "", "ReplicationController": ""}


def deployment(name="web", ns="default", image="ghcr.io/acme/web:1.4.2",
               labels=None):
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns,
                     "labels": dict(FLUX_LABELS if labels is None else labels)},
        "spec": {"replicas": 2,
                 "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [
                                  {"name": name, "image": image}]}}},
    }


def review(obj, op="CREATE", user=RECONCILER, old=None, dry_run=False,
           api="admission.k8s.io/v1", subresource=None, kind=None, ns=None):
    kind = kind or obj["kind"] if obj else (old or {}).get("kind")
    src = obj or old
    group = GROUPS.get(src["kind"], "")
    resource = src["kind"].lower() + "s"
    req = {
        "uid": str(uuid.uuid4()),
        "kind": {"group": group, "version": "v1", "kind": kind},
        "resource": {"group": group, "version": "v1", "resource": resource},
        "requestKind": {"group": group, "version": "v1", "kind": kind},
        "requestResource": {"group": group, "version": "v1",
                            "resource": resource},
        "name": src["metadata"]["name"],
        "namespace": ns or src["metadata"].get("namespace", "default"),
        "operation": op,
        "userInfo": {"username": user[0], "uid": str(uuid.uuid4()),
                     "groups": user[1]},
        "object": obj, "oldObject": old, "dryRun": dry_run,
        "options": {"kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1"},
    }
    if subresource:
        req["subResource"] = subresource
        req["requestSubResource"] = subresource
    return {"kind": "AdmissionReview", "apiVersion": api, "request": req}
