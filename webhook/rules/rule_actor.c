/*
 * rule_actor.c - rule 3: only the reconciler writes. The request's user,
 * groups and service account are matched against the policy's allow list;
 * anyone else is denied, dry-run or not. fieldManager is client-chosen and
 * never consulted. With requireBoundToken, an allowed service account must
 * also show the extras only a real bound token carries: impersonation
 * (kubectl --as=system:serviceaccount:...) yields the name without them.
 */
#include "rules/rule_actor.h"

#include <stdio.h>
#include <string.h>

#include "base/kube.h"
#include "base/match.h"
#include "policy/policy_schema.h"
#include "rules/rule_owner.h"

static int
actor_allowed(const struct rule_actor *pa, const struct review *rv)
{
	const cJSON	*g;
	const char	*sa;

	if (rv->username[0] != '\0' && rule_glob_any(&pa->users, rv->username))
		return 1;
	sa = kube_serviceaccount(rv->username);
	if (sa != NULL && rule_glob_any(&pa->service_accounts, sa))
		return 1;
	cJSON_ArrayForEach(g, rv->groups) {
		if (cJSON_IsString(g) && rule_glob_any(&pa->groups,
		    g->valuestring))
			return 1;
	}
	return 0;
}

/* 1 if the extras list of key has a string with prefix (and more). */
static int
extra_has(const cJSON *extra, const char *key, const char *prefix)
{
	const cJSON	*list, *v;
	size_t		 n = strlen(prefix);

	list = cJSON_GetObjectItemCaseSensitive(extra, key);
	if (!cJSON_IsArray(list))
		return 0;
	cJSON_ArrayForEach(v, list) {
		if (cJSON_IsString(v) && strncmp(v->valuestring, prefix,
		    n) == 0 && v->valuestring[n] != '\0')
			return 1;
	}
	return 0;
}

/*
 * 1 if userInfo.extra shows a bound service-account token: a JTI
 * credential id (Kubernetes >= 1.30, every TokenRequest token) or the pod
 * it is bound to. An x509 credential id ("X509SHA256=") does not count.
 */
static int
bound_token(const cJSON *extra)
{
	return extra_has(extra, "authentication.kubernetes.io/credential-id",
	    "JTI=") || extra_has(extra, "authentication.kubernetes.io/pod-name",
	    "");
}

static void
actor_eval(const struct policy *p, const struct review *rv,
    struct rule_result *r)
{
	char		 user[RULE_QUOTE_MAX + 4], what[160];
	char		 owner[RULE_OWNER_TEXT_MAX];
	const char	*verb, *sa;
	int		 allowed;

	rule_result_init(r);
	allowed = actor_allowed(RULE_ACTOR(p), rv);
	sa = kube_serviceaccount(rv->username);
	if (allowed && (!RULE_ACTOR(p)->require_bound_token || sa == NULL ||
	    bound_token(rv->extra)))
		return;
	if (strcmp(rv->subresource, "scale") == 0)
		verb = "scale";
	else if (rv->subresource[0] != '\0')
		verb = rv->subresource;
	else
		verb = kube_op_name(rv->op);
	rule_describe(rv, what, sizeof(what));
	if (allowed)
		rule_result_add(r, RULE_FAIL, "service account \"%s\" lacks a "
		    "bound-token credential (impersonated?) and may not %s %s",
		    rule_quote(user, sizeof(user), sa), verb, what);
	else
		rule_result_add(r, RULE_FAIL, "user \"%s\" may not %s %s%s",
		    rule_quote(user, sizeof(user), rv->username[0] != '\0' ?
		    rv->username : "(anonymous)"), verb, what,
		    rule_owner_note(rv, owner, sizeof(owner)));
}

/* The spec: allow (users, groups, service accounts), requireBoundToken. */

static const struct policy_schema_key allow_keys[] = {
	{ "users", policy_schema_globs, offsetof(struct rule_actor, users),
	    0 },
	{ "groups", policy_schema_globs, offsetof(struct rule_actor, groups),
	    0 },
	{ "serviceAccounts", policy_schema_service_accounts,
	    offsetof(struct rule_actor, service_accounts), 0 },
	{ NULL, NULL, 0, 0 }
};

static void
f_allow(struct policy_schema_walk *w, yaml_node_t *n, const char *path,
    void *dst)
{
	struct rule_actor	*a = dst;
	size_t			 errors = w->d->errors;

	policy_schema_map(w, n, path, allow_keys, a);
	if (w->d->errors == errors &&
	    a->users.n + a->groups.n + a->service_accounts.n == 0)
		SCHEMA_ERR(w, n, path, "allows nobody (list at least one "
		    "user, group or service account)");
}

static const struct policy_schema_key actor_keys[] = {
	{ "allow", f_allow, 0, 1 },
	{ "requireBoundToken", policy_schema_bool,
	    offsetof(struct rule_actor, require_bound_token), 0 },
	{ NULL, NULL, 0, 0 }
};

static void
actor_free(void *params)
{
	struct rule_actor	*a = params;

	strlist_free(&a->users);
	strlist_free(&a->groups);
	strlist_free(&a->service_accounts);
}

/*
 * `gitgate check` acts as the first service account (as
 * "system:serviceaccount:NS:NAME") or else the first user without glob
 * characters; NULL when there is none or it does not fit.
 */
static const char *
actor_identity(const struct policy *p, char *buf, size_t buflen)
{
	const struct rule_actor	*a = RULE_ACTOR(p);
	size_t			 i;
	int			 len;

	for (i = 0; i < a->service_accounts.n; i++)
		if (strpbrk(a->service_accounts.v[i], "*?") == NULL) {
			len = snprintf(buf, buflen, "system:serviceaccount:%s",
			    a->service_accounts.v[i]);
			return len >= 0 && (size_t)len < buflen ? buf : NULL;
		}
	for (i = 0; i < a->users.n; i++)
		if (strpbrk(a->users.v[i], "*?") == NULL) {
			len = snprintf(buf, buflen, "%s", a->users.v[i]);
			return len >= 0 && (size_t)len < buflen ? buf : NULL;
		}
	return NULL;
}

/* kubectl scale writes through the scale subresource. */
static const char *const actor_subresources[] = { "", "scale", NULL };

const struct policy_kind rule_actor_kind = {
	.name = "ActorPolicy",
	.rule = "actor",
	.params_size = sizeof(struct rule_actor),
	.keys = actor_keys,
	.default_ops = KUBE_OP_CREATE | KUBE_OP_UPDATE | KUBE_OP_DELETE,
	.default_subresources = actor_subresources,
	.podspec_only = 0,
	.init = NULL,
	.eval = actor_eval,
	.free = actor_free,
	.identity = actor_identity,
};
