/*
 * test_kube.c - webhook/base/kube.c: operation names both ways and their
 * indexes in bit order, the workload kind list (its order, count and
 * NULL end) against resources and pod-spec paths, and service-account
 * usernames.
 */
#include <string.h>

#include "base/kube.h"
#include "unit.h"

static const struct {
	const char	*name;
	unsigned	 bit;
	int		 index;
} ops[] = {
	{ "CREATE", KUBE_OP_CREATE, 0 },
	{ "UPDATE", KUBE_OP_UPDATE, 1 },
	{ "DELETE", KUBE_OP_DELETE, 2 },
	{ "CONNECT", KUBE_OP_CONNECT, 3 },
};

static const struct {
	const char	*kind;
	const char	*resource;
	const char	*podspec;	/* the path joined with '.' */
} kinds[] = {
	{ "Pod", "pods", "spec" },
	{ "Deployment", "deployments", "spec.template.spec" },
	{ "ReplicaSet", "replicasets", "spec.template.spec" },
	{ "StatefulSet", "statefulsets", "spec.template.spec" },
	{ "DaemonSet", "daemonsets", "spec.template.spec" },
	{ "Job", "jobs", "spec.template.spec" },
	{ "CronJob", "cronjobs", "spec.jobTemplate.spec.template.spec" },
	{ "ReplicationController", "replicationcontrollers",
	    "spec.template.spec" },
};

static void
test_ops(void)
{
	size_t	i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		CHECK_INT(kube_op_parse(ops[i].name), ops[i].bit);
		CHECK_STR(kube_op_name(ops[i].bit), ops[i].name);
		CHECK_INT(kube_op_index(ops[i].bit), ops[i].index);
		CHECK_INT(1u << ops[i].index, ops[i].bit);
	}
	CHECK_INT(sizeof(ops) / sizeof(ops[0]), KUBE_OPS);
	CHECK_INT(kube_op_parse("create"), 0);		/* case matters */
	CHECK_INT(kube_op_parse(""), 0);
	CHECK_INT(kube_op_parse(NULL), 0);
	CHECK_STR(kube_op_name(0), "UNKNOWN");
	CHECK_STR(kube_op_name(KUBE_OP_CREATE | KUBE_OP_UPDATE), "UNKNOWN");
	CHECK_INT(kube_op_index(0), -1);
	CHECK_INT(kube_op_index(KUBE_OP_ALL), -1);
	CHECK_INT(kube_op_index(0x10), -1);
}

static void
test_kinds(void)
{
	const char *const	*p;
	char			 path[128];
	size_t			 i, n;

	CHECK_INT(sizeof(kinds) / sizeof(kinds[0]), KUBE_WORKLOAD_KINDS);
	CHECK(kube_workload_kinds[KUBE_WORKLOAD_KINDS] == NULL);
	for (i = 0; i < KUBE_WORKLOAD_KINDS; i++) {
		CHECK_STR(kube_workload_kinds[i], kinds[i].kind);
		CHECK_INT(kube_kind_index(kinds[i].kind), (int)i);
		CHECK_INT(kube_kind_is_workload(kinds[i].kind), 1);
		CHECK_STR(kube_resource_for_kind(kinds[i].kind),
		    kinds[i].resource);
		CHECK_STR(kube_kind_for_resource(kinds[i].resource),
		    kinds[i].kind);
		path[0] = '\0';
		for (p = kube_podspec_path(kinds[i].kind), n = 0;
		    p != NULL && *p != NULL; p++) {
			n += (size_t)snprintf(path + n, sizeof(path) - n,
			    "%s%s", n > 0 ? "." : "", *p);
		}
		CHECK_STR(path, kinds[i].podspec);
	}
	CHECK_INT(kube_kind_index("pod"), -1);
	CHECK_INT(kube_kind_index("Service"), -1);
	CHECK_INT(kube_kind_index(NULL), -1);
	CHECK_INT(kube_kind_is_workload("ConfigMap"), 0);
	CHECK(kube_podspec_path("ConfigMap") == NULL);
	CHECK(kube_resource_for_kind("Service") == NULL);
	CHECK(kube_kind_for_resource("deployments/scale") == NULL);
	CHECK(kube_kind_for_resource("Deployment") == NULL);
	CHECK(kube_kind_for_resource(NULL) == NULL);
}

