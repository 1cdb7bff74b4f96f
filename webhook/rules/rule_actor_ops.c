/*
 * rule_actor_ops.c - the actor rule's slow path: what it asks of a request
 * the allow list does not cover. Flux tenants (an impersonated service
 * account writes only objects labelled with its own namespace) and the
 * safe operations open to everyone (a rollout restart, deleting a Pod its
 * controller recreates, `flux reconcile` on a Flux object, a status write
 * that leaves metadata alone). Only here is oldObject decoded; allowed
 * traffic never comes this way.
 */
#include "rules/rule_actor.h"

#include <stdio.h>
#include <string.h>

#include "base/kube.h"

#define LABEL_KS_NS	"kustomize.toolkit.fluxcd.io/namespace"
#define LABEL_KS_NAME	"kustomize.toolkit.fluxcd.io/name"
#define LABEL_HELM_NS	"helm.toolkit.fluxcd.io/namespace"
#define LABEL_HELM_NAME	"helm.toolkit.fluxcd.io/name"
#define RESTARTED_AT	"kubectl.kubernetes.io/restartedAt"
#define REQUESTED_AT	"reconcile.fluxcd.io/requestedAt"

static const cJSON *
member(const cJSON *obj, const char *key)
{
	return cJSON_IsObject(obj) ?
	    cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}


/* 1 if obj carries Helm's helm.sh/hook annotation (a hook or a test). */
static int
helm_hook(const cJSON *obj)
{
	const cJSON	*v = member(member(member(obj, "metadata"),
			    "annotations"), "helm.sh/hook");

	return cJSON_IsString(v) && v->valuestring[0] != '\0';
}

/*
 * 1 if obj is labelled for Flux namespace ns (nslen bytes), or is a Helm
 * hook without Flux labels in that namespace (req_ns, the request's);
 * else 0 with why: whose it is, or that it carries no Flux label. which:
 * "it" or "the stored object".
 */
static int
tenant_owns(const cJSON *obj, const char *which, const char *ns,
    size_t nslen, const char *req_ns, char *why, size_t whylen)
{
	const char	*lns, *lname, *owner = "Kustomization";
	char		 q1[RULE_QUOTE_MAX + 4], q2[RULE_QUOTE_MAX + 4];

	if ((lns = rule_label(obj, LABEL_KS_NS)) != NULL)
		lname = rule_label(obj, LABEL_KS_NAME);
	else if ((lns = rule_label(obj, LABEL_HELM_NS)) != NULL) {
		lname = rule_label(obj, LABEL_HELM_NAME);
		owner = "HelmRelease";
	} else if (helm_hook(obj) && strncmp(req_ns, ns, nslen) == 0 &&
	    req_ns[nslen] == '\0') {
		/*
		 * A chart's hook or test object: helm-controller writes it
		 * without Flux labels on some versions, in the release's
		 * namespace. In the tenant's own namespace it is the tenant's.
		 */
		return 1;
	} else {
		snprintf(why, whylen, "%s carries neither %s nor %s", which,
		    LABEL_KS_NS, LABEL_HELM_NS);
		return 0;
	}
	if (strncmp(lns, ns, nslen) == 0 && lns[nslen] == '\0')
		return 1;
	snprintf(why, whylen, "%s belongs to %s %s/%s", which, owner,
	    rule_quote(q1, sizeof(q1), lns),
	    rule_quote(q2, sizeof(q2), lname != NULL ? lname : "?"));
	return 0;
}

enum actor_tenant
actor_tenant_check(const struct rule_actor *a, const struct review *rv,
    char *why, size_t whylen)
{
	const char	*sa, *colon;
	const cJSON	*old = NULL;
	size_t		 nslen;

	sa = kube_serviceaccount(rv->username);
	if (sa == NULL || a->flux_tenants.n == 0 ||
	    (colon = strchr(sa, ':')) == NULL ||
	    !rule_glob_any(&a->flux_tenants, colon + 1))
		return ACTOR_NOT_TENANT;
	nslen = (size_t)(colon - sa);
	if (rv->op != KUBE_OP_CREATE && review_old_object(rv, &old, why,
	    whylen) == -1)
		return ACTOR_TENANT_ERROR;
	if (rv->op != KUBE_OP_DELETE && !tenant_owns(rv->object, "it", sa,
	    nslen, rv->ns, why, whylen))
		return ACTOR_TENANT_DENY;
	/* UPDATE: relabelling another tenant's object takes nothing over */
	if (rv->op != KUBE_OP_CREATE && !tenant_owns(old, rv->op ==
	    KUBE_OP_DELETE ? "it" : "the stored object", sa, nslen, rv->ns,
	    why, whylen))
		return ACTOR_TENANT_DENY;
	return ACTOR_TENANT_OK;
}

