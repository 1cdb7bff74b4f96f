/*
 * check_eval.c - one manifest object judged as `gitgate check` sees it:
 * the AdmissionReview kube-apiserver would send for its CREATE (Flux's
 * labels stamped when asked), decided by eval exactly as serve decides,
 * and turned into a check_result. No output, no files.
 */
#include "cli/check_eval.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admission/verdict.h"
#include "base/kube.h"

/* Kinds that live outside namespaces (the common ones of a config repo). */
static const char *const cluster_kinds[] = {
	"Namespace", "Node", "PersistentVolume", "ClusterRole",
	"ClusterRoleBinding", "CustomResourceDefinition", "StorageClass",
	"PriorityClass", "ValidatingWebhookConfiguration",
	"MutatingWebhookConfiguration", "ValidatingAdmissionPolicy",
	"ValidatingAdmissionPolicyBinding", "APIService", "IngressClass",
	"RuntimeClass", "CSIDriver", "CSINode", "VolumeSnapshotClass",
	"CertificateSigningRequest", "PodSecurityPolicy", "ClusterIssuer",
	"GatewayClass", "ClusterPolicyReport", "ClusterPolicy",
	"ClusterSecretStore", "ClusterRoleList", "ClusterRoleBindingList"
};

int
check_kind_is_cluster_scoped(const char *kind)
{
	size_t	i;

	for (i = 0; i < sizeof(cluster_kinds) / sizeof(cluster_kinds[0]); i++)
		if (strcmp(kind, cluster_kinds[i]) == 0)
			return 1;
	return 0;
}

static const char *
jstr(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* request.kind / request.resource from the object's apiVersion and kind. */
static void
add_gvk(cJSON *req, const cJSON *obj)
{
	const char	*kind = jstr(obj, "kind");
	const char	*api = jstr(obj, "apiVersion");
	const char	*slash = strchr(api, '/'), *res;
	char		 group[256], plural[256];
	cJSON		*o;
	size_t		 i;

	snprintf(group, sizeof(group), "%.*s", slash ? (int)(slash - api) : 0,
	    api);
	if ((res = kube_resource_for_kind(kind)) == NULL) {
		for (i = 0; i < sizeof(plural) - 2 && kind[i] != '\0'; i++)
			plural[i] = (char)tolower((unsigned char)kind[i]);
		plural[i++] = 's';
		plural[i] = '\0';
		res = plural;
	}
	o = cJSON_AddObjectToObject(req, "kind");
	cJSON_AddStringToObject(o, "group", group);
	cJSON_AddStringToObject(o, "version", slash ? slash + 1 : api);
	cJSON_AddStringToObject(o, "kind", kind);
	o = cJSON_AddObjectToObject(req, "resource");
	cJSON_AddStringToObject(o, "group", group);
	cJSON_AddStringToObject(o, "version", slash ? slash + 1 : api);
	cJSON_AddStringToObject(o, "resource", res);
}

/* The labels Flux's controller stamps when it applies obj. */
static void
stamp(const struct check_identity *id, cJSON *obj)
{
	cJSON	*md, *labels;
	char	 key[128];

	if (id->flux_prefix == NULL)
		return;
	md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	if ((labels = cJSON_GetObjectItemCaseSensitive(md, "labels")) == NULL ||
	    !cJSON_IsObject(labels)) {
		cJSON_DeleteItemFromObjectCaseSensitive(md, "labels");
		labels = cJSON_AddObjectToObject(md, "labels");
	}
	snprintf(key, sizeof(key), "%s/name", id->flux_prefix);
	cJSON_DeleteItemFromObjectCaseSensitive(labels, key);
	cJSON_AddStringToObject(labels, key, id->flux_name);
	snprintf(key, sizeof(key), "%s/namespace", id->flux_prefix);
	cJSON_DeleteItemFromObjectCaseSensitive(labels, key);
	cJSON_AddStringToObject(labels, key, id->flux_ns);
}

/*
 * The namespace the API server would see: the object's own, none for a
 * cluster-scoped kind, else "default" (kubectl apply without -n).
 */
const char *
check_namespace(const cJSON *obj)
{
	const char	*ns = jstr(cJSON_GetObjectItemCaseSensitive(obj,
			    "metadata"), "namespace");

	if (ns[0] != '\0')
		return ns;
	return check_kind_is_cluster_scoped(jstr(obj, "kind")) ? "" :
	    "default";
}

cJSON *
check_review_new(const struct check_identity *id, cJSON *obj, int seq)
{
	const cJSON	*meta;
	cJSON		*root, *req, *user, *groups;
	char		 uid[64];
	size_t		 i;

	stamp(id, obj);
	meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "apiVersion", "admission.k8s.io/v1");
	cJSON_AddStringToObject(root, "kind", "AdmissionReview");
	req = cJSON_AddObjectToObject(root, "request");
	snprintf(uid, sizeof(uid), "gitgate-check-%d", seq);
	cJSON_AddStringToObject(req, "uid", uid);
	add_gvk(req, obj);
	if (jstr(meta, "name")[0] != '\0')
		cJSON_AddStringToObject(req, "name", jstr(meta, "name"));
	if (check_namespace(obj)[0] != '\0')
		cJSON_AddStringToObject(req, "namespace", check_namespace(obj));
	cJSON_AddStringToObject(req, "operation", "CREATE");
	user = cJSON_AddObjectToObject(req, "userInfo");
	cJSON_AddStringToObject(user, "username", id->user);
	groups = cJSON_AddArrayToObject(user, "groups");
	for (i = 0; i < id->n_groups; i++)
		cJSON_AddItemToArray(groups, cJSON_CreateString(id->groups[i]));
	cJSON_AddItemReferenceToObject(req, "object", obj);
	cJSON_AddNullToObject(req, "oldObject");
	/* the real write's answer: a dry run only warns about the actor */
	cJSON_AddFalseToObject(req, "dryRun");
	return root;
}

