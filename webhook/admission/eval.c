/*
 * eval.c - run every matching policy's rule on a review and fold the rule
 * results into one decision. Exempt namespaces and actors skip everything;
 * an enforce policy that fails or cannot decide denies; an audit policy,
 * and a rule's warning in any mode, only ever add findings.
 */
#include "admission/eval.h"

#include <string.h>

#include "base/kube.h"
#include "base/match.h"

static int
list_has(const struct strlist *l, const char *s)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

int
eval_policy_matches(const struct policy *p, const struct review *rv)
{
	const struct policy_match	*m = &p->match;

	if ((m->ops & rv->op) == 0)
		return 0;
	if (m->kinds.n > 0 && !list_has(&m->kinds, review_target_kind(rv)))
		return 0;
	if (m->subresources.n > 0 && !list_has(&m->subresources,
	    rv->subresource))
		return 0;
	if (m->ns_include.n > 0 && !rule_glob_any(&m->ns_include, rv->ns))
		return 0;
	if (rule_glob_any(&m->ns_exclude, rv->ns))
		return 0;
	return 1;
}

static const char *
exemption(const struct policy_settings *s, const struct review *rv)
{
	const cJSON	*g;

	if (rv->ns[0] != '\0' && rule_glob_any(&s->exempt_namespaces, rv->ns))
		return "namespace";
	if (rv->username[0] != '\0' && rule_glob_any(&s->exempt_users,
	    rv->username))
		return "user";
	cJSON_ArrayForEach(g, rv->groups) {
		if (cJSON_IsString(g) && rule_glob_any(&s->exempt_groups,
		    g->valuestring))
			return "group";
	}
	return NULL;
}

static void
fold(struct eval_decision *d, const struct policy *p, enum policy_mode mode,
    const struct rule_result *r)
{
	struct eval_finding	*f;
	size_t			 i;

	if (r->verdict == RULE_PASS)
		return;
	if (mode == POLICY_ENFORCE && r->verdict != RULE_WARN)
		d->allowed = 0;
	d->break_glass |= r->break_glass;
	for (i = 0; i < r->n; i++) {
		if (d->n >= EVAL_FINDINGS_MAX) {
			d->dropped++;
			continue;
		}
		f = &d->v[d->n++];
		f->policy = p;
		f->mode = mode;
		f->verdict = r->kind[i];
		memcpy(f->text, r->text[i], sizeof(f->text));
	}
	d->dropped += r->more;
}

void
eval_review(const struct policy_set *set, const struct review *rv,
    int force_audit, struct eval_decision *d)
{
	struct rule_result	 r;
	const struct policy	*p;
	size_t			 i;

	/* Not memset: v[] is ~9 KiB and only v[0..n) is ever read. */
	d->allowed = 1;
	d->exempt = NULL;
	d->n = d->dropped = d->policies_run = 0;
	d->break_glass = 0;
	if ((d->exempt = exemption(&set->settings, rv)) != NULL)
		return;
	for (i = 0; i < set->n_policies; i++) {
		p = &set->policies[i];
		if (!eval_policy_matches(p, rv))
			continue;
		d->policies_run++;
		p->kind->eval(p, rv, &r);
		fold(d, p, force_audit ? POLICY_AUDIT : p->mode, &r);
	}
}
