/*
 * rate.c - open loop at a fixed rate: request i is due at start + i/rate
 * and leaves on the first idle connection. Latency is measured from the
 * due time (no coordinated omission: a request that waits for a
 * connection counts its wait); the service time (from the actual send) and
 * the pacer's lag (send - due) are reported too. The first -warmup of the
 * schedule is not counted.
 *
 * One thread does the pacing, the sending and the reading: a due request
 * leaves without a wakeup handed from thread to thread (the Go generator's
 * pacer -> channel -> goroutine -> netpoller chain was most of its p99),
 * and on a 2-CPU machine a second client thread would take the server's
 * CPU. The loop sleeps in epoll_pwait2 (ns timeout, 1 ns timer slack)
 * until -spin before the next due time, then polls with a zero timeout.
 * It asks the scheduler for a short slice (-slice): on a busy machine an
 * EEVDF task doing 50 us of work per wakeup waits out a CPU hog's slice
 * (alone: p99 wakeup 4 ms, 50 us with the hint). It does not make a
 * saturated machine quiet: there the tail still moves in 1 ms ticks.
 */
#include "loadgen.h"

#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define RATE_EVENTS	64
#define RATE_DIAL_NS	(5 * LG_NS)	/* bound on one (re)dial */
#define RATE_DRAIN_NS	(2 * LG_NS)	/* answers awaited past the schedule */

/* sched_setattr(2)'s argument; glibc 2.36 has no wrapper nor type */
struct rate_sched_attr {
	uint32_t	size;
	uint32_t	policy;
	uint64_t	flags;
	int32_t		nice;
	uint32_t	priority;
	uint64_t	runtime;	/* SCHED_OTHER: the slice (Linux 6.12) */
	uint64_t	deadline;
	uint64_t	period;
};

struct rate {
	const struct lg_ctx	*x;
	const struct lg_body	*b;
	struct lg_conn		*conns;
	struct lg_conn		**idle;	/* ring of idle connections */
	size_t			 nconns, idle_head, idle_n;
	int			 ep, live;
	int64_t			 start, interval, deadline, hard_end;
	long long		 total, skip, released, taken, inflight;
	long long		 errs, late, sent;
	struct lg_samples	 lat, svc, lag;
};

static void	rate_answer(struct rate *, struct lg_conn *, enum conn_result);

static void
rate_idle_push(struct rate *r, struct lg_conn *c)
{
	r->idle[(r->idle_head + r->idle_n) % r->nconns] = c;
	r->idle_n++;
}

static struct lg_conn *
rate_idle_pop(struct rate *r)
{
	struct lg_conn	*c;

	c = r->idle[r->idle_head];
	r->idle_head = (r->idle_head + 1) % r->nconns;
	r->idle_n--;
	return c;
}

