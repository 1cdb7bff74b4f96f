/*
 * metrics.h - Prometheus counters and histograms, named after Kyverno's and
 * Gatekeeper's: fixed label sets held in arrays of atomics (no lock, no
 * allocation on the request path) and a lock-free table for policy names,
 * which outlives reloads so counters never go backwards.
 */
#ifndef GITGATE_METRICS_H
#define GITGATE_METRICS_H

#include <stddef.h>
#include <time.h>

#define METRICS_POLICY_SLOTS	1024	/* distinct policy names ever seen */
#define METRICS_TEXT_MAX	(4u * 1024 * 1024)	/* one rendering */

enum metrics_decision {
	METRICS_ALLOW = 0,
	METRICS_DENY,
	METRICS_AUDIT		/* allowed, with audit findings */
};

/* One answered review. op is a KUBE_OP_* bit; kind any string. */
void	metrics_review(unsigned op, const char *kind,
	    enum metrics_decision decision, int dry_run, long long micros);
/* One finding (result "fail" or "error") of policy in mode. */
void	metrics_policy_result(const char *policy, const char *mode,
	    const char *result);
/* A write allowed only through an ActorPolicy's breakGlass. */
void	metrics_break_glass(unsigned op, const char *kind);
/* A non-200 answer on /validate. */
void	metrics_http_error(int status);
/* A policy reload attempt, by result. */
void	metrics_reload(int ok);
/* Body-budget gauges, pushed by the server whenever they change. */
void	metrics_body_budget(size_t held, size_t waiting);
/* A certificate reload attempt. */
void	metrics_cert_reload(int ok);
/* The serving certificate's notAfter (0: unknown). */
void	metrics_cert_expiry(time_t not_after);
/* Open client connections now (a gauge). */
void	metrics_connections(unsigned open);
/* A connection closed at accept: --max-connections reached. */
void	metrics_connection_refused(void);
/* Connections we closed: at the cap, past a deadline (the reason). */
enum metrics_closed {
	METRICS_CLOSED_PRESSURE = 0,	/* room for a newcomer at the cap */
	METRICS_CLOSED_FIRST,		/* no request within the deadline */
	METRICS_CLOSED_REQUEST,		/* a request past its deadline */
	METRICS_CLOSED_IDLE,		/* kept alive, idle too long */
	METRICS_CLOSED_N
};
void	metrics_connection_closed(enum metrics_closed why);

/*
 * The whole exposition text, with the generation and sha256 of the policy
 * set in force (the caller holds a reference to it, so the hash cannot
 * change under the render; "" and 0 before the first load). Caller frees.
 * NULL when out of memory or longer than METRICS_TEXT_MAX.
 */
char	*metrics_render(unsigned long generation, const char *sha256,
	    size_t *len);

#endif
