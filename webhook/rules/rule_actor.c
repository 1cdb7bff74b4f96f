/*
 * rule_actor.c - rule 3: only the reconciler writes. The request's user,
 * groups and service account are matched against the policy's allow list;
 * anyone else is denied, dry-run or not. fieldManager is client-chosen and
 * never consulted.
 */
#include "rule.h"

#include <stdio.h>
#include <string.h>

#include "kube.h"
#include "match.h"

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

void
rule_actor_eval(const struct policy *p, const struct review *rv,
    struct rule_result *r)
{
	char		 user[RULE_QUOTE_MAX + 4], what[160];
	const char	*verb;

	rule_result_init(r);
	if (actor_allowed(&p->u.actor, rv))
		return;
	if (strcmp(rv->subresource, "scale") == 0)
		verb = "scale";
	else if (rv->subresource[0] != '\0')
		verb = rv->subresource;
	else
		verb = kube_op_name(rv->op);
	rule_result_add(r, RULE_FAIL, "user \"%s\" may not %s %s",
	    rule_quote(user, sizeof(user), rv->username[0] != '\0' ?
	    rv->username : "(anonymous)"), verb,
	    rule_describe(rv, what, sizeof(what)));
}
