# The resource registry: which group/version/kinds the stand-in serves, their
# plural/singular names, scope, short names, categories and subresources. It
# feeds discovery, URL routing, Status wording and webhook attributes. Only
# data lives here; behaviour per kind is in defaults.py and tables.py.


class Resource:
    def __init__(self, group, version, kind, plural, namespaced=True,
                 short=(), categories=(), subresources=(), generation=False,
                 verbs=None, status_meta=False):
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.singular = kind.lower()
        self.namespaced = namespaced
        self.short = list(short)
        self.categories = list(categories)
        self.subresources = list(subresources)
        self.generation = generation   # strategy bumps metadata.generation
        # A status write keeps labels, annotations, finalizers and owners
        # (built-in kinds whose status strategy resets only spec); else
        # only status is kept, as for a CRD.
        self.status_meta = status_meta
        self.verbs = verbs or ["create", "delete", "get", "list", "patch",
                               "update"]

    @property
    def api_version(self):
        return self.group + "/" + self.version if self.group else self.version

    @property
    def list_kind(self):
        return self.kind + "List"

    def gvk(self):
        return {"group": self.group, "version": self.version,
                "kind": self.kind}

    def gvr(self):
        return {"group": self.group, "version": self.version,
                "resource": self.plural}

    def __repr__(self):
        return "Resource(%s)" % self.plural


ALL = "all"
WL = dict(categories=(ALL,), generation=True)
FLUX = dict(subresources=("status",), generation=True)
FLUX_SRC = "source.toolkit.fluxcd.io"

RESOURCES = [
    Resource("", "v1", "Namespace", "namespaces", namespaced=False,
             short=("ns",), subresources=("status",)),
    Resource("", "v1", "Pod", "pods", short=("po",), categories=(ALL,),
             subresources=("status", "ephemeralcontainers")),
    Resource("", "v1", "ReplicationController", "replicationcontrollers",
             short=("rc",), subresources=("scale", "status"), **WL),
    Resource("", "v1", "Service", "services", short=("svc",),
             categories=(ALL,), subresources=("status",), status_meta=True),
    Resource("", "v1", "ConfigMap", "configmaps", short=("cm",)),
    Resource("", "v1", "Secret", "secrets"),
    Resource("", "v1", "ServiceAccount", "serviceaccounts", short=("sa",)),
    Resource("", "v1", "Event", "events", short=("ev",)),
    Resource("apps", "v1", "Deployment", "deployments", short=("deploy",),
             subresources=("scale", "status"), **WL),
    Resource("apps", "v1", "StatefulSet", "statefulsets", short=("sts",),
             subresources=("scale", "status"), **WL),
    Resource("apps", "v1", "DaemonSet", "daemonsets", short=("ds",),
             subresources=("status",), **WL),
    Resource("apps", "v1", "ReplicaSet", "replicasets", short=("rs",),
             subresources=("scale", "status"), **WL),
    Resource("batch", "v1", "Job", "jobs", subresources=("status",), **WL),
    Resource("batch", "v1", "CronJob", "cronjobs", short=("cj",),
             subresources=("status",), **WL),
    Resource("autoscaling", "v2", "HorizontalPodAutoscaler",
             "horizontalpodautoscalers", short=("hpa",), categories=(ALL,),
             subresources=("status",), status_meta=True),
    Resource("networking.k8s.io", "v1", "Ingress", "ingresses",
             short=("ing",), subresources=("status",), generation=True,
             status_meta=True),
    Resource("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies",
             short=("netpol",), generation=True),
    Resource("admissionregistration.k8s.io", "v1",
             "ValidatingWebhookConfiguration",
             "validatingwebhookconfigurations", namespaced=False,
             categories=("api-extensions",), generation=True),
    # Flux's kinds as its CRDs declare them (kubebuilder markers of
    # source-, kustomize- and helm-controller): served versions, short
    # names, a status subresource; no categories (not in `get all`).
    Resource(FLUX_SRC, "v1", "GitRepository", "gitrepositories",
             short=("gitrepo",), **FLUX),
    Resource(FLUX_SRC, "v1", "OCIRepository", "ocirepositories",
             short=("ocirepo",), **FLUX),
    Resource(FLUX_SRC, "v1", "HelmRepository", "helmrepositories",
             short=("helmrepo",), **FLUX),
    Resource(FLUX_SRC, "v1", "Bucket", "buckets", **FLUX),
    Resource(FLUX_SRC, "v1", "HelmChart", "helmcharts", short=("hc",),
             **FLUX),
    Resource("kustomize.toolkit.fluxcd.io", "v1", "Kustomization",
             "kustomizations", short=("ks",), **FLUX),
    Resource("helm.toolkit.fluxcd.io", "v2", "HelmRelease", "helmreleases",
             short=("hr",), **FLUX),
    # create-only, never stored: answered by authz.py (kubectl auth can-i)
    Resource("authorization.k8s.io", "v1", "SelfSubjectAccessReview",
             "selfsubjectaccessreviews", namespaced=False, verbs=["create"]),
]

SCALE_GVK = {"group": "autoscaling", "version": "v1", "kind": "Scale"}

# Webhooks are never called for these (rules.IsExemptAdmissionConfiguration-
# Resource); MutatingWebhookConfiguration and the policy kinds are not served.
ADMISSION_EXEMPT = {("admissionregistration.k8s.io",
                     "validatingwebhookconfigurations"),
                    ("admissionregistration.k8s.io",
                     "mutatingwebhookconfigurations"),
                    ("admissionregistration.k8s.io",
                     "validatingadmissionpolicies"),
                    ("admissionregistration.k8s.io",
                     "validatingadmissionpolicybindings")}

_BY_PATH = {(r.group, r.version, r.plural): r for r in RESOURCES}
_BY_KIND = {(r.group, r.kind): r for r in RESOURCES}


def lookup(group, version, plural):
    return _BY_PATH.get((group, version, plural))


def by_kind(api_version, kind):
    group = api_version.rpartition("/")[0] if "/" in api_version else ""
    return _BY_KIND.get((group, kind))


def group_versions():
    """[(group, version, [Resource])] in registry order, core first."""
    out = []
    for r in RESOURCES:
        for g in out:
            if g[0] == r.group and g[1] == r.version:
                g[2].append(r)
                break
        else:
            out.append((r.group, r.version, [r]))
    return out
