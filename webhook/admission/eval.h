/*
 * eval.h - the decision: one review against one policy set at one time.
 * Pure: no I/O, no clock (the time is an argument), no global state, so
 * `gitgate review`, `check`, `test` and `serve` decide identically. This
 * is the one place where a rule that cannot decide (RULE_ERROR) becomes a
 * denial (enforce) or a warning (audit), and where a PolicyException
 * lifts findings.
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
	/* the exception that lifted this RULE_FAIL, or NULL; borrowed */
	const struct policy_exception *exception;
	char			 text[RULE_TEXT_MAX];
};

struct eval_decision {
	int			allowed;
	const char		*exempt;	/* why no policy ran, or NULL */
	size_t			n;
	size_t			dropped;	/* findings not stored */
	size_t			policies_run;
	int			break_glass;	/* a rule allowed by it */
	size_t			lifted;		/* findings excepted */
	struct eval_finding	v[EVAL_FINDINGS_MAX];
};

/*
 * Decide rv under set at now (Unix seconds: the request's time; only the
 * set's PolicyExceptions read it, each holding while now < its expiry).
 * force_audit turns every enforce policy into audit (serve --audit).
 * A RULE_FAIL finding of a policy an active exception names, on a
 * request its match selects (namespace, kind, name; with images, only a
 * finding about a matching image), is lifted: kept, with its exception,
 * but it denies nothing. RULE_ERROR is never lifted. Fills *d
 * completely; never fails.
 */
void	eval_review(const struct policy_set *set, const struct review *rv,
	    int force_audit, long long now, struct eval_decision *d);

/*
 * The active exception of set that lifts a RULE_FAIL of p about subject
 * (an image, or NULL) on rv at now, or NULL.
 */
const struct policy_exception *eval_exception(const struct policy_set *set,
	    const struct policy *p, const struct review *rv,
	    const char *subject, long long now);

/*
 * 1 if policy p applies to rv (kind, namespace, operation, subresource,
 * and with match.managedBy a marker on the new or old object).
 */
int	eval_policy_matches(const struct policy *p, const struct review *rv);

#endif
