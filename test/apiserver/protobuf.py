# Request bodies in Kubernetes' protobuf encoding (application/vnd.kubernetes.
# protobuf), which kubectl's typed generators send (`kubectl create deployment
# | configmap | secret | namespace | service | serviceaccount | job | cronjob`,
# `kubectl run`). Decodes the "k8s\0" envelope and the object into the JSON
# the apiserver would see, from a schema of the fields those generators set
# (field numbers of k8s.io/api generated.proto). Go emits every non-pointer
# field even when empty; such zero values are dropped, pointer fields (P)
# are kept. A non-empty field the schema does not know is an error: the
# stand-in refuses what it cannot decode faithfully. Responses stay JSON.
import base64


class DecodeError(Exception):
    pass


def _varint(buf, i):
    shift = result = 0
    while True:
        if i >= len(buf):
            raise DecodeError("truncated varint")
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7
        if shift > 63:
            raise DecodeError("varint too long")


def fields(buf):
    """[(field number, wire type, value)]; value is int or bytes."""
    out, i = [], 0
    while i < len(buf):
        key, i = _varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(buf, i)
        elif wt == 2:
            n, i = _varint(buf, i)
            if i + n > len(buf):
                raise DecodeError("truncated field %d" % num)
            v, i = buf[i:i + n], i + n
        elif wt == 1:
            v, i = int.from_bytes(buf[i:i + 8], "little"), i + 8
        elif wt == 5:
            v, i = int.from_bytes(buf[i:i + 4], "little"), i + 4
        else:
            raise DecodeError("unsupported wire type %d" % wt)
        out.append((num, wt, v))
    return out


# Field kinds: "s" string, "i" int, "b" bool, "B" bytes (base64 in JSON),
# "ms" map<string,string>, "mB" map<string,bytes>, "mq" map<string,Quantity>,
# "ios" IntOrString, "t" Time, "[s" repeated string, dict = message,
# ("[", dict) repeated message. A trailing "P" marks a Go pointer field.
T = {}
T["LabelSelectorRequirement"] = {1: ("key", "s"), 2: ("operator", "s"),
                                 3: ("values", "[s")}
T["LabelSelector"] = {1: ("matchLabels", "ms"),
                      2: ("matchExpressions",
                          ("[", "LabelSelectorRequirement"))}
T["OwnerReference"] = {1: ("kind", "s"), 3: ("name", "s"), 4: ("uid", "s"),
                       5: ("apiVersion", "s"), 6: ("controller", "bP"),
                       7: ("blockOwnerDeletion", "bP")}
T["ObjectMeta"] = {1: ("name", "s"), 2: ("generateName", "s"),
                   3: ("namespace", "s"), 5: ("uid", "s"),
                   6: ("resourceVersion", "s"), 7: ("generation", "i"),
                   8: ("creationTimestamp", "t"), 11: ("labels", "ms"),
                   12: ("annotations", "ms"),
                   13: ("ownerReferences", ("[", "OwnerReference")),
                   14: ("finalizers", "[s")}
T["ContainerPort"] = {1: ("name", "s"), 2: ("hostPort", "i"),
                      3: ("containerPort", "i"), 4: ("protocol", "s"),
                      5: ("hostIP", "s")}
T["ObjectFieldSelector"] = {1: ("apiVersion", "s"), 2: ("fieldPath", "s")}
T["EnvVarSource"] = {1: ("fieldRef", "ObjectFieldSelector")}
T["EnvVar"] = {1: ("name", "s"), 2: ("value", "s"),
               3: ("valueFrom", "EnvVarSource")}
T["Quantity"] = {1: ("string", "s")}
T["ResourceRequirements"] = {1: ("limits", "mq"), 2: ("requests", "mq")}
T["Container"] = {1: ("name", "s"), 2: ("image", "s"), 3: ("command", "[s"),
                  4: ("args", "[s"), 5: ("workingDir", "s"),
                  6: ("ports", ("[", "ContainerPort")),
                  7: ("env", ("[", "EnvVar")),
                  8: ("resources", "ResourceRequirements"),
                  13: ("terminationMessagePath", "s"),
                  14: ("imagePullPolicy", "s"), 16: ("stdin", "b"),
                  17: ("stdinOnce", "b"), 18: ("tty", "b"),
                  20: ("terminationMessagePolicy", "s")}
