/*
 * rule_actor.c - rule 3: only the reconciler writes. The request's user,
 * groups and service account are matched against the policy's allow list;
 * anyone else is denied, dry-run or not. fieldManager is client-chosen and
 * never consulted. With requireBoundToken, an allowed service account must
 * also show the extras only a real bound token carries: impersonation
 * (kubectl --as=system:serviceaccount:...) yields the name without them.
 */
#include "rules/rule.h"

#include <stdio.h>
#include <string.h>

#include "base/kube.h"
#include "base/match.h"

static int
actor_allowed(const struct policy_actor *pa, const struct review *rv)
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

void
rule_actor_eval(const struct policy *p, const struct review *rv,
    struct rule_result *r)
{
	char		 user[RULE_QUOTE_MAX + 4], what[160];
	const char	*verb, *sa;
	int		 allowed;

	rule_result_init(r);
	allowed = actor_allowed(&p->u.actor, rv);
	sa = kube_serviceaccount(rv->username);
	if (allowed && (!p->u.actor.require_bound_token || sa == NULL ||
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
		rule_result_add(r, RULE_FAIL, "user \"%s\" may not %s %s",
		    rule_quote(user, sizeof(user), rv->username[0] != '\0' ?
		    rv->username : "(anonymous)"), verb, what);
}
