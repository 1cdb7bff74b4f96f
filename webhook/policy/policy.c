/*
 * policy.c - the policy model's own functions: names, freeing, the set's
 * reference count, and the identity `gitgate check` acts as. What a kind
 * of policy means is its rule's business (rules/); nothing here names one.
 */
#include "policy/policy.h"

#include <stdlib.h>

const char *
policy_mode_name(enum policy_mode mode)
{
	return mode == POLICY_AUDIT ? "audit" : "enforce";
}

const char *
policy_rule_name(const struct policy *p)
{
	return p->kind != NULL ? p->kind->rule : "unknown";
}

void
strlist_free(struct strlist *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

void
policy_free(struct policy *p)
{
	size_t	i;

	if (p == NULL)
		return;
	free(p->name);
	free(p->file);
	free(p->hint);
	strlist_free(&p->match.kinds);
	strlist_free(&p->match.ns_include);
	strlist_free(&p->match.ns_exclude);
	strlist_free(&p->match.subresources);
	for (i = 0; i < p->match.n_managed_by; i++)
		free(p->match.managed_by[i].name);
	free(p->match.managed_by);
	if (p->kind != NULL && p->params != NULL)
		p->kind->free(p->params);
	free(p->params);
}

void
policy_settings_free(struct policy_settings *s)
{
	if (s == NULL)
		return;
	strlist_free(&s->exempt_namespaces);
	strlist_free(&s->exempt_users);
	strlist_free(&s->exempt_groups);
}

void
policy_exception_free(struct policy_exception *e)
{
	if (e == NULL)
		return;
	free(e->name);
	free(e->file);
	strlist_free(&e->policies);
	free(e->policy_line);
	free(e->policy_col);
	strlist_free(&e->namespaces);
	strlist_free(&e->kinds);
	strlist_free(&e->names);
	strlist_free(&e->images);
	free(e->reason);
	free(e->ticket);
	free(e->expires_text);
}

static void
set_free(struct policy_set *set)
{
	size_t	i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n_policies; i++)
		policy_free(&set->policies[i]);
	free(set->policies);
	for (i = 0; i < set->n_exceptions; i++)
		policy_exception_free(&set->exceptions[i]);
	free(set->exceptions);
	policy_settings_free(&set->settings);
	free(set);
}

struct policy_set *
policy_set_ref(struct policy_set *set)
{
	if (set != NULL)
		atomic_fetch_add_explicit(&set->refs, 1, memory_order_relaxed);
	return set;
}

void
policy_set_unref(struct policy_set *set)
{
	if (set == NULL)
		return;
	if (atomic_fetch_sub_explicit(&set->refs, 1,
	    memory_order_acq_rel) == 1)
		set_free(set);
}

const char *
policy_set_default_user(const struct policy_set *set, char *buf,
    size_t buflen)
{
	const struct policy	*p;

	for (p = set->policies; p < set->policies + set->n_policies; p++)
		if (p->kind->identity != NULL)
			return p->kind->identity(p, buf, buflen);
	return NULL;
}