T["PodSpec"] = {2: ("containers", ("[", "Container")),
                3: ("restartPolicy", "s"),
                4: ("terminationGracePeriodSeconds", "iP"),
                6: ("dnsPolicy", "s"), 7: ("nodeSelector", "ms"),
                8: ("serviceAccountName", "s"), 9: ("serviceAccount", "s"),
                19: ("schedulerName", "s"),
                20: ("initContainers", ("[", "Container")),
                21: ("automountServiceAccountToken", "bP"),
                24: ("priorityClassName", "s"),
                30: ("enableServiceLinks", "bP")}
T["PodTemplateSpec"] = {1: ("metadata", "ObjectMeta"), 2: ("spec", "PodSpec")}
T["RollingUpdateDeployment"] = {1: ("maxUnavailable", "iosP"),
                                2: ("maxSurge", "iosP")}
T["DeploymentStrategy"] = {1: ("type", "s"),
                           2: ("rollingUpdate", "RollingUpdateDeployment")}
T["DeploymentSpec"] = {1: ("replicas", "iP"), 2: ("selector", "LabelSelector"),
                       3: ("template", "PodTemplateSpec"),
                       4: ("strategy", "DeploymentStrategy"),
                       5: ("minReadySeconds", "i"),
                       6: ("revisionHistoryLimit", "iP"),
                       7: ("paused", "b"),
                       9: ("progressDeadlineSeconds", "iP")}
T["JobSpec"] = {1: ("parallelism", "iP"), 2: ("completions", "iP"),
                3: ("activeDeadlineSeconds", "iP"),
                4: ("selector", "LabelSelector"),
                5: ("manualSelector", "bP"),
                6: ("template", "PodTemplateSpec"),
                7: ("backoffLimit", "iP"),
                8: ("ttlSecondsAfterFinished", "iP"),
                9: ("completionMode", "sP"), 10: ("suspend", "bP")}
T["JobTemplateSpec"] = {1: ("metadata", "ObjectMeta"), 2: ("spec", "JobSpec")}
T["CronJobSpec"] = {1: ("schedule", "s"),
                    2: ("startingDeadlineSeconds", "iP"),
                    3: ("concurrencyPolicy", "s"), 4: ("suspend", "bP"),
                    5: ("jobTemplate", "JobTemplateSpec"),
                    6: ("successfulJobsHistoryLimit", "iP"),
                    7: ("failedJobsHistoryLimit", "iP"),
                    8: ("timeZone", "sP")}
T["ServicePort"] = {1: ("name", "s"), 2: ("protocol", "s"), 3: ("port", "i"),
                    4: ("targetPort", "ios"), 5: ("nodePort", "i")}
T["ServiceSpec"] = {1: ("ports", ("[", "ServicePort")), 2: ("selector", "ms"),
                    3: ("clusterIP", "s"), 4: ("type", "s"),
                    5: ("externalIPs", "[s"), 7: ("sessionAffinity", "s"),
                    10: ("externalName", "s")}
T["NamespaceSpec"] = {1: ("finalizers", "[s")}
T["ObjectReference"] = {1: ("kind", "s"), 2: ("namespace", "s"),
                        3: ("name", "s")}
T["LocalObjectReference"] = {1: ("name", "s")}

T["ResourceAttributes"] = {1: ("namespace", "s"), 2: ("verb", "s"),
                          3: ("group", "s"), 4: ("version", "s"),
                          5: ("resource", "s"), 6: ("subresource", "s"),
                          7: ("name", "s")}
T["NonResourceAttributes"] = {1: ("path", "s"), 2: ("verb", "s")}
T["SelfSubjectAccessReviewSpec"] = {
    1: ("resourceAttributes", "ResourceAttributesP"),
    2: ("nonResourceAttributes", "NonResourceAttributesP")}

