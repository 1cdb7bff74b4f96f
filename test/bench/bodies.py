#!/usr/bin/env python3
"""bodies.py - generate the benchmark inputs into OUTDIR (deterministic).

AdmissionReview request bodies, compact JSON as kube-apiserver sends them:
  pod-create.json      ~3 KB  Pod CREATE applied by Flux (all 4 policies run)
  deploy-update.json   ~9 KB  Deployment UPDATE by Flux's kustomize-controller:
                              object + oldObject, managedFields, probes, env
  big-1m.json          1 MiB  Deployment CREATE with a large structured env
  big-3m.json          3 MiB  the same, 3 MiB (the API server's body limit)
  deny-person.json            kubectl apply of nginx:latest by a person (denied)
  pod-c{1,10,100}.json        Pod CREATE with 1, 10, 100 containers (eval bench)
Policy directories for the evaluation bench:
  policies-{1,10,100}/        N copies of the shipped immutable-images policy
Usage: bodies.py OUTDIR [--policies SHIPPED_POLICY_DIR]
"""
import copy
import json
import os
import sys

FLUX_USER = ("system:serviceaccount:flux-system:kustomize-controller",
             ["system:serviceaccounts", "system:serviceaccounts:flux-system",
              "system:authenticated"])
PERSON = ("alice", ["developers", "system:authenticated"])
FLUX_LABELS = {"kustomize.toolkit.fluxcd.io/name": "apps",
               "kustomize.toolkit.fluxcd.io/namespace": "flux-system"}
TS = "2026-11-20T10:00:00Z"


def container(name, image, n_env=4, probes=True):
    c = {
        "name": name, "image": image,
        "ports": [{"name": "http", "containerPort": 9898, "protocol": "TCP"},
                  {"name": "grpc", "containerPort": 9999, "protocol": "TCP"}],
        "env": [{"name": "PODINFO_%s_%d" % (name.upper(), i),
                 "value": "value-%d" % i} for i in range(n_env)] +
               [{"name": "POD_NAME", "valueFrom": {"fieldRef": {
                   "apiVersion": "v1", "fieldPath": "metadata.name"}}}],
        "resources": {"limits": {"cpu": "2", "memory": "512Mi"},
                      "requests": {"cpu": "100m", "memory": "64Mi"}},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "imagePullPolicy": "IfNotPresent",
        "securityContext": {"allowPrivilegeEscalation": False,
                            "readOnlyRootFilesystem": True,
                            "runAsNonRoot": True,
                            "capabilities": {"drop": ["ALL"]}},
    }
    if probes:
        for p in ("livenessProbe", "readinessProbe"):
            c[p] = {"httpGet": {"path": "/healthz" if p[0] == "l" else
                                "/readyz", "port": 9898, "scheme": "HTTP"},
                    "initialDelaySeconds": 1, "timeoutSeconds": 5,
                    "periodSeconds": 10, "successThreshold": 1,
                    "failureThreshold": 3}
    return c


def pod_spec(containers):
    return {
        "containers": containers,
        "restartPolicy": "Always", "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst", "serviceAccountName": "podinfo",
        "serviceAccount": "podinfo", "securityContext": {"fsGroup": 1000},
        "schedulerName": "default-scheduler",
        "volumes": [{"name": "data", "emptyDir": {}}],
    }


def managed_fields(manager, op="Apply"):
    return [{"manager": manager, "operation": op, "apiVersion": "apps/v1",
             "time": TS, "fieldsType": "FieldsV1", "fieldsV1": {
                 "f:metadata": {"f:labels": {
                     "f:app.kubernetes.io/name": {},
                     "f:kustomize.toolkit.fluxcd.io/name": {},
                     "f:kustomize.toolkit.fluxcd.io/namespace": {}}},
                 "f:spec": {"f:replicas": {}, "f:selector": {},
                            "f:template": {"f:metadata": {"f:labels": {
                                "f:app": {}}}, "f:spec": {"f:containers": {
                                    "k:{\"name\":\"podinfo\"}": {
                                        ".": {}, "f:env": {}, "f:image": {},
                                        "f:livenessProbe": {},
                                        "f:name": {}, "f:ports": {},
                                        "f:readinessProbe": {},
                                        "f:resources": {}}}}}}}},
            {"manager": "kube-controller-manager", "operation": "Update",
             "apiVersion": "apps/v1", "time": TS, "fieldsType": "FieldsV1",
             "subresource": "status", "fieldsV1": {"f:status": {
                 "f:availableReplicas": {}, "f:conditions": {},
                 "f:observedGeneration": {}, "f:readyReplicas": {},
                 "f:replicas": {}, "f:updatedReplicas": {}}}}]


