/*
 * kube.c - constant tables of Kubernetes vocabulary: operation names, the
 * workload kinds with their resources and pod-spec paths, the other
 * well-known kinds, service-account usernames. No allocation, no state.
 */
#include "base/kube.h"

#include <string.h>

static const struct {
	unsigned	 bit;
	const char	*name;
} kube_ops[] = {			/* in bit order: kube_op_index() */
	{ KUBE_OP_CREATE, "CREATE" },
	{ KUBE_OP_UPDATE, "UPDATE" },
	{ KUBE_OP_DELETE, "DELETE" },
	{ KUBE_OP_CONNECT, "CONNECT" },
};

static const char *const path_pod[] = { "spec", NULL };
static const char *const path_template[] = { "spec", "template", "spec",
	NULL };
static const char *const path_cronjob[] = { "spec", "jobTemplate", "spec",
	"template", "spec", NULL };

const char *const kube_workload_kinds[KUBE_WORKLOAD_KINDS + 1] = {
	"Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job",
	"CronJob", "ReplicationController", NULL
};

const char *const kube_known_kinds[KUBE_KNOWN_KINDS + 1] = {
	"Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job",
	"CronJob", "ReplicationController",
	"Service", "ConfigMap", "Secret", "Ingress", "HorizontalPodAutoscaler",
	"NetworkPolicy", "GitRepository", "OCIRepository", "HelmRepository",
	"Bucket", "HelmChart", "Kustomization", "HelmRelease", NULL
};

/* Indexed as kube_known_kinds from KUBE_WORKLOAD_KINDS on. */
static const struct {
	const char	*group;
	const char	*resource;
} kube_others[KUBE_KNOWN_KINDS - KUBE_WORKLOAD_KINDS] = {
	{ "", "services" },
	{ "", "configmaps" },
	{ "", "secrets" },
	{ "networking.k8s.io", "ingresses" },
	{ "autoscaling", "horizontalpodautoscalers" },
	{ "networking.k8s.io", "networkpolicies" },
	{ "source.toolkit.fluxcd.io", "gitrepositories" },
	{ "source.toolkit.fluxcd.io", "ocirepositories" },
	{ "source.toolkit.fluxcd.io", "helmrepositories" },
	{ "source.toolkit.fluxcd.io", "buckets" },
	{ "source.toolkit.fluxcd.io", "helmcharts" },
	{ "kustomize.toolkit.fluxcd.io", "kustomizations" },
	{ "helm.toolkit.fluxcd.io", "helmreleases" },
};

/* Indexed as kube_workload_kinds. */
static const struct {
	const char		*resource;
	const char *const	*podspec;
} kube_workloads[KUBE_WORKLOAD_KINDS] = {
	{ "pods", path_pod },
	{ "deployments", path_template },
	{ "replicasets", path_template },
	{ "statefulsets", path_template },
	{ "daemonsets", path_template },
	{ "jobs", path_template },
	{ "cronjobs", path_cronjob },
	{ "replicationcontrollers", path_template },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

unsigned
kube_op_parse(const char *name)
{
	size_t	i;

	for (i = 0; name != NULL && i < NELEM(kube_ops); i++)
		if (strcmp(name, kube_ops[i].name) == 0)
			return kube_ops[i].bit;
	return 0;
}

const char *
kube_op_name(unsigned op)
{
	size_t	i;

	for (i = 0; i < NELEM(kube_ops); i++)
		if (op == kube_ops[i].bit)
			return kube_ops[i].name;
	return "UNKNOWN";
}

int
kube_op_index(unsigned op)
{
	size_t	i;

	for (i = 0; i < NELEM(kube_ops); i++)
		if (op == kube_ops[i].bit)
			return (int)i;
	return -1;
}

int
kube_kind_index(const char *kind)
{
	size_t	i;

	for (i = 0; kind != NULL && i < KUBE_WORKLOAD_KINDS; i++)
		if (strcmp(kind, kube_workload_kinds[i]) == 0)
			return (int)i;
	return -1;
}

const char *
kube_kind_for_resource(const char *resource)
{
	size_t	i;

	for (i = 0; resource != NULL && i < KUBE_WORKLOAD_KINDS; i++)
		if (strcmp(resource, kube_workloads[i].resource) == 0)
			return kube_workload_kinds[i];
	return NULL;
}

const char *
kube_resource_for_kind(const char *kind)
{
	int	i = kube_kind_index(kind);

	return i == -1 ? NULL : kube_workloads[i].resource;
}

int
kube_kind_is_workload(const char *kind)
{
	return kube_kind_index(kind) != -1;
}

const char *const *
kube_podspec_path(const char *kind)
{
	int	i = kube_kind_index(kind);

	return i == -1 ? NULL : kube_workloads[i].podspec;
}

int
kube_known_kind_index(const char *kind)
{
	size_t	i;

	for (i = 0; kind != NULL && i < KUBE_KNOWN_KINDS; i++)
		if (strcmp(kind, kube_known_kinds[i]) == 0)
			return (int)i;
	return -1;
}

const char *
kube_known_kind_for_resource(const char *group, const char *resource)
{
	const char	*kind;
	size_t		 i;

	if (group == NULL || resource == NULL)
		return NULL;
	/* Workloads are in core, apps and batch only. */
	if ((kind = kube_kind_for_resource(resource)) != NULL &&
	    (strcmp(group, "") == 0 || strcmp(group, "apps") == 0 ||
	    strcmp(group, "batch") == 0))
		return kind;
	for (i = 0; i < NELEM(kube_others); i++)
		if (strcmp(resource, kube_others[i].resource) == 0 &&
		    strcmp(group, kube_others[i].group) == 0)
			return kube_known_kinds[KUBE_WORKLOAD_KINDS + i];
	return NULL;
}

const char *
kube_serviceaccount(const char *username)
{
	static const char	prefix[] = "system:serviceaccount:";

	if (username == NULL ||
	    strncmp(username, prefix, sizeof(prefix) - 1) != 0)
		return NULL;
	return username + sizeof(prefix) - 1;
}
