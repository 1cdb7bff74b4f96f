# PATCH bodies as kube-apiserver applies them, to the extent kubectl needs:
# JSON merge patch (RFC 7386), JSON patch (RFC 6902), strategic merge patch
# (merge keys of the built-in types, $patch/$retainKeys/$setElementOrder/
# $deleteFromPrimitiveList directives) and server-side apply approximated as
# "merge the applied config, drop what this manager applied last time and no
# longer applies" (no field ownership conflicts). Also a FieldsV1 builder for
# managedFields. Errors raise status.ApiError as the apiserver words them.
import copy
import json

import status as st

# patchMergeKey of list fields in the served types (k8s.io/api struct tags).
MERGE_KEYS = {
    "containers": "name", "initContainers": "name",
    "ephemeralContainers": "name", "volumes": "name", "env": "name",
    "imagePullSecrets": "name", "resourceClaims": "name",
    "volumeMounts": "mountPath", "volumeDevices": "devicePath",
    "ownerReferences": "uid", "hostAliases": "ip", "conditions": "type",
    "topologySpreadConstraints": "topologyKey", "webhooks": "name",
    "secrets": "name",
}
PRIMITIVE_MERGE = {"finalizers"}
CONTAINER_LISTS = {"containers", "initContainers", "ephemeralContainers"}


def merge_key(path, field):
    """Merge key of list `field` under `path` (tuple of parent fields)."""
    if field == "ports":
        return "containerPort" if any(p in CONTAINER_LISTS for p in path) \
            else "port"
    if field == "conditions" and "status" not in path:
        return None
    return MERGE_KEYS.get(field)


def _unprocessable(msg):
    return st.ApiError(
        422, "Invalid",
        "the server rejected our request due to an error in our request",
        {"causes": [{"reason": "UnexpectedServerResponse",
                     "message": msg}]})


# ---- JSON merge patch (RFC 7386) ----

def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


# ---- JSON patch (RFC 6902) ----

def _pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise _unprocessable("invalid JSON pointer %q" % path)
    return [p.replace("~1", "/").replace("~0", "~")
            for p in path[1:].split("/")]


def _parent(doc, parts, op):
    cur = doc
    for p in parts[:-1]:
        if isinstance(cur, dict) and p in cur:
            cur = cur[p]
        elif isinstance(cur, list) and p.isdigit() and int(p) < len(cur):
            cur = cur[int(p)]
        else:
            raise _unprocessable("%s operation does not apply: doc is "
                                 "missing path: %s" % (op, "/" +
                                                       "/".join(parts)))
    return cur


def _get(doc, parts, op):
    par = _parent(doc, parts, op)
    last = parts[-1]
    if isinstance(par, dict) and last in par:
        return par[last]
    if isinstance(par, list) and last.isdigit() and int(last) < len(par):
        return par[int(last)]
    raise _unprocessable("%s operation does not apply: doc is missing key: "
                         "%s" % (op, "/" + "/".join(parts)))


def _remove(doc, parts, op):
    par = _parent(doc, parts, op)
    last = parts[-1]
    if isinstance(par, dict) and last in par:
        return par.pop(last)
    if isinstance(par, list) and last.isdigit() and int(last) < len(par):
        return par.pop(int(last))
    raise _unprocessable("%s operation does not apply: doc is missing key: "
                         "%s" % (op, "/" + "/".join(parts)))


def _add(doc, parts, value, op, replace=False):
    if not parts:
        return value
    par = _parent(doc, parts, op)
    last = parts[-1]
    if isinstance(par, dict):
        if replace and last not in par:
            raise _unprocessable("replace operation does not apply: doc is "
                                 "missing key: /" + "/".join(parts))
        par[last] = value
    elif isinstance(par, list):
        if last == "-" and not replace:
            par.append(value)
        elif last.isdigit() and int(last) <= len(par) - (1 if replace else 0):
            if replace:
                par[int(last)] = value
            else:
                par.insert(int(last), value)
        else:
            raise _unprocessable("%s operation does not apply: index out of "
                                 "range" % op)
    else:
        raise _unprocessable("%s operation does not apply: doc is missing "
                             "path" % op)
    return doc


def json_patch(target, ops):
    if not isinstance(ops, list):
        raise st.bad_request("json: cannot unmarshal object into Go value "
                             "of type jsonpatch.Patch")
    doc = copy.deepcopy(target)
    for o in ops:
        op = o.get("op") if isinstance(o, dict) else None
        parts = _pointer(o.get("path", "")) if op else []
        if op == "add":
            doc = _add(doc, parts, copy.deepcopy(o.get("value")), op)
        elif op == "remove":
            _remove(doc, parts, op)
        elif op == "replace":
            doc = _add(doc, parts, copy.deepcopy(o.get("value")), op, True)
        elif op in ("move", "copy"):
            frm = _pointer(o.get("from", ""))
            val = _remove(doc, frm, op) if op == "move" else \
                copy.deepcopy(_get(doc, frm, op))
            doc = _add(doc, parts, val, op)
        elif op == "test":
            if _get(doc, parts, op) != o.get("value"):
                raise _unprocessable("testing value /%s failed: test failed"
                                     % "/".join(parts))
        else:
            raise st.bad_request("Unexpected kind: %s" % op)
    return doc


# ---- strategic merge patch ----