static const struct {
	const char	*user;
	const char	*sa;		/* NULL: not a service account */
} users[] = {
	{ "system:serviceaccount:flux-system:kustomize-controller",
	    "flux-system:kustomize-controller" },
	{ "system:serviceaccount:", "" },
	{ "system:serviceaccounts:flux-system", NULL },
	{ "system:serviceaccount", NULL },
	{ "alice", NULL },
	{ "", NULL },
};

static void
test_serviceaccounts(void)
{
	size_t		 i;
	const char	*got;

	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		got = kube_serviceaccount(users[i].user);
		if (users[i].sa == NULL)
			CHECK(got == NULL);
		else
			CHECK_STR(got, users[i].sa);
	}
	CHECK(kube_serviceaccount(NULL) == NULL);
}

/* The metrics' kind label: workloads first, then the known others. */
static void
test_known_kinds(void)
{
	static const struct {
		const char	*group, *resource, *kind;
	} known[] = {
		{ "", "services", "Service" },
		{ "", "configmaps", "ConfigMap" },
		{ "", "secrets", "Secret" },
		{ "networking.k8s.io", "ingresses", "Ingress" },
		{ "autoscaling", "horizontalpodautoscalers",
		    "HorizontalPodAutoscaler" },
		{ "networking.k8s.io", "networkpolicies", "NetworkPolicy" },
		{ "source.toolkit.fluxcd.io", "gitrepositories",
		    "GitRepository" },
		{ "source.toolkit.fluxcd.io", "ocirepositories",
		    "OCIRepository" },
		{ "source.toolkit.fluxcd.io", "helmrepositories",
		    "HelmRepository" },
		{ "source.toolkit.fluxcd.io", "buckets", "Bucket" },
		{ "source.toolkit.fluxcd.io", "helmcharts", "HelmChart" },
		{ "kustomize.toolkit.fluxcd.io", "kustomizations",
		    "Kustomization" },
		{ "helm.toolkit.fluxcd.io", "helmreleases", "HelmRelease" },
	};
	size_t	i;

	CHECK_INT(sizeof(known) / sizeof(known[0]) + KUBE_WORKLOAD_KINDS,
	    KUBE_KNOWN_KINDS);
	CHECK(kube_known_kinds[KUBE_KNOWN_KINDS] == NULL);
	for (i = 0; i < KUBE_WORKLOAD_KINDS; i++) {
		CHECK_STR(kube_known_kinds[i], kube_workload_kinds[i]);
		CHECK_INT(kube_known_kind_index(kube_workload_kinds[i]),
		    (int)i);
	}
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		CHECK_STR(kube_known_kinds[KUBE_WORKLOAD_KINDS + i],
		    known[i].kind);
		CHECK_INT(kube_known_kind_index(known[i].kind),
		    (int)(KUBE_WORKLOAD_KINDS + i));
		CHECK_STR(kube_known_kind_for_resource(known[i].group,
		    known[i].resource), known[i].kind);
		/* Not workloads: no pod spec, no workload resource. */
		CHECK_INT(kube_kind_is_workload(known[i].kind), 0);
		CHECK(kube_kind_for_resource(known[i].resource) == NULL);
	}
	CHECK_STR(kube_known_kind_for_resource("apps", "deployments"),
	    "Deployment");
	CHECK_STR(kube_known_kind_for_resource("", "pods"), "Pod");
	CHECK_STR(kube_known_kind_for_resource("batch", "cronjobs"),
	    "CronJob");
	/* The same resource name in another group is not the known kind. */
	CHECK(kube_known_kind_for_resource("serving.knative.dev",
	    "services") == NULL);
	CHECK(kube_known_kind_for_resource("example.com", "deployments") ==
	    NULL);
	CHECK(kube_known_kind_for_resource("argoproj.io", "rollouts") ==
	    NULL);
	CHECK(kube_known_kind_for_resource(NULL, "services") == NULL);
	CHECK(kube_known_kind_for_resource("", NULL) == NULL);
	CHECK_INT(kube_known_kind_index("Lease"), -1);
	CHECK_INT(kube_known_kind_index("service"), -1);
	CHECK_INT(kube_known_kind_index(NULL), -1);
}

int
main(void)
{
	test_ops();
	test_kinds();
	test_known_kinds();
	test_serviceaccounts();
	return unit_done("kube");
}
