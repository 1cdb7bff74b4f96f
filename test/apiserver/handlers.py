# The REST verbs of kube-apiserver's generic registry, in its order:
# decode + default -> built-in mutating admission -> strategy (PrepareFor*,
# Validate: 422) -> validating webhooks -> storage (409 AlreadyExists /
# Conflict), dryRun=All stopping just before storage. Covers create, get,
# list, update, patch, delete, and the scale and status subresources.
# HTTP parsing, authentication and discovery live in server.py/discovery.py.
import copy
import json
import time

import admission
import defaults
import labels
import patch
import protobuf
import resources
import status as st
import storage
import tables

PATCH_TYPES = {
    "application/json-patch+json": "json",
    "application/merge-patch+json": "merge",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
}
MAX_PATCH_RETRIES = 5
# What a status write may change besides status on a kind whose
# Resource.status_meta says so (Service, Ingress, HPA in Kubernetes).
STATUS_META = ("labels", "annotations", "finalizers", "ownerReferences")


class Request:
    """What a handler needs of an HTTP request (filled by server.py)."""

    def __init__(self, method, query, headers, body, user, recorder,
                 deadline):
        self.method = method
        self.query = query
        self.headers = headers
        self.body = body
        self.user = user
        self.recorder = recorder
        self.deadline = deadline

    def q(self, name, default=None):
        v = self.query.get(name)
        return v[0] if v else default

    @property
    def dry_run(self):
        return "All" in self.query.get("dryRun", [])

    def manager(self):
        fm = self.q("fieldManager")
        if fm:
            return fm
        return (self.headers.get("User-Agent") or "unknown").split("/")[0]