/* Dial every connection and send each one review; all must answer 200. */
static int
rate_setup(struct rate *r, char *err, size_t errlen)
{
	enum conn_result	 res;
	struct lg_conn		*c;
	char			 why[LG_ERR_LEN];
	size_t			 i;

	if ((r->ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		snprintf(err, errlen, "epoll_create1 failed");
		return -1;
	}
	r->conns = calloc(r->nconns, sizeof(*r->conns));
	r->idle = calloc(r->nconns, sizeof(*r->idle));
	if (r->conns == NULL || r->idle == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < r->nconns; i++)
		r->conns[i].fd = -1;
	for (i = 0; i < r->nconns; i++) {
		c = &r->conns[i];
		if (conn_dial(c, r->x, r->ep, clock_now_ns() + RATE_DIAL_NS,
		    err, errlen) < 0)
			return -1;
		res = conn_roundtrip(c, r->b->req, r->b->reqlen,
		    clock_now_ns() + RATE_DIAL_NS, why, sizeof(why));
		if (res != CONN_DONE || c->resp.code != 200) {
			snprintf(err, errlen, "first request: %d %s",
			    res == CONN_DONE ? c->resp.code : 0,
			    res == CONN_DONE ? "" : why);
			return -1;
		}
		rate_idle_push(r, c);
		r->live++;
	}
	return 0;
}

/* Send every released request an idle connection can take. */
static void
rate_dispatch(struct rate *r)
{
	struct lg_conn		*c;
	enum conn_result	 res;
	char			 err[LG_ERR_LEN];
	int64_t			 now;

	while (r->taken < r->released && r->idle_n > 0) {
		now = clock_now_ns();
		if (now > r->deadline) {
			r->late += r->total - r->taken;
			r->taken = r->released = r->total;
			return;
		}
		c = rate_idle_pop(r);
		if (c->state == CONN_CLOSED)
			continue;	/* lost while idle, not redialled */
		c->idx = r->taken++;
		c->due = r->start + c->idx * r->interval;
		c->sent = now;
		r->inflight++;
		res = conn_start(c, r->b->req, r->b->reqlen, err, sizeof(err));
		if (res != CONN_AGAIN)
			rate_answer(r, c, res);
	}
}

/* An answer (or an error) on c: record it, make c idle again. */
static void
rate_answer(struct rate *r, struct lg_conn *c, enum conn_result res)
{
	int64_t	now = clock_now_ns();
	char	err[LG_ERR_LEN];

	r->inflight--;
	r->sent++;
	if (res == CONN_DONE && c->resp.code == 200 && (!r->x->o->check ||
	    memmem(c->resp.body, c->resp.bodylen, r->b->uid,
	    strlen(r->b->uid)) != NULL)) {
		if (c->idx >= r->skip) {
			samples_add(&r->lat, now - c->due);
			samples_add(&r->svc, now - c->sent);
			samples_add(&r->lag, c->sent - c->due);
		}
		rate_idle_push(r, c);
		return;
	}
	r->errs++;
	if (res == CONN_DONE) {
		rate_idle_push(r, c);
		return;
	}
	if (conn_dial(c, r->x, r->ep, clock_now_ns() + RATE_DIAL_NS, err,
	    sizeof(err)) == 0)
		rate_idle_push(r, c);
	else
		r->live--;
}

/*
 * An idle connection failed (the server closed it): an error, as the next
 * request on it would have been; dialled again in place, still in the
 * idle ring (rate_dispatch skips it if that failed).
 */
static void
rate_idle_lost(struct rate *r, struct lg_conn *c)
{
	char	err[LG_ERR_LEN];

	r->errs++;
	if (conn_dial(c, r->x, r->ep, clock_now_ns() + RATE_DIAL_NS, err,
	    sizeof(err)) < 0)
		r->live--;
}

/*
 * Ask for a short scheduler slice (a latency hint, not a priority: the
 * CPU share is unchanged). Older kernels refuse or ignore it: say so once.
 */
static void
rate_slice(long long ns)
{
	struct rate_sched_attr	a;

	if (ns <= 0)
		return;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.policy = 0;		/* SCHED_OTHER */
	a.runtime = (uint64_t)ns;
	if (syscall(SYS_sched_setattr, 0, &a, 0) != 0)
		fprintf(stderr, "loadgen: -slice not available, ignored\n");
}

/* How long to sleep: until -spin before the next due time, at most. */
static int64_t
rate_timeout(const struct rate *r, int64_t now)
{
	int64_t	next;

	if (r->released < r->total)
		next = r->start + r->released * r->interval - r->x->o->spin;
	else
		next = r->hard_end;
	return next > now ? next - now : 0;
}

static void
rate_loop(struct rate *r)
{
	struct epoll_event	 evs[RATE_EVENTS];
	struct lg_conn		*c;
	enum conn_result	 res;
	char			 err[LG_ERR_LEN];
	int64_t			 now;
	int			 i, n, idle;

	for (;;) {
		now = clock_now_ns();
		while (r->released < r->total &&
		    r->start + r->released * r->interval <= now)
			r->released++;
		rate_dispatch(r);
		if ((r->taken == r->total && r->inflight == 0) ||
		    r->live == 0 || now >= r->hard_end)
			break;
		n = conn_epoll_wait(r->ep, evs, RATE_EVENTS,
		    rate_timeout(r, now));
		for (i = 0; i < n; i++) {
			c = evs[i].data.ptr;
			if (c->state == CONN_CLOSED)
				continue;
			idle = c->state == CONN_IDLE;
			res = conn_io(c, err, sizeof(err));
			if (idle && res == CONN_ERR)
				rate_idle_lost(r, c);
			else if (!idle && res != CONN_AGAIN)
				rate_answer(r, c, res);
		}
	}
	/* what never came back by the hard end counts as errors */
	r->errs += r->inflight;
	r->sent += r->inflight;
}

static void
rate_emit(struct rate *r, int64_t end)
{
	double	measured;

	measured = (double)(end - (r->start + r->x->o->warmup)) / 1e9;
	printf("{\"achieved_rps\":%.3f,\"conns\":%zu,\"errors\":%lld,"
	    "\"late\":%lld,", measured > 0 ? (double)r->lat.n / measured : 0,
	    r->nconns, r->errs, r->late);
	samples_emit(stdout, "latency_ms", &r->lat);
	printf(",\"mode\":\"rate\",");
	samples_emit(stdout, "pacer_lag_ms", &r->lag);
	printf(",\"requests\":%zu,\"sent\":%lld,", r->lat.n, r->sent);
	samples_emit(stdout, "service_ms", &r->svc);
	printf(",\"target_rps\":%g}\n", r->x->o->rate);
}

int
rate_run(const struct lg_ctx *x, char *err, size_t errlen)
{
	const struct lg_opts	*o = x->o;
	struct rate		 r;
	size_t			 i, cap;
	int			 ret = -1;

	memset(&r, 0, sizeof(r));
	r.x = x;
	r.b = &x->bodies[0];
	r.ep = -1;
	r.nconns = (size_t)o->conns;
	r.interval = (int64_t)(1e9 / o->rate);
	if (r.interval <= 0 || o->conns <= 0) {
		snprintf(err, errlen, "-rate and -conns must be positive");
		return -1;
	}
	r.total = (o->warmup + o->duration) / r.interval;
	r.skip = o->warmup / r.interval;
	cap = (size_t)(r.total > r.skip ? r.total - r.skip : 0);
	if (samples_init(&r.lat, cap) < 0 || samples_init(&r.svc, cap) < 0 ||
	    samples_init(&r.lag, cap) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* the kernel's default 50 us slack would be most of the error */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	rate_slice(o->slice);
	if (rate_setup(&r, err, errlen) < 0)
		goto out;
	r.start = clock_now_ns() + 20000000;
	r.deadline = r.start + o->warmup + o->duration + 2 * LG_NS;
	if (r.start + o->max_time < r.deadline)
		r.deadline = r.start + o->max_time;
	r.hard_end = r.deadline + RATE_DRAIN_NS;
	rate_loop(&r);
	rate_emit(&r, clock_now_ns());
	ret = 0;
out:
	for (i = 0; r.conns != NULL && i < r.nconns; i++)
		conn_free(&r.conns[i]);
	free(r.conns);
	free(r.idle);
	if (r.ep >= 0)
		close(r.ep);
	samples_free(&r.lat);
	samples_free(&r.svc);
	samples_free(&r.lag);
	return ret;
}
