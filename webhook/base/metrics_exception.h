/*
 * metrics_exception.h - the PolicyException series of GET /metrics: how
 * often each (exception, policy) pair let a request through, and each
 * loaded exception's expiry. Bounded: a fixed slot table for the pairs
 * (it outlives reloads, so counters never go backwards) and at most
 * METRICS_EXCEPTION_GAUGES expiries, replaced whole on each reload.
 */
#ifndef GITGATE_METRICS_EXCEPTION_H
#define GITGATE_METRICS_EXCEPTION_H

#include <stddef.h>

#include "base/dynbuf.h"

#define METRICS_EXCEPTION_SLOTS		1024	/* pairs ever seen */
#define METRICS_EXCEPTION_GAUGES	64	/* = POLICY_EXCEPTIONS_MAX */
#define METRICS_EXCEPTION_NAME_MAX	63	/* a DNS label */

/* A request let through by exception over findings of policy. */
void	metrics_exception_applied(const char *exception, const char *policy);

/*
 * The exceptions of the set now in force: names[i] expires at
 * expires[i] (Unix seconds). Replaces the previous list (an exception
 * gone from the set leaves the gauge); more than METRICS_EXCEPTION_GAUGES
 * are cut. Names are copied.
 */
void	metrics_exception_expiry(const char *const *names,
	    const long long *expires, size_t n);

/* Append both series, HELP and TYPE lines included, to o. */
void	metrics_exception_render(struct dynbuf *o);

#endif