class Api:
    def __init__(self, store, services):
        self.store = store
        self.services = services

    # ---- helpers ----

    def decode_body(self, req, patch_ok=False):
        ctype = (req.headers.get("Content-Type") or "application/json")
        ctype = ctype.split(";")[0].strip()
        if ctype == "application/vnd.kubernetes.protobuf" and not patch_ok:
            try:
                return protobuf.decode_object(req.body or b"")
            except protobuf.DecodeError as e:
                raise st.ApiError(415, "UnsupportedMediaType", str(e))
        if not patch_ok and ctype not in ("application/json", ""):
            raise st.unsupported_media_type(
                ["application/json", "application/yaml",
                 "application/vnd.kubernetes.protobuf"])
        try:
            return json.loads(req.body or b"null")
        except ValueError as e:
            raise st.bad_request("error decoding JSON: %s" % e)

    def _options(self, kind, req):
        o = {"kind": kind, "apiVersion": "meta.k8s.io/v1"}
        if req.dry_run:
            o["dryRun"] = ["All"]
        for k in ("fieldManager", "fieldValidation"):
            if req.q(k):
                o[k] = req.q(k)
        return o

    def _admit(self, req, res, op, name, ns, obj, old, options, sub="",
               dry_run=None):
        a = admission.Attributes(res, op, name, ns, obj, old, req.user,
                                 req.dry_run if dry_run is None else dry_run,
                                 options, sub)
        admission.validate(a, self.store, self.services, req.recorder,
                           req.deadline)

    def _ensure_namespace(self, res, ns):
        """NamespaceLifecycle admission."""
        if res.namespaced and self.store.get(
                resources.lookup("", "v1", "namespaces"), "", ns) is None:
            raise st.not_found("namespaces", "", ns)

    def _record_managed(self, obj, req, operation, src, sub=None):
        meta = obj["metadata"]
        mf = [e for e in meta.get("managedFields") or []]
        entry = {"manager": req.manager(), "operation": operation,
                 "apiVersion": obj.get("apiVersion"),
                 "time": storage.now(), "fieldsType": "FieldsV1",
                 "fieldsV1": patch.managed_fields_of(src)}
        if sub:
            entry["subresource"] = sub
        for i, e in enumerate(mf):
            if (e.get("manager"), e.get("operation"), e.get("subresource")) \
                    == (entry["manager"], operation, sub):
                if operation == "Update":
                    entry["fieldsV1"] = _union(e.get("fieldsV1") or {},
                                               entry["fieldsV1"])
                mf[i] = entry
                break
        else:
            mf.append(entry)
        meta["managedFields"] = mf

    def _check_identity(self, res, obj, name, ns):
        meta = obj.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise st.bad_request("metadata must be an object")
        if name is not None and meta.get("name") and meta["name"] != name:
            raise st.bad_request("the name of the object (%s) does not "
                                 "match the name on the URL (%s)"
                                 % (meta["name"], name))
        if name is not None:
            meta["name"] = name
        if res.namespaced:
            if meta.get("namespace") and meta["namespace"] != ns:
                raise st.bad_request("the namespace of the provided object "
                                     "does not match the namespace sent on "
                                     "the request")
            meta["namespace"] = ns
        else:
            meta.pop("namespace", None)
        if obj.get("kind") not in (None, res.kind) or \
                obj.get("apiVersion") not in (None, res.api_version):
            raise st.bad_request(
                "the API version in the data (%s) does not match the "
                "expected API version (%s)" % (obj.get("apiVersion"),
                                               res.api_version)
                if obj.get("apiVersion") != res.api_version else
                "the kind in the data (%s) does not match the expected "
                "kind (%s)" % (obj.get("kind"), res.kind))
        obj["kind"] = res.kind
        obj["apiVersion"] = res.api_version

    # ---- create ----

    def create(self, req, res, ns, body=None, operation_src="Update",
               name=None):
        obj = self.decode_body(req) if body is None else body
        if not isinstance(obj, dict):
            raise st.bad_request("Object 'Kind' is missing in '%s'"
                                 % (req.body or b"").decode(errors="replace"))
        self._check_identity(res, obj, name, ns)
        meta = obj["metadata"]
        defaults.apply_defaults(res, obj)
        self._ensure_namespace(res, ns)
        defaults.admit_builtin_create(res, obj)
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + defaults._rand_suffix()
        for k in ("uid", "resourceVersion", "creationTimestamp",
                  "deletionTimestamp", "deletionGracePeriodSeconds",
                  "generation", "selfLink", "managedFields"):
            meta.pop(k, None)
        meta["uid"] = storage.new_uid()
        meta["creationTimestamp"] = storage.now()
        defaults.prepare_for_create(res, obj, self.store)
        errs = defaults.validate(res, obj)
        if errs:
            raise st.invalid(res.kind, res.group, meta.get("name", ""), errs)
        self._record_managed(obj, req, operation_src, obj)
        obj = storage.ordered(obj)
        self._admit(req, res, "CREATE", meta["name"], ns, obj, None,
                    self._options("CreateOptions", req))
        if req.dry_run:
            return 201, obj
        return 201, self.store.create(res, obj)

    # ---- read ----

    def get(self, req, res, ns, name):
        obj = self.store.get(res, ns, name)
        if obj is None:
            raise st.not_found(res.plural, res.group, name)
        if tables.wants_table(req.headers.get("Accept")):
            return 200, tables.table(res, [obj], self.store.
                                     resource_version())
        return 200, obj

    def list(self, req, res, ns):
        if req.q("watch") in ("true", "1"):
            raise st.method_not_supported(res.plural, res.group, "watch")
        items, rv = self.store.list(res, ns)
        try:
            match = labels.parse_selector_string(req.q("labelSelector", ""))
        except labels.SelectorError as e:
            raise st.bad_request(str(e))
        items = [o for o in items
                 if match((o["metadata"].get("labels") or {}))]
        for f in filter(None, (req.q("fieldSelector") or "").split(",")):
            k, _, v = f.partition("=")
            neg = k.endswith("!")
            k = k.rstrip("!").rstrip("=")
            v = v.lstrip("=")
            if k not in ("metadata.name", "metadata.namespace"):
                raise st.bad_request('"%s" is not a known field selector: '
                                     'only "metadata.name", '
                                     '"metadata.namespace"' % k)
            fld = k.split(".")[1]
            items = [o for o in items
                     if (o["metadata"].get(fld, "") == v) != neg]
        if tables.wants_table(req.headers.get("Accept")):
            return 200, tables.table(res, items, rv)
        for o in items:
            o.pop("kind", None)
            o.pop("apiVersion", None)
        return 200, {"kind": res.list_kind, "apiVersion": res.api_version,
                     "metadata": {"resourceVersion": rv}, "items": items}

    # ---- update / patch ----

    def _update_core(self, req, res, ns, name, old, new, mf_src, mf_op,
                     options):
        """Default, strategy, validate, admit, store an updated object."""
        self._check_identity(res, new, name, ns)
        meta = new["metadata"]
        defaults.apply_defaults(res, new)
        old_meta = old["metadata"]
        rv = meta.get("resourceVersion")
        if rv and rv != old_meta["resourceVersion"]:
            raise st.conflict(res.plural, res.group, name)
        for k in ("uid", "creationTimestamp", "deletionTimestamp",
                  "generation", "selfLink"):
            if k in old_meta:
                meta[k] = old_meta[k]
            else:
                meta.pop(k, None)
        meta["resourceVersion"] = old_meta["resourceVersion"]
        if res.plural == "namespaces":
            meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = \
                name
        defaults.prepare_for_update(res, new, old)
        errs = defaults.validate(res, new, old)
        if errs:
            raise st.invalid(res.kind, res.group, name, errs)
        meta["managedFields"] = copy.deepcopy(old_meta.get("managedFields"))
        if meta["managedFields"] is None:
            del meta["managedFields"]
        if storage.ordered(new) != old:
            self._record_managed(new, req, mf_op, mf_src)
        new = storage.ordered(new)
        self._admit(req, res, "UPDATE", name, ns, new, old, options)
        if req.dry_run:
            return new
        return self.store.update(res, new, old_meta["resourceVersion"])

    def update(self, req, res, ns, name):
        obj = self.decode_body(req)
        if not isinstance(obj, dict):
            raise st.bad_request("Object 'Kind' is missing")
        old = self.store.get(res, ns, name)
        if old is None:
            raise st.not_found(res.plural, res.group, name)
        return 200, self._update_core(req, res, ns, name, old, obj, obj,
                                      "Update",
                                      self._options("UpdateOptions", req))

    def _patch_type(self, req):
        ctype = (req.headers.get("Content-Type") or "").split(";")[0].strip()
        kind = PATCH_TYPES.get(ctype)
        if kind is None:
            raise st.unsupported_media_type(list(PATCH_TYPES))
        return kind

    def _apply_patch(self, kind, base, body, req, res, ns, name):
        if kind == "merge":
            return patch.merge_patch(base, body)
        if kind == "json":
            return patch.json_patch(base, body)
        if kind == "strategic":
            return patch.strategic_merge(base, body)
        prev = self.store.last_applied(res, ns, name, req.manager())
        return patch.server_side_apply(base, body, prev)

    def patch(self, req, res, ns, name):
        kind = self._patch_type(req)
        body = self.decode_body(req, patch_ok=True)
        if kind != "json" and not isinstance(body, dict):
            raise st.bad_request("invalid JSON document")
        if kind == "apply" and not req.q("fieldManager"):
            raise st.invalid("PatchOptions", "meta.k8s.io", "", [
                st.field_required("fieldManager",
                                  "is required for apply patch")])
        for _ in range(MAX_PATCH_RETRIES):
            old = self.store.get(res, ns, name)
            if old is None:
                if kind != "apply":
                    raise st.not_found(res.plural, res.group, name)
                code, obj = self.create(req, res, ns, copy.deepcopy(body),
                                        "Apply", name)
                if not req.dry_run:
                    self.store.set_applied(res, ns, name, req.manager(),
                                           body)
                return code, obj
            new = self._apply_patch(kind, old, body, req, res, ns, name)
            if not isinstance(new, dict):
                raise st.bad_request("patch did not produce an object")
            if kind != "apply" and new.get("metadata", {}).get(
                    "resourceVersion") != old["metadata"]["resourceVersion"]:
                new["metadata"]["resourceVersion"] = \
                    new["metadata"].get("resourceVersion") or ""
            options = self._options("UpdateOptions", req)
            try:
                out = self._update_core(
                    req, res, ns, name, old, new,
                    body if isinstance(body, dict) else new,
                    "Apply" if kind == "apply" else "Update", options)
            except st.ApiError as e:
                explicit = isinstance(body, dict) and \
                    (body.get("metadata") or {}).get("resourceVersion")
                if e.reason == "Conflict" and not explicit and \
                        self.store.get(res, ns, name) != old:
                    continue        # GuaranteedUpdate retries the patch
                raise
            if kind == "apply" and not req.dry_run:
                self.store.set_applied(res, ns, name, req.manager(), body)
            return 200, out
        raise st.conflict(res.plural, res.group, name)

    # ---- delete ----

    def delete(self, req, res, ns, name):
        opts = {}
        if req.body:
            opts = self.decode_body(req)
            if not isinstance(opts, dict):
                raise st.bad_request("invalid DeleteOptions")
        for k in ("gracePeriodSeconds", "propagationPolicy"):
            if req.q(k):
                opts[k] = int(req.q(k)) if k == "gracePeriodSeconds" \
                    else req.q(k)
        # kubectl delete --dry-run=server says so in the body's options
        dry = req.dry_run or "All" in (opts.get("dryRun") or [])
        if dry:
            opts["dryRun"] = ["All"]
        options = {"kind": "DeleteOptions", "apiVersion": "meta.k8s.io/v1"}
        for k in ("gracePeriodSeconds", "preconditions", "orphanDependents",
                  "propagationPolicy", "dryRun"):
            if opts.get(k) is not None:
                options[k] = opts[k]
        old = self.store.get(res, ns, name)
        if old is None:
            raise st.not_found(res.plural, res.group, name)
        pre = opts.get("preconditions") or {}
        if pre.get("uid") and pre["uid"] != old["metadata"]["uid"]:
            raise st.ApiError(409, "Conflict", "Precondition failed: UID in "
                              "precondition: %s, UID in object meta: %s"
                              % (pre["uid"], old["metadata"]["uid"]),
                              {"name": name, "group": res.group,
                               "kind": res.plural})
        if pre.get("resourceVersion") and pre["resourceVersion"] != \
                old["metadata"]["resourceVersion"]:
            raise st.conflict(res.plural, res.group, name)
        self._admit(req, res, "DELETE", name, ns, None, old, options,
                    dry_run=dry)
        if not dry:
            self.store.delete(res, ns, name)
        if res.plural in ("pods", "namespaces"):
            if res.plural == "namespaces":
                old["metadata"]["deletionTimestamp"] = storage.now()
                old["status"] = {"phase": "Terminating"}
            return 200, storage.ordered(old)
        return 200, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                     "status": "Success",
                     "details": _strip_empty({"name": name,
                                              "group": res.group,
                                              "kind": res.plural,
                                              "uid": old["metadata"]["uid"]})}

    # ---- subresources ----

    def scale_of(self, res, obj):
        spec = obj.get("spec") or {}
        sel = spec.get("selector")
        if res.plural == "replicationcontrollers":
            sel_str = ",".join("%s=%s" % (k, v)
                               for k, v in sorted((sel or {}).items()))
        else:
            sel_str = labels.selector_string(sel)
        m = obj["metadata"]
        replicas = spec.get("replicas") or 0
        status = {"replicas": (obj.get("status") or {}).get("replicas", 0)}
        if sel_str:
            status["selector"] = sel_str
        return {"kind": "Scale", "apiVersion": "autoscaling/v1",
                "metadata": {k: m[k] for k in (
                    "name", "namespace", "uid", "resourceVersion",
                    "creationTimestamp") if k in m},
                "spec": {"replicas": replicas} if replicas else {},
                "status": status}

    def subresource(self, req, res, ns, name, sub):
        if sub not in res.subresources:
            raise st.path_not_found()
        method = req.method
        if method == "GET":
            old = self.store.get(res, ns, name)
            if old is None:
                raise st.not_found(res.plural, res.group, name)
            return 200, self.scale_of(res, old) if sub == "scale" else old
        if method not in ("PUT", "PATCH"):
            raise st.method_not_supported(res.plural + "/" + sub, res.group,
                                          method.lower())
        kind = self._patch_type(req) if method == "PATCH" else None
        body = self.decode_body(req, patch_ok=kind is not None)
        for _ in range(MAX_PATCH_RETRIES):
            old = self.store.get(res, ns, name)
            if old is None:
                raise st.not_found(res.plural, res.group, name)
            try:
                if sub == "scale":
                    return 200, self._update_scale(req, res, ns, name, old,
                                                   kind, body)
                if sub == "ephemeralcontainers":
                    return 200, self._update_ephemeral(req, res, ns, name,
                                                       old, kind, body)
                return 200, self._update_status(req, res, ns, name, old,
                                                 kind, body)
            except st.ApiError as e:
                if method == "PATCH" and e.reason == "Conflict" and \
                        self.store.get(res, ns, name) != old:
                    continue
                raise
        raise st.conflict(res.plural, res.group, name)

    def _update_scale(self, req, res, ns, name, old, kind, body):
        old_scale = self.scale_of(res, old)
        if kind:
            new_scale = self._apply_patch(kind, old_scale, body, req, res,
                                          ns, name + "/scale")
        else:
            new_scale = body
        if not isinstance(new_scale, dict):
            raise st.bad_request("invalid Scale")
        smeta = new_scale.get("metadata") or {}
        if smeta.get("name") and smeta["name"] != name:
            raise st.bad_request("the name of the object (%s) does not "
                                 "match the name on the URL (%s)"
                                 % (smeta["name"], name))
        rv = smeta.get("resourceVersion")
        if rv and rv != old["metadata"]["resourceVersion"]:
            raise st.conflict(res.plural, res.group, name)
        replicas = (new_scale.get("spec") or {}).get("replicas", 0)
        if not isinstance(replicas, int) or replicas < 0:
            raise st.invalid("Scale", "autoscaling", name, [st.field_invalid(
                "spec.replicas", replicas,
                "must be greater than or equal to 0")])
        new = copy.deepcopy(old)
        new["spec"]["replicas"] = replicas
        if res.generation and replicas != (old["spec"].get("replicas") or 0):
            new["metadata"]["generation"] = \
                old["metadata"].get("generation", 1) + 1
        if new != old:
            self._record_managed(new, req, "Update",
                                 {"spec": {"replicas": replicas}}, "scale")
        self._admit(req, res, "UPDATE", name, ns, self.scale_of(res, new),
                    old_scale, self._options("UpdateOptions", req), "scale")
        if req.dry_run:
            return self.scale_of(res, new)
        stored = self.store.update(res, new, old["metadata"][
            "resourceVersion"])
        return self.scale_of(res, stored)

    def _update_status(self, req, res, ns, name, old, kind, body):
        new = self._apply_patch(kind, old, body, req, res, ns,
                                name + "/status") if kind else body
        if not isinstance(new, dict):
            raise st.bad_request("invalid object")
        self._check_identity(res, new, name, ns)
        rv = new["metadata"].get("resourceVersion")
        if rv and rv != old["metadata"]["resourceVersion"]:
            raise st.conflict(res.plural, res.group, name)
        out = copy.deepcopy(old)
        if "status" in new:
            out["status"] = new["status"]
        if res.status_meta:
            for k in STATUS_META:
                if k in new["metadata"]:
                    out["metadata"][k] = new["metadata"][k]
                else:
                    out["metadata"].pop(k, None)
        if out != old:
            self._record_managed(out, req, "Update",
                                 {"status": new.get("status") or {}},
                                 "status")
        self._admit(req, res, "UPDATE", name, ns, out, old,
                    self._options("UpdateOptions", req), "status")
        if req.dry_run:
            return out
        return self.store.update(res, out, old["metadata"]["resourceVersion"])


    def _update_ephemeral_body(self, req, res, ns, name, old, kind, body):
        new = self._apply_patch(kind, old, body, req, res, ns,
                                name + "/ephemeralcontainers") if kind \
            else body
        if not isinstance(new, dict):
            raise st.bad_request("invalid object")
        self._check_identity(res, new, name, ns)
        return new

    def _update_ephemeral(self, req, res, ns, name, old, kind, body):
        """pods/ephemeralcontainers (kubectl debug): only
        spec.ephemeralContainers changes, and existing ones may not."""
        new = self._update_ephemeral_body(req, res, ns, name, old, kind, body)
        rv = new["metadata"].get("resourceVersion")
        if rv and rv != old["metadata"]["resourceVersion"]:
            raise st.conflict(res.plural, res.group, name)
        eph = (new.get("spec") or {}).get("ephemeralContainers") or []
        before = old["spec"].get("ephemeralContainers") or []
        if eph[:len(before)] != before:
            raise st.invalid("Pod", "", name, [st.field_forbidden(
                "spec.ephemeralContainers",
                "existing ephemeral containers may not be changed")])
        out = copy.deepcopy(old)
        out["spec"]["ephemeralContainers"] = eph
        if out != old:
            self._record_managed(out, req, "Update", {"spec": {
                "ephemeralContainers": eph}}, "ephemeralcontainers")
        self._admit(req, res, "UPDATE", name, ns, out, old,
                    self._options("UpdateOptions", req),
                    "ephemeralcontainers")
        if req.dry_run:
            return out
        return self.store.update(res, out, old["metadata"]["resourceVersion"])


def _union(a, b):
    out = dict(a)
    for k, v in b.items():
        out[k] = _union(out[k], v) if isinstance(out.get(k), dict) and \
            isinstance(v, dict) else v
    return out


def _strip_empty(d):
    return {k: v for k, v in d.items() if v}


def deadline_from(query):
    """The request deadline: ?timeout= (capped) else kube's 60 s default."""
    t = 60.0
    raw = (query.get("timeout") or [""])[0]
    if raw:
        try:
            mult = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
            for suf in ("ms", "s", "m", "h"):
                if raw.endswith(suf):
                    t = min(float(raw[:-len(suf)]) * mult[suf], 60.0)
                    break
        except ValueError:
            pass
    return time.monotonic() + t