def deployment(image, generation, containers=None, env=4):
    meta = {"name": "podinfo", "namespace": "apps",
            "uid": "5d0b7c1e-5a0e-4c1b-9a63-0a3f3c1e7b11",
            "resourceVersion": str(120000 + generation),
            "generation": generation, "creationTimestamp": TS,
            "labels": dict(FLUX_LABELS, **{"app.kubernetes.io/name":
                                           "podinfo"}),
            "annotations": {"deployment.kubernetes.io/revision":
                            str(generation)},
            "managedFields": managed_fields("kustomize-controller")}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
        "spec": {
            "replicas": 2, "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
            "selector": {"matchLabels": {"app": "podinfo"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {
                "maxUnavailable": "25%", "maxSurge": "25%"}},
            "template": {
                "metadata": {"creationTimestamp": None,
                             "labels": {"app": "podinfo"},
                             "annotations": {"prometheus.io/scrape": "true",
                                             "prometheus.io/port": "9797"}},
                "spec": pod_spec(containers or [container(
                    "podinfo", image, n_env=env)])}},
        "status": {"observedGeneration": generation - 1, "replicas": 2,
                   "updatedReplicas": 2, "readyReplicas": 2,
                   "availableReplicas": 2, "conditions": [
                       {"type": t, "status": "True", "lastUpdateTime": TS,
                        "lastTransitionTime": TS, "reason": r,
                        "message": m} for t, r, m in (
                           ("Available", "MinimumReplicasAvailable",
                            "Deployment has minimum availability."),
                           ("Progressing", "NewReplicaSetAvailable",
                            'ReplicaSet "podinfo-5d8f7c9b6d" has '
                            "successfully progressed."))]},
    }


def review(uid, kind, group, resource, name, op, user, obj, old=None,
           dry_run=False, options_kind="CreateOptions", manager=None):
    opts = {"kind": options_kind, "apiVersion": "meta.k8s.io/v1"}
    if manager:
        opts["fieldManager"] = manager
    gvk = {"group": group, "version": "v1", "kind": kind}
    gvr = {"group": group, "version": "v1", "resource": resource}
    return {"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1",
            "request": {
                "uid": uid, "kind": gvk, "resource": gvr,
                "requestKind": gvk, "requestResource": gvr,
                "name": name, "namespace": "apps", "operation": op,
                "userInfo": {"username": user[0],
                             "uid": "0b3c9a1e-7f55-4d6e-9b1c-6a2d4e8f0c21",
                             "groups": user[1],
                             "extra": {"authentication.kubernetes.io/"
                                       "credential-id": [
                                           "JTI=7a1c3e5f-2b4d-4f6a-8c9e-"
                                           "0d1f2a3b4c5d"]}},
                "object": obj, "oldObject": old, "dryRun": dry_run,
                "options": opts}}


def pod(n_containers=1, env=4):
    cs = [container("app" if i == 0 else "side%d" % i,
                    "ghcr.io/acme/app:1.4.%d" % i, n_env=env)
          for i in range(n_containers)]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": "worker", "namespace": "apps",
        "uid": "9e2f1c3a-4b5d-4e6f-8a7b-1c2d3e4f5a6b",
        "creationTimestamp": TS,
        "labels": dict(FLUX_LABELS, app="worker"),
        "annotations": {"kubectl.kubernetes.io/default-container": "app"}},
        "spec": dict(pod_spec(cs), nodeSelector={
            "kubernetes.io/os": "linux"}, tolerations=[
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists",
             "effect": "NoExecute", "tolerationSeconds": 300}]),
        "status": {"phase": "Pending", "qosClass": "Burstable"}}


def pod_review(n_containers=1):
    return review("3f1a2b4c-0001-4000-8000-000000000001", "Pod", "",
                  "pods", "worker", "CREATE", FLUX_USER, pod(n_containers),
                  manager="kustomize-controller")