/* --live judges objects as they stand: who wrote them is not asked. */
static int
counts(const struct check_identity *id, const struct policy *p)
{
	return !id->live || strcmp(policy_rule_name(p), "actor") != 0;
}

static void
drop_actor(const struct check_identity *id, struct eval_decision *d)
{
	size_t	i, n = 0;

	if (!id->live)
		return;
	d->allowed = 1;
	for (i = 0; i < d->n; i++) {
		if (!counts(id, d->v[i].policy))
			continue;
		if (d->v[i].mode == POLICY_ENFORCE &&
		    d->v[i].verdict != RULE_WARN && d->v[i].exception == NULL)
			d->allowed = 0;
		if (n != i)
			d->v[n] = d->v[i];
		n++;
	}
	d->n = n;
}

void
check_decide(const struct check_identity *id, const struct policy_set *set,
    const struct review *rv, struct check_work *w, struct check_result *r)
{
	struct eval_decision	*d = &w->d;
	const struct policy	*p;
	size_t			 i;

	eval_review(set, rv, 0, id->now, d);
	drop_actor(id, d);
	verdict_render(d, &w->v);
	r->n_ran = 0;
	for (i = 0; i < set->n_policies && d->exempt == NULL; i++) {
		p = &set->policies[i];
		if (counts(id, p) && eval_policy_matches(p, rv) &&
		    r->n_ran < EVAL_FINDINGS_MAX)
			r->ran[r->n_ran++] = p->name;
	}
	r->why_none = NULL;
	r->message = NULL;
	if (d->exempt != NULL) {
		r->decision = "none";
		snprintf(w->why, sizeof(w->why), "exempt: %s", d->exempt);
		r->why_none = w->why;
	} else if (r->n_ran == 0) {
		r->decision = "none";
		r->why_none = "no policy matches this kind, namespace and "
		    "operation";
	} else if (!d->allowed) {
		r->decision = "deny";
		r->message = w->v.message;
	} else
		r->decision = d->n > 0 ? "warn" : "allow";
	r->exceptions = w->v.exceptions;
	for (i = 0, r->n = 0; i < d->n; i++, r->n++) {
		r->f[i].policy = d->v[i].policy->name;
		r->f[i].mode = policy_mode_name(d->v[i].mode);
		r->f[i].message = d->v[i].text;
		r->f[i].exception = d->v[i].exception != NULL ?
		    d->v[i].exception->name : NULL;
	}
}

/* 1 when d holds a missing-marker finding (the source rule). */
int
check_has_source_finding(const struct check_work *w)
{
	size_t	i;

	for (i = 0; i < w->d.n; i++)
		if (strcmp(policy_rule_name(w->d.v[i].policy), "source") == 0)
			return 1;
	return 0;
}
