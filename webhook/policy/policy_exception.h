/*
 * policy_exception.h - kind: PolicyException, exceptions kept in Git: its
 * spec (policy_spec.c walks the document with it), the set-level checks
 * (the policies it names exist; images only for rules whose findings name
 * images), expiry dates, and the expiry report lint and serve print. Pure:
 * every function that needs the time takes it as an argument.
 */
#ifndef GITGATE_POLICY_EXCEPTION_H
#define GITGATE_POLICY_EXCEPTION_H

#include <yaml.h>

#include "base/diag.h"
#include "policy/policy.h"
#include "policy/policy_schema.h"

#define POLICY_EXCEPTION_KIND	"PolicyException"
#define POLICY_TIME_MAX		64	/* a date or timestamp, bytes */

/*
 * Walk spec into *e (zeroed first) as policy_schema_map does: every
 * problem into w's diagnostics. e owns what it holds after the call,
 * even after errors; the caller frees with policy_exception_free().
 */
void	policy_exception_spec(struct policy_schema_walk *w, yaml_node_t *spec,
	    struct policy_exception *e);

/*
 * Resolve every exception's policy names against set (file:line:col
 * errors for an unknown name, and for images on an exception none of
 * whose policies' rules name images). Returns the errors added to d.
 */
size_t	policy_exception_resolve(struct policy_set *set, struct diag *d);

/*
 * Parse "YYYY-MM-DD" (the exception holds through that day, UTC: the
 * result is the next midnight) or an RFC 3339 timestamp
 * ("2027-01-31T18:00:00Z", "...+02:00", fractions ignored) into the Unix
 * time from which it no longer holds. 0, or -1 with a reason in err.
 */
int	policy_exception_parse_time(const char *s, long long *out, char *err,
	    size_t errlen);

/* 1 while e holds at now (Unix seconds): now < e->expires. */
int	policy_exception_active(const struct policy_exception *e,
	    long long now);

/* Flags of policy_exception_report(). */
#define POLICY_EXC_FAIL_EXPIRED	0x1u	/* an expired one is an error */
#define POLICY_EXC_FAIL_FAR	0x2u	/* beyond DAYS_MAX is an error */

/*
 * Report each exception of set at now into d as "file:line:col: ...":
 * expired (a warning, or an error with POLICY_EXC_FAIL_EXPIRED),
 * expiring within warn_days days (a warning), expiring more than
 * POLICY_EXCEPTION_DAYS_MAX days after now (a warning, or an error with
 * POLICY_EXC_FAIL_FAR). Returns the errors added.
 */
size_t	policy_exception_report(const struct policy_set *set, long long now,
	    unsigned warn_days, unsigned flags, struct diag *d);

#endif
