# In-memory object storage with etcd's semantics as the registry sees them:
# one global resourceVersion counter, optimistic concurrency (a write names
# the resourceVersion it read, else 409 Conflict), AlreadyExists/NotFound.
# Objects go in and come out as deep copies; callers never share state.
# Also the per-manager last applied config used by server-side apply.
import copy
import datetime
import threading
import uuid

import status as st

META_ORDER = ("name", "generateName", "namespace", "selfLink", "uid",
              "resourceVersion", "generation", "creationTimestamp",
              "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
              "annotations", "ownerReferences", "finalizers", "managedFields")
TOP_ORDER = ("kind", "apiVersion", "metadata")


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def new_uid():
    return str(uuid.uuid4())


def ordered(obj):
    """Go struct order: kind, apiVersion, metadata (ObjectMeta order), the
    rest as given, status last."""
    if not isinstance(obj, dict):
        return obj
    out = {k: obj[k] for k in TOP_ORDER if k in obj}
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        m = {k: meta[k] for k in META_ORDER if k in meta}
        m.update({k: v for k, v in meta.items() if k not in m})
        out["metadata"] = m
    for k, v in obj.items():
        if k not in out and k != "status":
            out[k] = v
    if "status" in obj:
        out["status"] = obj["status"]
    return out


class Store:
    def __init__(self):
        self.lock = threading.RLock()
        self.rv = 1000
        self.objects = {}       # (group, plural, ns, name) -> object
        self.applied = {}       # (group, plural, ns, name, manager) -> cfg
        self.next_ip = 10

    def _key(self, res, ns, name):
        return (res.group, res.plural, ns or "", name)

    def resource_version(self):
        with self.lock:
            return str(self.rv)

    def allocate_cluster_ip(self):
        with self.lock:
            self.next_ip += 1
            n = self.next_ip
        return "10.96.%d.%d" % (n // 250, n % 250 + 1)

    def get(self, res, ns, name):
        with self.lock:
            obj = self.objects.get(self._key(res, ns, name))
            return copy.deepcopy(obj) if obj is not None else None

    def list(self, res, ns=None):
        with self.lock:
            items = [copy.deepcopy(o) for (g, p, n, _), o in
                     sorted(self.objects.items())
                     if g == res.group and p == res.plural and
                     (ns is None or n == ns)]
            return items, str(self.rv)

    def create(self, res, obj):
        meta = obj["metadata"]
        key = self._key(res, meta.get("namespace"), meta["name"])
        with self.lock:
            if key in self.objects:
                raise st.already_exists(res.plural, res.group, meta["name"])
            self.rv += 1
            meta["resourceVersion"] = str(self.rv)
            self.objects[key] = ordered(copy.deepcopy(obj))
            return copy.deepcopy(self.objects[key])

    def update(self, res, obj, expect_rv):
        """Replace the object if its stored resourceVersion is expect_rv."""
        meta = obj["metadata"]
        key = self._key(res, meta.get("namespace"), meta["name"])
        with self.lock:
            cur = self.objects.get(key)
            if cur is None:
                raise st.not_found(res.plural, res.group, meta["name"])
            if cur["metadata"]["resourceVersion"] != expect_rv:
                raise st.conflict(res.plural, res.group, meta["name"])
            meta["resourceVersion"] = expect_rv
            if ordered(obj) == cur:
                return copy.deepcopy(cur)       # no-op: no new RV
            self.rv += 1
            meta["resourceVersion"] = str(self.rv)
            self.objects[key] = ordered(copy.deepcopy(obj))
            return copy.deepcopy(self.objects[key])

    def delete(self, res, ns, name, expect_rv=None):
        key = self._key(res, ns, name)
        with self.lock:
            cur = self.objects.get(key)
            if cur is None:
                raise st.not_found(res.plural, res.group, name)
            if expect_rv is not None and \
                    cur["metadata"]["resourceVersion"] != expect_rv:
                raise st.conflict(res.plural, res.group, name)
            del self.objects[key]
            for k in [k for k in self.applied if k[:4] == key]:
                del self.applied[k]
            if res.plural == "namespaces":
                for k in [k for k in self.objects if k[2] == name]:
                    del self.objects[k]
            self.rv += 1
            return cur

    def last_applied(self, res, ns, name, manager):
        with self.lock:
            return copy.deepcopy(self.applied.get(
                self._key(res, ns, name) + (manager,)))

    def set_applied(self, res, ns, name, manager, cfg):
        with self.lock:
            self.applied[self._key(res, ns, name) + (manager,)] = \
                copy.deepcopy(cfg)