/*
 * 1 if a and b are the same JSON value. Linear, unlike cJSON_Compare
 * (which compares every object member twice, so 2^depth for a pod
 * template); an object's members are found by key, and each of b's keys
 * must be in a (duplicate keys cannot make unequal objects look equal).
 */
static int
json_equal(const cJSON *a, const cJSON *b)
{
	const cJSON	*x, *y;

	if (a == NULL || b == NULL || (a->type & 0xff) != (b->type & 0xff))
		return 0;
	switch (a->type & 0xff) {
	case cJSON_Number:
		return a->valuedouble == b->valuedouble;
	case cJSON_String:
		return strcmp(a->valuestring, b->valuestring) == 0;
	case cJSON_Array:
		for (x = a->child, y = b->child; x != NULL && y != NULL;
		    x = x->next, y = y->next)
			if (!json_equal(x, y))
				return 0;
		return x == NULL && y == NULL;
	case cJSON_Object:
		for (x = a->child; x != NULL; x = x->next)
			if (!json_equal(x, member(b, x->string)))
				return 0;
		for (y = b->child; y != NULL; y = y->next)
			if (member(a, y->string) == NULL)
				return 0;
		return 1;
	default:			/* true, false, null */
		return 1;
	}
}

/* 1 if objects a and b (NULL: empty) match, members named in skip aside. */
static int
same_except(const cJSON *a, const cJSON *b, const char *const *skip)
{
	const cJSON	*m;
	size_t		 i;

	if ((a != NULL && !cJSON_IsObject(a)) ||
	    (b != NULL && !cJSON_IsObject(b)))
		return 0;
	for (m = a != NULL ? a->child : NULL; m != NULL; m = m->next) {
		for (i = 0; skip[i] != NULL; i++)
			if (strcmp(m->string, skip[i]) == 0)
				break;
		if (skip[i] == NULL && !json_equal(m, member(b, m->string)))
			return 0;
	}
	for (m = b != NULL ? b->child : NULL; m != NULL; m = m->next) {
		for (i = 0; skip[i] != NULL; i++)
			if (strcmp(m->string, skip[i]) == 0)
				break;
		if (skip[i] == NULL && member(a, m->string) == NULL)
			return 0;
	}
	return 1;
}

/*
 * 1 if the only change from old to new is the pod template's restartedAt
 * annotation, set to a new value; what the API server maintains
 * (resourceVersion, generation, managedFields, status) is ignored.
 */
static int
only_restarted(const cJSON *new, const cJSON *old)
{
	static const char *const top[] = { "metadata", "spec", "status",
		NULL };
	static const char *const meta[] = { "resourceVersion", "generation",
		"managedFields", NULL };
	static const char *const spec[] = { "template", NULL };
	static const char *const tmpl[] = { "metadata", NULL };
	static const char *const tmeta[] = { "annotations", NULL };
	static const char *const ann[] = { RESTARTED_AT, NULL };
	const cJSON	*nt, *ot, *na, *oa, *v;

	nt = member(member(new, "spec"), "template");
	ot = member(member(old, "spec"), "template");
	na = member(member(nt, "metadata"), "annotations");
	oa = member(member(ot, "metadata"), "annotations");
	v = member(na, RESTARTED_AT);
	if (!cJSON_IsString(v) || json_equal(v, member(oa, RESTARTED_AT)))
		return 0;
	return same_except(new, old, top) && same_except(member(new,
	    "metadata"), member(old, "metadata"), meta) &&
	    same_except(member(new, "spec"), member(old, "spec"), spec) &&
	    same_except(nt, ot, tmpl) && same_except(member(nt, "metadata"),
	    member(ot, "metadata"), tmeta) && same_except(na, oa, ann);
}

