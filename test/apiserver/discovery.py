# What kubectl reads before it acts: /version (the kubectl-dispatcher picks
# its bundled kubectl by the server's minor version, so it must say 1.32),
# aggregated discovery (apidiscovery.k8s.io/v2) with the legacy
# /api, /apis, /api/v1, /apis/<g>/<v> fallback, and an OpenAPI v3 stub that
# advertises the fieldValidation query parameter on every PATCH, so plain
# `kubectl apply` (validation on) works. /openapi/v2 is a 404 on purpose.
import hashlib
import json

import resources

VERSION = {"major": "1", "minor": "32", "gitVersion": "v1.32.4",
           "gitCommit": "59526cd4867447956156ae3a602fcbac10a2c335",
           "gitTreeState": "clean", "buildDate": "2025-04-22T16:02:27Z",
           "goVersion": "go1.23.6", "compiler": "gc",
           "platform": "linux/amd64"}

AGGREGATED_CT = "application/json;g=apidiscovery.k8s.io;v=v2;" \
    "as=APIGroupDiscoveryList"
SUB_VERBS = ["get", "patch", "update"]


def wants_aggregated(accept):
    return bool(accept) and "g=apidiscovery.k8s.io" in accept and \
        "v=v2;" in accept + ";"


def _sub_kind(res, sub):
    return resources.SCALE_GVK if sub == "scale" else {
        "group": "", "version": "", "kind": res.kind}


def _aggregated_resource(res):
    d = {"resource": res.plural,
         "responseKind": {"group": "", "version": "", "kind": res.kind},
         "scope": "Namespaced" if res.namespaced else "Cluster",
         "singularResource": res.singular, "verbs": res.verbs}
    if res.short:
        d["shortNames"] = res.short
    if res.categories:
        d["categories"] = res.categories
    if res.subresources:
        d["subresources"] = [{"subresource": s,
                              "responseKind": _sub_kind(res, s),
                              "verbs": SUB_VERBS} for s in res.subresources]
    return d


def aggregated(core):
    """APIGroupDiscoveryList for /api (core=True) or /apis."""
    items = []
    for group, version, rs in resources.group_versions():
        if (group == "") != core:
            continue
        meta = {"creationTimestamp": None}
        if group:
            meta = {"name": group, "creationTimestamp": None}
        items.append({"metadata": meta, "versions": [{
            "version": version,
            "resources": [_aggregated_resource(r) for r in rs],
            "freshness": "Current"}]})
    return {"kind": "APIGroupDiscoveryList",
            "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {},
            "items": items}


def legacy_api(server_address):
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                            "serverAddress":
                                                server_address}]}


def legacy_groups():
    groups = []
    for group, version, _ in resources.group_versions():
        if not group:
            continue
        gv = {"groupVersion": group + "/" + version, "version": version}
        groups.append({"name": group, "versions": [gv],
                       "preferredVersion": gv})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def resource_list(group, version):
    """APIResourceList of one group version, or None."""
    for g, v, rs in resources.group_versions():
        if g != group or v != version:
            continue
        out = []
        for r in rs:
            d = {"name": r.plural, "singularName": r.singular,
                 "namespaced": r.namespaced, "kind": r.kind,
                 "verbs": r.verbs}
            if r.short:
                d["shortNames"] = r.short
            if r.categories:
                d["categories"] = r.categories
            out.append(d)
            for s in r.subresources:
                sd = {"name": r.plural + "/" + s, "singularName": "",
                      "namespaced": r.namespaced, "kind": r.kind,
                      "verbs": SUB_VERBS}
                if s == "scale":
                    sd.update(group="autoscaling", version="v1",
                              kind="Scale")
                out.append(sd)
        return {"kind": "APIResourceList", "apiVersion": "v1",
                "groupVersion": g + "/" + v if g else v, "resources": out}
    return None


def _gv_path(group, version):
    return "apis/%s/%s" % (group, version) if group else "api/" + version


def openapi_gv(group, version):
    """OpenAPI v3 document of one group version: PATCH operations only,
    each with its GVK and the fieldValidation parameter (no requestBody,
    so kubectl does not try to compute patches from v3 schemas)."""
    paths = {}
    for g, v, rs in resources.group_versions():
        if g != group or v != version:
            continue
        for r in rs:
            base = "/" + _gv_path(g, v)
            if r.namespaced:
                base += "/namespaces/{namespace}"
            paths["%s/%s/{name}" % (base, r.plural)] = {"patch": {
                "operationId": "patch" + r.kind,
                "x-kubernetes-action": "patch",
                "x-kubernetes-group-version-kind": {
                    "group": g, "version": v, "kind": r.kind},
                "parameters": [
                    {"name": "dryRun", "in": "query",
                     "schema": {"type": "string", "uniqueItems": True}},
                    {"name": "fieldManager", "in": "query",
                     "schema": {"type": "string", "uniqueItems": True}},
                    {"name": "fieldValidation", "in": "query",
                     "schema": {"type": "string", "uniqueItems": True}},
                    {"name": "force", "in": "query",
                     "schema": {"type": "boolean", "uniqueItems": True}}],
                "responses": {"200": {"description": "OK"}}}}
        return {"openapi": "3.0.0",
                "info": {"title": "Kubernetes", "version": "v1.32.4"},
                "paths": paths}
    return None


def openapi_root():
    paths = {}
    for g, v, _ in resources.group_versions():
        doc = json.dumps(openapi_gv(g, v), sort_keys=True).encode()
        h = hashlib.sha512(doc).hexdigest()[:64].upper()
        p = _gv_path(g, v)
        paths[p] = {"serverRelativeURL": "/openapi/v3/%s?hash=%s" % (p, h)}
    return {"paths": paths}