def _strip(v):
    """Remove directives from a value that is added as a whole."""
    if isinstance(v, dict):
        return {k: _strip(x) for k, x in v.items()
                if not k.startswith("$")}
    if isinstance(v, list):
        return [_strip(x) for x in v
                if not (isinstance(x, dict) and x.get("$patch"))]
    return v


def strategic_merge(orig, patch, path=()):
    """Apply a strategic merge patch map to orig (a dict); returns new."""
    if not isinstance(patch, dict):
        raise st.bad_request("invalid JSON document")
    if patch.get("$patch") == "replace":
        return _strip({k: v for k, v in patch.items() if k != "$patch"})
    if patch.get("$patch") == "delete":
        return None
    out = copy.deepcopy(orig) if isinstance(orig, dict) else {}
    retain = patch.get("$retainKeys")
    orders = {}
    for k, v in patch.items():
        if k in ("$patch", "$retainKeys"):
            continue
        if k.startswith("$setElementOrder/"):
            orders[k.split("/", 1)[1]] = v
            continue
        if k.startswith("$deleteFromPrimitiveList/"):
            f = k.split("/", 1)[1]
            if isinstance(out.get(f), list):
                out[f] = [x for x in out[f] if x not in (v or [])]
            continue
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict):
            sub = strategic_merge(out.get(k), v, path + (k,))
            if sub is None:
                out.pop(k, None)
            else:
                out[k] = sub
        elif isinstance(v, list):
            out[k] = _merge_list(out.get(k), v, path, k)
        else:
            out[k] = v
    for f, order in orders.items():
        if isinstance(out.get(f), list):
            out[f] = _reorder(out[f], order, merge_key(path, f))
    if isinstance(retain, list):
        out = {k: v for k, v in out.items() if k in retain}
    return out


def _merge_list(orig, patch, path, field):
    orig = orig if isinstance(orig, list) else []
    if field in PRIMITIVE_MERGE:
        out = list(orig)
        for x in patch:
            if x not in out:
                out.append(x)
        return out
    key = merge_key(path, field)
    if any(isinstance(x, dict) and x.get("$patch") == "replace"
           for x in patch):
        return _strip([x for x in patch if not (isinstance(x, dict) and
                                                x.get("$patch"))])
    if key is None:
        return _strip(patch)
    out = copy.deepcopy(orig)
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            raise st.bad_request("map: %s does not contain declared merge "
                                 "key: %s" % (json.dumps(item), key))
        idx = next((i for i, o in enumerate(out)
                    if isinstance(o, dict) and o.get(key) == item[key]), -1)
        if item.get("$patch") == "delete":
            out = [o for o in out if not (isinstance(o, dict) and
                                          o.get(key) == item[key])]
        elif idx >= 0:
            out[idx] = strategic_merge(out[idx], item, path + (field,))
        else:
            out.append(_strip(item))
    return out


def _reorder(items, order, key):
    def ident(x):
        return x.get(key) if key and isinstance(x, dict) else x
    wanted = [ident(o) for o in order]
    first = [x for w in wanted for x in items if ident(x) == w]
    rest = [x for x in items if ident(x) not in wanted]
    return first + rest


# ---- server-side apply (approximation) ----

def _removal_patch(prev, new, path=()):
    """SMP that deletes what prev applied and new no longer applies."""
    out = {}
    for k, pv in (prev or {}).items():
        if k not in new:
            out[k] = None
        elif isinstance(pv, dict) and isinstance(new[k], dict):
            sub = _removal_patch(pv, new[k], path + (k,))
            if sub:
                out[k] = sub
        elif isinstance(pv, list) and isinstance(new[k], list):
            key = merge_key(path, k)
            if key:
                keep = {x.get(key) for x in new[k] if isinstance(x, dict)}
                dels = [{key: x.get(key), "$patch": "delete"} for x in pv
                        if isinstance(x, dict) and x.get(key) not in keep]
                if dels:
                    out[k] = dels
    return out


def server_side_apply(live, applied, prev_applied):
    """live + applied config, minus fields the same manager dropped."""
    base = copy.deepcopy(live)
    rm = _removal_patch(prev_applied or {}, applied)
    if rm:
        base = strategic_merge(base, rm)
    return strategic_merge(base, applied)


# ---- managedFields ----

def fields_v1(value, path=()):
    """FieldsV1 set of the fields present in `value` (a dict)."""
    out = {}
    for k, v in value.items():
        if k.startswith("$") or v is None:
            continue
        fk = "f:" + k
        key = merge_key(path, k) if isinstance(v, list) else None
        if k in ("labels", "annotations") and isinstance(v, dict):
            out[fk] = {"f:" + lk: {} for lk in v}
        elif isinstance(v, dict) and v:
            out[fk] = fields_v1(v, path + (k,))
        elif key and all(isinstance(x, dict) and key in x for x in v):
            out[fk] = {}
            for x in v:
                ik = "k:" + json.dumps({key: x[key]}, separators=(",", ":"))
                out[fk][ik] = dict({".": {}}, **fields_v1(x, path + (k,)))
        else:
            out[fk] = {}
    return out


def managed_fields_of(obj):
    """The part of an object a manager is recorded for: no identity
    metadata, no status."""
    body = {k: v for k, v in obj.items()
            if k not in ("kind", "apiVersion", "metadata", "status")}
    meta = obj.get("metadata") or {}
    m = {k: meta[k] for k in ("labels", "annotations", "ownerReferences",
                              "finalizers") if meta.get(k)}
    if m:
        body = dict({"metadata": m}, **body)
    return fields_v1(body)
