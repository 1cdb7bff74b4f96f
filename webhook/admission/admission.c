/*
 * admission.c - the request path: review_decode -> eval_review ->
 * verdict_render -> review_encode, and one log line per decision (allowed
 * dry-runs at debug level: Flux sends one per object per interval).
 */
#include "admission/admission.h"

#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admission/eval.h"
#include "base/json_out.h"
#include "base/kube.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/metrics_exception.h"
#include "wire/review.h"
#include "admission/verdict.h"

/* when the last big review ended (us), 0 after a trim */
static atomic_llong	last_big_us;

/*
 * The verdict text (~40 KiB) of this thread, allocated at its first
 * review: as a static thread-local it would be zero-filled in every
 * thread at start, reviewing or not.
 */
static _Thread_local struct verdict	*thread_verdict;
static pthread_key_t			 verdict_key;
static pthread_once_t			 verdict_once = PTHREAD_ONCE_INIT;

static void
verdict_key_create(void)
{
	(void)pthread_key_create(&verdict_key, free);
}

static struct verdict *
verdict_buffer(void)
{
	if (thread_verdict == NULL) {
		pthread_once(&verdict_once, verdict_key_create);
		if ((thread_verdict = malloc(sizeof(*thread_verdict))) != NULL)
			(void)pthread_setspecific(verdict_key, thread_verdict);
	}
	return thread_verdict;
}

static long long
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
reply_status(struct admission_reply *out, int code, const char *reason,
    const char *msg)
{
	struct json_out	o;

	out->status = code;
	out->body = NULL;
	out->len = 0;
	if (json_out_init(&o, 256) == -1)
		return;
	json_out_raw(&o, "{\"kind\":\"Status\",\"apiVersion\":\"v1\","
	    "\"status\":\"Failure\",\"message\":");
	json_out_str(&o, msg);
	json_out_raw(&o, ",\"reason\":");
	json_out_str(&o, reason);
	json_out_raw(&o, ",\"code\":");
	json_out_int(&o, code);
	json_out_raw(&o, "}");
	out->body = json_out_take(&o, &out->len);
}

/*
 * 1 if d allows with audit findings (RULE_WARN ones are not audit, nor
 * are findings a PolicyException lifted).
 */
static int
audited(const struct eval_decision *d)
{
	size_t	i;

	for (i = 0; d->allowed && i < d->n; i++)
		if (d->v[i].verdict != RULE_WARN && d->v[i].exception == NULL)
			return 1;
	return 0;
}

/*
 * Count each (exception, policy) pair that lifted findings of a real
 * write let through; dry runs (Flux's, every interval) are not counted.
 */
static void
observe_exceptions(const struct review *rv, const struct eval_decision *d)
{
	size_t	i, j;

	if (!d->allowed || rv->dry_run || d->lifted == 0)
		return;
	for (i = 0; i < d->n; i++) {
		if (d->v[i].exception == NULL)
			continue;
		for (j = 0; j < i; j++)
			if (d->v[j].exception == d->v[i].exception &&
			    d->v[j].policy == d->v[i].policy)
				break;
		if (j == i)
			metrics_exception_applied(d->v[i].exception->name,
			    d->v[i].policy->name);
	}
}

/* Break-glass on a real write: loud (warn log, metric); dry runs are not. */
static int
break_glass(const struct review *rv, const struct eval_decision *d)
{
	return d->break_glass && d->allowed && !rv->dry_run;
}

static void
log_decision(const struct review *rv, const struct eval_decision *d,
    const struct verdict *v, long long us)
{
	struct log_line	 l;
	enum log_level	 level = LOG_INFO;

	if (rv->dry_run && d->allowed)
		level = LOG_DEBUG;	/* Flux dry-runs every object, often */
	if (break_glass(rv, d))
		level = LOG_WARN;
	log_begin(&l, level, "decision");
	log_str(&l, "uid", rv->uid);
	log_str(&l, "operation", kube_op_name(rv->op));
	log_str(&l, "kind", review_target_kind(rv));
	if (rv->subresource[0] != '\0')
		log_str(&l, "subresource", rv->subresource);
	log_str(&l, "namespace", rv->ns);
	log_str(&l, "name", rv->name);
	log_str(&l, "user", rv->username);
	log_str(&l, "decision", !d->allowed ? "deny" : audited(d) ? "audit" :
	    d->n > 0 ? "warn" : "allow");
	log_str(&l, "policies", v->policies);
	if (d->exempt != NULL)
		log_str(&l, "exempt", d->exempt);
	if (d->break_glass && d->allowed)
		log_bool(&l, "breakGlass", 1);
	if (v->exceptions[0] != '\0')
		log_str(&l, "exceptions", v->exceptions);
	if (!d->allowed)
		log_str(&l, "message", v->message);
	log_bool(&l, "dryRun", rv->dry_run);
	log_num(&l, "micros", us);
	log_end(&l);
}