def big_review(target, uid):
    """Deployment CREATE with one container whose env grows to target."""
    d = deployment("ghcr.io/acme/podinfo:6.5.4", 1)
    env = d["spec"]["template"]["spec"]["containers"][0]["env"]
    r = review(uid, "Deployment", "apps", "deployments", "podinfo", "CREATE",
               FLUX_USER, d, manager="kustomize-controller")
    base = len(json.dumps(r, separators=(",", ":")))
    item = {"name": "FEATURE_FLAG_000000", "value": "x" * 40}
    per = len(json.dumps(item, separators=(",", ":"))) + 1
    n = max(0, (target - base) // per)
    env[:0] = [{"name": "FEATURE_FLAG_%06d" % i, "value": "%040d" % i}
               for i in range(n)]
    s = json.dumps(r, separators=(",", ":"))
    pad = target - len(s)   # fill the exact size with one annotation
    if pad > 40:
        d["metadata"]["annotations"]["bench.gitgate.io/pad"] = \
            "p" * (pad - len(',"bench.gitgate.io/pad":""'))
    return r


def service(labels, port=9898):
    """podinfo's Service as the API server stores it (a generic kind)."""
    return {"apiVersion": "v1", "kind": "Service", "metadata": {
        "name": "podinfo", "namespace": "apps",
        "uid": "5b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
        "resourceVersion": "48213", "creationTimestamp": TS,
        "labels": dict(labels, app="podinfo"),
        "managedFields": managed_fields("kustomize-controller")},
        "spec": {"type": "ClusterIP", "clusterIP": "10.96.41.7",
                 "clusterIPs": ["10.96.41.7"], "selector": {"app": "podinfo"},
                 "ports": [{"name": "http", "port": port, "protocol": "TCP",
                            "targetPort": "http"},
                           {"name": "grpc", "port": 9999, "protocol": "TCP",
                            "targetPort": "grpc"}],
                 "sessionAffinity": "None", "ipFamilies": ["IPv4"],
                 "ipFamilyPolicy": "SingleStack",
                 "internalTrafficPolicy": "Cluster"},
        "status": {"loadBalancer": {}}}


def managed_dir(outdir, shipped):
    """policies/ with the managed-objects preset on (match.managedBy)."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(
        __file__)), "..", "pylib"))
    import presets
    d = os.path.join(outdir, "policies-managed")
    os.makedirs(d, exist_ok=True)
    presets.enable(shipped, d, ["managed-objects"])


def write(outdir, name, doc):
    s = json.dumps(doc, separators=(",", ":"))
    with open(os.path.join(outdir, name), "w") as f:
        f.write(s)
    return len(s)


def policy_dirs(outdir, shipped):
    with open(os.path.join(shipped, "immutable-images.yaml")) as f:
        text = f.read()
    for n in (1, 10, 100):
        d = os.path.join(outdir, "policies-%d" % n)
        os.makedirs(d, exist_ok=True)
        for i in range(n):
            with open(os.path.join(d, "p%03d.yaml" % i), "w") as f:
                f.write(text.replace("name: immutable-images",
                                     "name: immutable-images-%03d" % i))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    sizes = {}
    sizes["pod-create.json"] = write(outdir, "pod-create.json", pod_review())
    new = deployment("ghcr.io/stefanprodan/podinfo:6.5.4", 8, env=12)
    old = deployment("ghcr.io/stefanprodan/podinfo:6.5.3", 7, env=12)
    old["status"]["observedGeneration"] = 7
    sizes["deploy-update.json"] = write(outdir, "deploy-update.json", review(
        "3f1a2b4c-0002-4000-8000-000000000002", "Deployment", "apps",
        "deployments", "podinfo", "UPDATE", FLUX_USER, new, old,
        options_kind="UpdateOptions", manager="kustomize-controller"))
    sizes["big-1m.json"] = write(outdir, "big-1m.json", big_review(
        1 << 20, "3f1a2b4c-0003-4000-8000-000000000003"))
    sizes["big-3m.json"] = write(outdir, "big-3m.json", big_review(
        3 << 20, "3f1a2b4c-0004-4000-8000-000000000004"))
    bad = deployment("nginx:latest", 1)
    bad["metadata"]["labels"] = {"app": "web"}
    del bad["metadata"]["managedFields"]
    sizes["deny-person.json"] = write(outdir, "deny-person.json", review(
        "3f1a2b4c-0005-4000-8000-000000000005", "Deployment", "apps",
        "deployments", "podinfo", "CREATE", PERSON, bad,
        manager="kubectl-client-side-apply"))
    # A generic kind: Service UPDATEs under managedBy, new + old objects:
    # Flux's (the marker on the new object settles it) and a person's
    # that takes the labels off (the old object is decoded, then denied).
    sizes["svc-update.json"] = write(outdir, "svc-update.json", review(
        "3f1a2b4c-0006-4000-8000-000000000006", "Service", "", "services",
        "podinfo", "UPDATE", FLUX_USER, service(FLUX_LABELS, 80),
        service(FLUX_LABELS), options_kind="UpdateOptions",
        manager="kustomize-controller"))
    sizes["svc-unlabel.json"] = write(outdir, "svc-unlabel.json", review(
        "3f1a2b4c-0007-4000-8000-000000000007", "Service", "", "services",
        "podinfo", "UPDATE", PERSON, service({}), service(FLUX_LABELS),
        options_kind="UpdateOptions", manager="kubectl-label"))
    for n in (1, 10, 100):
        r = pod_review(n)
        sizes["pod-c%d.json" % n] = write(outdir, "pod-c%d.json" % n, r)
    if "--policies" in sys.argv:
        policy_dirs(outdir, sys.argv[sys.argv.index("--policies") + 1])
        managed_dir(outdir, sys.argv[sys.argv.index("--policies") + 1])
    for k, v in sizes.items():
        print("%s %d" % (k, v))


if __name__ == "__main__":
    main()
