/*
 * kube.h - the bits of Kubernetes vocabulary every module shares:
 * admission operations, the workload kinds and where their pod specs live,
 * and service-account usernames. Pure functions over constant tables.
 */
#ifndef GITGATE_KUBE_H
#define GITGATE_KUBE_H

#include <stddef.h>

/* Admission operations, as bits so a policy can hold a set of them. */
#define KUBE_OP_CREATE	0x1u
#define KUBE_OP_UPDATE	0x2u
#define KUBE_OP_DELETE	0x4u
#define KUBE_OP_CONNECT	0x8u
#define KUBE_OP_ALL	0xfu

#define KUBE_OPS	4		/* the operations: bits 1 << 0..3 */

/* Returns the KUBE_OP_* bit for "CREATE" etc., or 0 for anything else. */
unsigned	kube_op_parse(const char *name);
/* Returns "CREATE" etc. for one bit, "UNKNOWN" otherwise. Static string. */
const char	*kube_op_name(unsigned op);
/* 0..KUBE_OPS-1 for one KUBE_OP_* bit (in bit order), -1 otherwise. */
int		 kube_op_index(unsigned op);

/*
 * The workload kinds gitgate knows, in this order, NULL-terminated: Pod,
 * Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob,
 * ReplicationController. The one list: policies' default kinds and the
 * metrics' kind label come from it.
 */
#define KUBE_WORKLOAD_KINDS	8
extern const char *const kube_workload_kinds[KUBE_WORKLOAD_KINDS + 1];
/* Index of kind in kube_workload_kinds, or -1 if not a workload kind. */
int		 kube_kind_index(const char *kind);

/* kube_kind_for_resource("deployments") -> "Deployment"; NULL if unknown. */
const char	*kube_kind_for_resource(const char *resource);
/* The inverse: "Deployment" -> "deployments"; NULL if not a workload. */
const char	*kube_resource_for_kind(const char *kind);
/* 1 if kind is one of the workload kinds above. */
int		 kube_kind_is_workload(const char *kind);
/*
 * The JSON path, from the object root, of the pod spec of a workload kind:
 * a NULL-terminated array of keys, e.g. {"spec","template","spec",NULL}
 * for Deployment, {"spec",NULL} for Pod, {"spec","jobTemplate","spec",
 * "template","spec",NULL} for CronJob. NULL for other kinds.
 */
const char *const *kube_podspec_path(const char *kind);

/*
 * The kinds gitgate names in metrics' kind label, NULL-terminated: the
 * workload kinds (same order and indexes), then Service, ConfigMap,
 * Secret, Ingress, HorizontalPodAutoscaler, NetworkPolicy and the seven
 * Flux kinds (GitRepository, OCIRepository, HelmRepository, Bucket,
 * HelmChart, Kustomization, HelmRelease). Anything else is "other": the
 * label stays bounded whatever kinds a cluster sends.
 */
#define KUBE_KNOWN_KINDS	(KUBE_WORKLOAD_KINDS + 13)
extern const char *const kube_known_kinds[KUBE_KNOWN_KINDS + 1];
/* Index of kind in kube_known_kinds, or -1. */
int		 kube_known_kind_index(const char *kind);
/*
 * The known kind of a resource ("services" -> "Service") in its API group
 * ("" for core), or NULL: the parent of a subresource request.
 */
const char	*kube_known_kind_for_resource(const char *group,
		    const char *resource);

/*
 * Split "system:serviceaccount:NS:NAME" into "NS:NAME" (pointer into
 * username). Returns NULL when username is not a service account.
 */
const char	*kube_serviceaccount(const char *username);

#endif