/* The decision's log line and metrics. */
static void
observe(const struct review *rv, const struct eval_decision *d,
    const struct verdict *v, long long us)
{
	size_t	i;

	log_decision(rv, d, v, us);
	metrics_review(rv->op, review_target_kind(rv), !d->allowed ?
	    METRICS_DENY : audited(d) ? METRICS_AUDIT : METRICS_ALLOW,
	    rv->dry_run, us);
	if (break_glass(rv, d))
		metrics_break_glass(rv->op, review_target_kind(rv));
	observe_exceptions(rv, d);
	for (i = 0; i < d->n; i++)
		if (d->v[i].verdict != RULE_WARN && d->v[i].exception == NULL)
			metrics_policy_result(d->v[i].policy->name,
			    policy_mode_name(d->v[i].mode),
			    d->v[i].verdict == RULE_ERROR ? "error" : "fail");
}

static void	handle(const struct policy_set *,
		    const struct admission_opts *, const char *, char *, size_t,
		    struct admission_reply *);

void
admission_handle(const struct policy_set *set,
    const struct admission_opts *opts, const char *body, size_t len,
    struct admission_reply *out)
{
	handle(set, opts, body, NULL, len, out);
}

void
admission_handle_in_place(const struct policy_set *set,
    const struct admission_opts *opts, char *body, size_t len,
    struct admission_reply *out)
{
	handle(set, opts, NULL, body, len, out);
}

/* The request path, from text (copied by the parser) or buf in place. */
static void
handle(const struct policy_set *set, const struct admission_opts *opts,
    const char *text, char *buf, size_t len, struct admission_reply *out)
{
	static const struct admission_opts	 defaults;
	struct verdict				*v;
	struct review				rv;
	struct eval_decision			d;
	char					err[256];
	long long				t0 = now_us();
	unsigned				depth;

	if (opts == NULL)
		opts = &defaults;
	depth = opts->max_json_depth != 0 ? opts->max_json_depth :
	    REVIEW_JSON_DEPTH_DEFAULT;
	memset(out, 0, sizeof(*out));
	if ((buf != NULL ? review_decode_in_place(buf, len,
	    depth, &rv, err, sizeof(err)) :
	    review_decode_depth(text, len, depth, &rv, err,
	    sizeof(err))) == -1) {
		log_msg(LOG_WARN, "bad_request", "%s", err);
		reply_status(out, 400, "BadRequest", err);
		goto out;
	}
	if (set == NULL) {
		reply_status(out, 503, "ServiceUnavailable",
		    "no policy set loaded");
		goto out;
	}
	eval_review(set, &rv, opts->force_audit, opts->now != 0 ? opts->now :
	    set->n_exceptions > 0 ? (long long)time(NULL) : 0, &d);
	if ((v = verdict_buffer()) == NULL) {
		reply_status(out, 500, "InternalError", "out of memory");
		goto out;
	}
	verdict_render(&d, v);
	out->body = review_encode(&rv, &v->resp, &out->len);
	if (out->body == NULL) {
		reply_status(out, 500, "InternalError", "out of memory");
		goto out;
	}
	out->status = 200;
	out->allowed = d.allowed;
	out->dry_run = rv.dry_run;
	if (opts->flags & ADMISSION_OBSERVE)
		observe(&rv, &d, v, now_us() - t0);
out:
	review_free(&rv);
	if (len > ADMISSION_BIG_BYTES)
		atomic_store(&last_big_us, now_us());
}

int
admission_trim_idle(void)
{
	long long	last = atomic_load(&last_big_us);

	if (last == 0 || now_us() - last < ADMISSION_TRIM_IDLE_MS * 1000LL ||
	    !atomic_compare_exchange_strong(&last_big_us, &last, 0))
		return 0;
	malloc_trim(0);
	return 1;
}
