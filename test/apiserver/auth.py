# Authentication as kube-apiserver's --token-auth-file does it: CSV lines
# `token,user,uid,"group1,group2"`, system:authenticated appended unless
# present. With bound_sa_extras, service-account users also carry the extra
# that real bound tokens carry in 1.32 (credential-id JTI, and pod/node for
# pod-bound tokens of non-kube-system controllers), see reference §4.
# Impersonation (Impersonate-* headers) for members of system:masters.
# No client certificates, no anonymous user: a missing or unknown token is 401.
import csv
import random
import uuid


def load_tokens(path, bound_sa_extras=False):
    """{token: userInfo dict}; raises ValueError on a malformed line."""
    users = {}
    with open(path, newline="") as f:
        for n, rec in enumerate(csv.reader(f), 1):
            if not rec or rec[0].startswith("#"):
                continue
            if len(rec) < 3:
                raise ValueError("%s:%d: token file needs at least 3 "
                                 "columns" % (path, n))
            token, name, uid = rec[0], rec[1], rec[2]
            groups = [g for g in (rec[3].split(",") if len(rec) > 3 else [])
                      if g]
            if "system:authenticated" not in groups:
                groups.append("system:authenticated")
            user = {"username": name, "uid": uid, "groups": groups}
            if bound_sa_extras and name.startswith("system:serviceaccount:"):
                user["extra"] = _sa_extra(name)
            users[token] = user
    return users


def _sa_extra(name):
    ns, sa = name.split(":")[2:4]
    extra = {"authentication.kubernetes.io/credential-id":
             ["JTI=" + str(uuid.uuid4())]}
    if ns != "kube-system":
        # a Deployment's pod name: <name>-<template hash>-<5 random>
        pod = "%s-%s-%s" % (sa, _rand(10), _rand(5))
        extra.update({
            "authentication.kubernetes.io/node-name": ["gitgate-e2e-worker"],
            "authentication.kubernetes.io/node-uid": [str(uuid.uuid4())],
            "authentication.kubernetes.io/pod-name": [pod],
            "authentication.kubernetes.io/pod-uid": [str(uuid.uuid4())]})
    return extra


def _rand(n):
    alphabet = "bcdfghjklmnpqrstvwxz2456789"   # k8s util/rand
    return "".join(random.choice(alphabet) for _ in range(n))


def authenticate(users, header):
    """userInfo for an `Authorization: Bearer <token>` header, or None."""
    if not header:
        return None
    parts = header.split(" ", 1)
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    return users.get(parts[1].strip())


def impersonate(user, headers):
    """The user after Impersonate-* headers (k8s.io/apiserver
    filters/impersonation.go), or the user itself; None if not allowed."""
    name = headers.get("Impersonate-User")
    if not name:
        return user
    if "system:masters" not in (user.get("groups") or []):
        return None
    groups = headers.get_all("Impersonate-Group") or []
    if not groups and name.startswith("system:serviceaccount:"):
        ns = name.split(":")[2]
        groups = ["system:serviceaccounts", "system:serviceaccounts:" + ns]
    if "system:authenticated" not in groups and \
            "system:unauthenticated" not in groups:
        groups = groups + ["system:authenticated"]
    out = {"username": name, "groups": groups}
    if headers.get("Impersonate-Uid"):
        out["uid"] = headers["Impersonate-Uid"]
    extra = {}
    for k, v in headers.items():
        if k.lower().startswith("impersonate-extra-"):
            key = k[len("impersonate-extra-"):].lower()
            extra.setdefault(key, []).append(v)
    if extra:
        out["extra"] = extra
    return out