TOP = {  # (apiVersion, kind) -> schema of the object
    ("authorization.k8s.io/v1", "SelfSubjectAccessReview"): {
        1: ("metadata", "ObjectMeta"),
        2: ("spec", "SelfSubjectAccessReviewSpec"), 3: ("status", "-")},
    ("v1", "ConfigMap"): {1: ("metadata", "ObjectMeta"), 2: ("data", "ms"),
                          3: ("binaryData", "mB"), 4: ("immutable", "bP")},
    ("v1", "Secret"): {1: ("metadata", "ObjectMeta"), 2: ("data", "mB"),
                       3: ("type", "s"), 4: ("stringData", "ms"),
                       5: ("immutable", "bP")},
    ("v1", "Namespace"): {1: ("metadata", "ObjectMeta"),
                          2: ("spec", "NamespaceSpec"), 3: ("status", "-")},
    ("v1", "ServiceAccount"): {
        1: ("metadata", "ObjectMeta"),
        2: ("secrets", ("[", "ObjectReference")),
        3: ("imagePullSecrets", ("[", "LocalObjectReference")),
        4: ("automountServiceAccountToken", "bP")},
    ("v1", "Service"): {1: ("metadata", "ObjectMeta"),
                        2: ("spec", "ServiceSpec"), 3: ("status", "-")},
    ("v1", "Pod"): {1: ("metadata", "ObjectMeta"), 2: ("spec", "PodSpec"),
                    3: ("status", "-")},
    ("apps/v1", "Deployment"): {1: ("metadata", "ObjectMeta"),
                                2: ("spec", "DeploymentSpec"),
                                3: ("status", "-")},
    ("batch/v1", "Job"): {1: ("metadata", "ObjectMeta"),
                          2: ("spec", "JobSpec"), 3: ("status", "-")},
    ("batch/v1", "CronJob"): {1: ("metadata", "ObjectMeta"),
                              2: ("spec", "CronJobSpec"), 3: ("status", "-")},
}


def _zero(wt, v):
    return v == 0 if wt == 0 else len(v) == 0


def _map_entry(buf, kind):
    k = v = None
    for num, wt, val in fields(buf):
        if num == 1:
            k = val.decode()
        elif num == 2:
            if kind == "ms":
                v = val.decode()
            elif kind == "mB":
                v = base64.b64encode(val).decode()
            else:
                v = decode(val, T["Quantity"]).get("string", "")
    return k or "", "" if v is None else v


def _ios(buf):
    f = {num: val for num, _, val in fields(buf)}
    if f.get(1, 0) == 1:
        return f.get(3, b"").decode()
    v = f.get(2, 0)
    return v - (1 << 64) if v >= 1 << 63 else v


def _int(v):
    return v - (1 << 64) if v >= 1 << 63 else v


def decode(buf, schema, where="object"):
    out = {}
    for num, wt, val in fields(buf):
        spec = schema.get(num)
        if spec is None:
            if _zero(wt, val):
                continue
            raise DecodeError("field %d of %s is not supported by the test "
                              "API server's protobuf decoder" % (num, where))
        name, kind = spec
        if kind == "-":                 # status: server-owned, ignored
            continue
        ptr = isinstance(kind, str) and kind.endswith("P") and len(kind) > 1
        k = kind[:-1] if ptr else kind
        if isinstance(k, tuple):
            out.setdefault(name, []).append(
                decode(val, T[k[1]], where + "." + name))
        elif k == "[s":
            out.setdefault(name, []).append(val.decode())
        elif k in ("ms", "mB", "mq"):
            ek, ev = _map_entry(val, k)
            out.setdefault(name, {})[ek] = ev
        elif not ptr and _zero(wt, val):
            continue
        elif k == "s":
            out[name] = val.decode()
        elif k == "i":
            out[name] = _int(val)
        elif k == "b":
            out[name] = bool(val)
        elif k == "ios":
            out[name] = _ios(val)
        elif k == "t":
            pass                        # server-set timestamps are ignored
        elif k in T:
            sub = decode(val, T[k], where + "." + name)
            if sub or ptr:
                out[name] = sub
        else:
            raise DecodeError("schema kind %r" % (k,))
    return out


def decode_object(body):
    """JSON-equivalent dict of a k8s protobuf request body."""
    if not body.startswith(b"k8s\x00"):
        raise DecodeError("missing the k8s protobuf envelope")
    env = {num: val for num, _, val in fields(body[4:])}
    tm = {num: val for num, _, val in fields(env.get(1, b""))}
    api_version = tm.get(1, b"").decode()
    kind = tm.get(2, b"").decode()
    if env.get(3) or env.get(4):
        raise DecodeError("encoded Unknown content is not supported")
    schema = TOP.get((api_version, kind))
    if schema is None:
        raise DecodeError("protobuf bodies of %s %s are not supported by "
                          "the test API server" % (api_version, kind))
    obj = {"kind": kind, "apiVersion": api_version}
    obj.update(decode(env.get(2, b""), schema, kind))
    obj.setdefault("metadata", {})
    return obj
