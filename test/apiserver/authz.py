# Authorization, as a typical GitOps cluster's RBAC would answer, fixed in
# code: cluster admins (system:masters), service accounts, nodes, the
# controller manager and the break-glass group may do anything; every other
# authenticated user has the `edit` ClusterRole everywhere (all namespaced
# resources) plus get/list on namespaces, and nothing on webhook
# configurations. Denials are 403 Forbidden worded like the RBAC authorizer.
import status as st

PRIVILEGED_GROUPS = {"system:masters", "system:serviceaccounts",
                     "system:nodes", "gitgate:break-glass"}
PRIVILEGED_USERS = {"system:kube-controller-manager", "system:apiserver"}
READ_VERBS = {"get", "list", "watch"}


def verb_of(method, has_name):
    return {"GET": "get" if has_name else "list", "HEAD": "get",
            "POST": "create", "PUT": "update", "PATCH": "patch",
            "DELETE": "delete"}.get(method, method.lower())


def allowed(user, res, verb):
    if user.get("username") in PRIVILEGED_USERS or \
            PRIVILEGED_GROUPS & set(user.get("groups") or []):
        return True
    if res.namespaced:
        return True
    return res.plural == "namespaces" and verb in READ_VERBS


def authorize(user, res, verb, ns, name, sub=""):
    """Raise st.ApiError 403 unless user may do verb on the resource."""
    if allowed(user, res, verb):
        return
    plural = res.plural + ("/" + sub if sub else "")
    where = 'in the namespace "%s"' % ns if ns else "at the cluster scope"
    raise st.forbidden(plural, res.group, name,
                       'User "%s" cannot %s resource "%s" in API group "%s" '
                       '%s' % (user.get("username", ""), verb, plural,
                               res.group, where))


def self_subject_access_review(user, body):
    """The SelfSubjectAccessReview kube-apiserver returns for body."""
    import resources
    attrs = ((body or {}).get("spec") or {}).get("resourceAttributes") or {}
    res = None
    for r in resources.RESOURCES:
        if r.plural == attrs.get("resource") and \
                r.group == attrs.get("group", ""):
            res = r
    if res is None:
        ok = PRIVILEGED_GROUPS & set(user.get("groups") or []) or \
            user.get("username") in PRIVILEGED_USERS
    else:
        ok = allowed(user, res, attrs.get("verb", ""))
    out = dict(body or {}, kind="SelfSubjectAccessReview",
               apiVersion="authorization.k8s.io/v1")
    out.setdefault("metadata", {})["creationTimestamp"] = None
    out["status"] = {"allowed": bool(ok)}
    if not ok:
        out["status"]["reason"] = ""
    return out
