/*
 * rule_actor_from.c - an ActorPolicy's allow.from: the name of another
 * ActorPolicy of the set whose identities (allow and allowScale) it takes
 * as its own, copied once the whole set is loaded, so that a second
 * policy (managed objects) cannot drift from reconciler-only's list.
 */
#include "rules/rule_actor.h"

#include <stdlib.h>
#include <string.h>

#include "policy/policy_schema.h"
#include "wire/yaml_doc.h"

void
actor_f_allow_from(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	struct rule_actor	*a = dst;
	const char		*s;

	if ((s = policy_schema_get_string(w, n, path)) == NULL)
		return;
	if (!policy_schema_dns_label(s, strlen(s))) {
		SCHEMA_ERR(w, n, path, "invalid policy name \"%s\" (expected "
		    "the metadata.name of an ActorPolicy)", s);
		return;
	}
	if ((a->allow_from = strdup(s)) == NULL) {
		SCHEMA_ERR(w, n, path, "out of memory");
		return;
	}
	a->allow_from_line = ydoc_line(n);
	a->allow_from_col = ydoc_col(n);
}

/* Append copies of src's entries to dst; 0 or -1 (out of memory). */
static int
strlist_append(struct strlist *dst, const struct strlist *src)
{
	char	**v;
	size_t	  i;

	if (src->n == 0)
		return 0;
	if (dst->n + src->n > POLICY_LIST_MAX * 2 ||
	    (v = reallocarray(dst->v, dst->n + src->n, sizeof(*v))) == NULL)
		return -1;
	dst->v = v;
	for (i = 0; i < src->n; i++) {
		if ((v[dst->n] = strdup(src->v[i])) == NULL)
			return -1;
		dst->n++;
	}
	return 0;
}

static int
copy_identities(struct rule_actor *a, const struct rule_actor *from)
{
	if (strlist_append(&a->users, &from->users) == -1 ||
	    strlist_append(&a->groups, &from->groups) == -1 ||
	    strlist_append(&a->service_accounts,
	    &from->service_accounts) == -1 ||
	    strlist_append(&a->flux_tenants, &from->flux_tenants) == -1 ||
	    strlist_append(&a->scale_users, &from->scale_users) == -1 ||
	    strlist_append(&a->scale_groups, &from->scale_groups) == -1 ||
	    strlist_append(&a->scale_service_accounts,
	    &from->scale_service_accounts) == -1)
		return -1;
	return 0;
}

int
actor_link(struct policy *p, const struct policy_set *set, struct diag *d)
{
	struct rule_actor	*a = RULE_ACTOR(p);
	const struct policy	*q = NULL;
	const char		*why = NULL;
	size_t			 i;

	if (a->allow_from == NULL)
		return 0;
	for (i = 0; i < set->n_policies && q == NULL; i++)
		if (strcmp(set->policies[i].name, a->allow_from) == 0)
			q = &set->policies[i];
	if (q == NULL)
		why = "no policy of this set has that name";
	else if (q == p)
		why = "a policy cannot name itself";
	else if (q->kind != p->kind)
		why = "it is not an ActorPolicy";
	else if (RULE_ACTOR(q)->allow_from != NULL)
		why = "it takes its own identities from another (no chains)";
	else if (copy_identities(a, RULE_ACTOR(q)) == -1)
		why = "out of memory";
	if (why == NULL)
		return 0;
	diag_add(d, DIAG_ERROR, p->file, a->allow_from_line,
	    a->allow_from_col, "spec.allow.from: \"%s\": %s", a->allow_from,
	    why);
	return -1;
}
