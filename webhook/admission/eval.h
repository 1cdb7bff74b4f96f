/*
 * eval.h - the decision: one review against one policy set. Pure: no I/O,
 * no clock, no global state, so `gitgate review`, `check` and `serve`
 * decide identically. This is the one place where a rule that cannot
 * decide (RULE_ERROR) becomes a denial (enforce) or a warning (audit).
 */
#ifndef GITGATE_EVAL_H
#define GITGATE_EVAL_H

#include <stddef.h>

#include "policy/policy.h"
#include "wire/review.h"
#include "rules/rule.h"

#define EVAL_FINDINGS_MAX	32

struct eval_finding {
	const struct policy	*policy;	/* borrowed from the set */
	enum policy_mode	 mode;		/* effective (global audit) */
	enum rule_verdict	 verdict;	/* RULE_WARN, _FAIL or _ERROR */
	char			 text[RULE_TEXT_MAX];
};

struct eval_decision {
	int			allowed;
	const char		*exempt;	/* why no policy ran, or NULL */
	size_t			n;
	size_t			dropped;	/* findings not stored */
	size_t			policies_run;
	int			break_glass;	/* a rule allowed by it */
	struct eval_finding	v[EVAL_FINDINGS_MAX];
};

/*
 * Decide rv under set. force_audit turns every enforce policy into audit
 * (serve --audit). Fills *d completely; never fails.
 */
void	eval_review(const struct policy_set *set, const struct review *rv,
	    int force_audit, struct eval_decision *d);

/*
 * 1 if policy p applies to rv (kind, namespace, operation, subresource,
 * and with match.managedBy a marker on the new or old object).
 */
int	eval_policy_matches(const struct policy *p, const struct review *rv);

#endif