int
actor_rollout_restart(const struct review *rv, char *err, size_t errlen)
{
	static const char *const kinds[] = { "Deployment", "StatefulSet",
		"DaemonSet", NULL };
	const cJSON	*old;
	size_t		 i;

	if (rv->op != KUBE_OP_UPDATE || rv->subresource[0] != '\0' ||
	    rv->object == NULL)
		return 0;
	for (i = 0; kinds[i] != NULL; i++)
		if (strcmp(rv->kind, kinds[i]) == 0)
			break;
	if (kinds[i] == NULL)
		return 0;
	if (review_old_object(rv, &old, err, errlen) == -1)
		return -1;
	return old != NULL && only_restarted(rv->object, old);
}

/*
 * 1 if the only change from old to new is Flux's reconcile request
 * (`flux reconcile`: reconcile.fluxcd.io/requestedAt set to a new value,
 * with --force forceAt, for a HelmRelease resetAt); what the API server
 * maintains is ignored.
 */
static int
only_reconcile_requested(const cJSON *new, const cJSON *old)
{
	static const char *const top[] = { "metadata", "status", NULL };
	static const char *const meta[] = { "resourceVersion", "generation",
		"managedFields", "annotations", NULL };
	static const char *const ann[] = { REQUESTED_AT,
		"reconcile.fluxcd.io/forceAt", "reconcile.fluxcd.io/resetAt",
		NULL };
	const cJSON	*nm, *om, *na, *oa, *v;

	nm = member(new, "metadata");
	om = member(old, "metadata");
	na = member(nm, "annotations");
	oa = member(om, "annotations");
	v = member(na, REQUESTED_AT);
	if (!cJSON_IsString(v) || json_equal(v, member(oa, REQUESTED_AT)))
		return 0;
	return same_except(new, old, top) && same_except(nm, om, meta) &&
	    same_except(na, oa, ann);
}

int
actor_reconcile_request(const struct review *rv, char *err, size_t errlen)
{
	const cJSON	*old;
	const char	*g = review_target_group(rv);
	size_t		 n = strlen(g), sfx = sizeof(".toolkit.fluxcd.io") - 1;

	/* Flux's own kinds: source, kustomize, helm, notification, image. */
	if (rv->op != KUBE_OP_UPDATE || rv->subresource[0] != '\0' ||
	    rv->object == NULL || n <= sfx ||
	    strcmp(g + n - sfx, ".toolkit.fluxcd.io") != 0)
		return 0;
	if (review_old_object(rv, &old, err, errlen) == -1)
		return -1;
	return old != NULL && only_reconcile_requested(rv->object, old);
}

/*
 * 1 if rv writes the status subresource and leaves metadata as stored
 * (an ingress controller's address, a load balancer's): status is not in
 * Git. Kubernetes keeps only spec on a status write of a built-in kind,
 * so labels and annotations changed there are a write like any other.
 */
int
actor_status_write(const struct review *rv, char *err, size_t errlen)
{
	static const char *const meta[] = { "resourceVersion", "generation",
		"managedFields", NULL };
	const cJSON	*old;

	if (rv->op != KUBE_OP_UPDATE || strcmp(rv->subresource,
	    "status") != 0 || rv->object == NULL)
		return 0;
	if (review_old_object(rv, &old, err, errlen) == -1)
		return -1;
	return old != NULL && cJSON_IsObject(member(rv->object, "metadata")) &&
	    same_except(member(rv->object, "metadata"), member(old,
	    "metadata"), meta);
}

int
actor_owned_pod_delete(const struct review *rv, char *err, size_t errlen)
{
	const cJSON	*old;

	if (rv->op != KUBE_OP_DELETE || rv->subresource[0] != '\0' ||
	    strcmp(rv->kind, "Pod") != 0)
		return 0;
	if (review_old_object(rv, &old, err, errlen) == -1)
		return -1;
	return old != NULL && rule_has_controller_owner(old);
}
