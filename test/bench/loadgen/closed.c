/*
 * closed.c - the two modes that are not about time: "closed" sends
 * -requests reviews back to back on -conns connections (the soak), cycling
 * through the -body specs by weight and checking every answer (HTTP 200,
 * the request's uid, the expected "allowed"), with progress on stderr each
 * second; "hold" opens -conns connections, sends one review on each, says
 * "ready" on stderr and keeps them idle for -hold (server RSS per
 * connection). Same single epoll loop as rate.c, without a schedule.
 */
#include "loadgen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CLOSED_EVENTS	64
#define CLOSED_DIAL_NS	(10 * LG_NS)
#define CLOSED_DRAIN_NS	(5 * LG_NS)	/* answers awaited past -max-time */
#define CLOSED_KINDS	32		/* distinct error kinds kept */

struct closed {
	const struct lg_ctx	 *x;
	const struct lg_body	**sched;
	size_t			  nsched;
	struct lg_conn		 *conns;
	int			  ep, live;
	long long		  next, ok, errs;
	int64_t			  start, deadline;
	char			 *kinds[CLOSED_KINDS];
	size_t			  nkinds;
};

static void	closed_answer(struct closed *, struct lg_conn *,
		    enum conn_result, const char *);

/* Remember one kind of error (once). */
static void
closed_kind(struct closed *s, const char *kind)
{
	size_t	i;

	for (i = 0; i < s->nkinds; i++)
		if (strcmp(s->kinds[i], kind) == 0)
			return;
	if (s->nkinds < CLOSED_KINDS &&
	    (s->kinds[s->nkinds] = strdup(kind)) != NULL)
		s->nkinds++;
}

/* The weighted schedule, interleaved: a:2,b:1 gives a b a. */
static int
closed_schedule(struct closed *s)
{
	const struct lg_ctx	*x = s->x;
	size_t			 i, n = 0;
	int			 w, added;

	for (i = 0; i < x->nbodies; i++)
		n += (size_t)x->bodies[i].weight;
	if ((s->sched = calloc(n ? n : 1, sizeof(*s->sched))) == NULL)
		return -1;
	for (w = 1, added = 1; added; w++) {
		added = 0;
		for (i = 0; i < x->nbodies; i++)
			if (x->bodies[i].weight >= w) {
				s->sched[s->nsched++] = &x->bodies[i];
				added = 1;
			}
	}
	return 0;
}

/* Send c the next review, or retire it when there is none left. */
static void
closed_next(struct closed *s, struct lg_conn *c)
{
	enum conn_result	res;
	char			err[LG_ERR_LEN];

	if (s->next >= s->x->o->requests || clock_now_ns() > s->deadline) {
		conn_close(c);
		s->live--;
		return;
	}
	c->body = s->sched[s->next % (long long)s->nsched];
	s->next++;
	res = conn_start(c, c->body->req, c->body->reqlen, err, sizeof(err));
	if (res != CONN_AGAIN)
		closed_answer(s, c, res, err);
}

/* An answer or an error on c: check and count it, then go on. */
static void
closed_answer(struct closed *s, struct lg_conn *c, enum conn_result res,
    const char *err)
{
	const struct lg_body	*b = c->body;
	char			 kind[LG_ERR_LEN + 64];

	if (res == CONN_ERR)
		snprintf(kind, sizeof(kind), "io: %s", err);
	else if (c->resp.code != 200)
		snprintf(kind, sizeof(kind), "status %d", c->resp.code);
	else if (memmem(c->resp.body, c->resp.bodylen, b->uid,
	    strlen(b->uid)) == NULL || memmem(c->resp.body, c->resp.bodylen,
	    b->allowed, strlen(b->allowed)) == NULL)
		snprintf(kind, sizeof(kind), "wrong answer for %s", b->file);
	else {
		s->ok++;
		closed_next(s, c);
		return;
	}
	s->errs++;
	closed_kind(s, kind);
	if (res == CONN_ERR && conn_dial(c, s->x, s->ep,
	    clock_now_ns() + CLOSED_DIAL_NS, kind, sizeof(kind)) < 0) {
		s->live--;
		return;
	}
	closed_next(s, c);
}

static void
closed_progress(const struct closed *s, int64_t now)
{
	fprintf(stderr, "progress %.0f %lld %lld\n",
	    (double)(now - s->start) / 1e9, s->ok, s->errs);
}

static void
closed_loop(struct closed *s)
{
	struct epoll_event	 evs[CLOSED_EVENTS];
	struct lg_conn		*c;
	enum conn_result	 res;
	char			 err[LG_ERR_LEN];
	int64_t			 now, tick, hard_end;
	long long		 i;
	int			 k, n;

	tick = s->start + LG_NS;
	hard_end = s->deadline + CLOSED_DRAIN_NS;
	while (s->live > 0) {
		now = clock_now_ns();
		if (now >= tick) {
			closed_progress(s, now);
			while (tick <= now)
				tick += LG_NS;	/* a late tick is not repeated */
		}
		if (now >= hard_end)
			break;
		n = conn_epoll_wait(s->ep, evs, CLOSED_EVENTS,
		    (tick < hard_end ? tick : hard_end) - now);
		for (k = 0; k < n; k++) {
			c = evs[k].data.ptr;
			if (c->state == CONN_CLOSED || c->state == CONN_IDLE)
				continue;
			res = conn_io(c, err, sizeof(err));
			if (res != CONN_AGAIN)
				closed_answer(s, c, res, err);
		}
	}
	/* still waiting at the hard end: errors */
	for (i = 0; i < s->x->o->conns; i++)
		if (s->conns[i].state == CONN_SEND ||
		    s->conns[i].state == CONN_RECV) {
			s->errs++;
			closed_kind(s, "io: timeout");
		}
}

static void
closed_emit(const struct closed *s)
{
	double	secs;
	size_t	i;

	secs = (double)(clock_now_ns() - s->start) / 1e9;
	printf("{\"complete\":%s,\"conns\":%lld,\"error_kinds\":[",
	    s->ok + s->errs >= s->x->o->requests ? "true" : "false",
	    s->x->o->conns);
	for (i = 0; i < s->nkinds; i++) {
		if (i > 0)
			putchar(',');
		json_string(stdout, s->kinds[i]);
	}
	printf("],\"errors\":%lld,\"mode\":\"closed\",\"ok\":%lld,"
	    "\"requests\":%lld,\"rps\":%.3f,\"seconds\":%.3f}\n", s->errs,
	    s->ok, s->ok + s->errs, secs > 0 ? (double)(s->ok + s->errs) /
	    secs : 0, secs);
}

int
closed_run(const struct lg_ctx *x, char *err, size_t errlen)
{
	struct closed	s;
	char		why[LG_ERR_LEN], kind[LG_ERR_LEN + 16];
	long long	i;
	int		ret = -1;

	memset(&s, 0, sizeof(s));
	s.x = x;
	s.ep = epoll_create1(EPOLL_CLOEXEC);
	s.conns = calloc((size_t)(x->o->conns > 0 ? x->o->conns : 1),
	    sizeof(*s.conns));
	if (s.ep < 0 || s.conns == NULL || closed_schedule(&s) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < x->o->conns; i++)
		s.conns[i].fd = -1;
	s.start = clock_now_ns();
	s.deadline = s.start + x->o->max_time;
	for (i = 0; i < x->o->conns; i++) {
		if (conn_dial(&s.conns[i], x, s.ep, clock_now_ns() +
		    CLOSED_DIAL_NS, why, sizeof(why)) < 0) {
			s.errs++;
			snprintf(kind, sizeof(kind), "dial: %s", why);
			closed_kind(&s, kind);
			continue;
		}
		s.live++;
	}
	for (i = 0; i < x->o->conns; i++)
		if (s.conns[i].state == CONN_IDLE)
			closed_next(&s, &s.conns[i]);
	closed_loop(&s);
	closed_emit(&s);
	ret = 0;
out:
	for (i = 0; s.conns != NULL && i < x->o->conns; i++)
		conn_free(&s.conns[i]);
	free(s.conns);
	free(s.sched);
	while (s.nkinds > 0)
		free(s.kinds[--s.nkinds]);
	if (s.ep >= 0)
		close(s.ep);
	return ret;
}

int
hold_run(const struct lg_ctx *x, char *err, size_t errlen)
{
	struct lg_conn		*conns;
	const struct lg_body	*b = &x->bodies[0];
	struct timespec		 ts;
	char			 why[LG_ERR_LEN];
	int64_t			 hold, end;
	long long		 i, n = 0, errs = 0;

	if ((conns = calloc((size_t)(x->o->conns > 0 ? x->o->conns : 1),
	    sizeof(*conns))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < x->o->conns; i++) {
		conns[i].fd = -1;
		if (conn_dial(&conns[i], x, -1, clock_now_ns() +
		    CLOSED_DIAL_NS, why, sizeof(why)) < 0 ||
		    conn_roundtrip(&conns[i], b->req, b->reqlen,
		    clock_now_ns() + CLOSED_DIAL_NS, why, sizeof(why)) !=
		    CONN_DONE || conns[i].resp.code != 200) {
			conn_close(&conns[i]);
			errs++;
		} else
			n++;
	}
	fprintf(stderr, "ready\n");
	hold = x->o->hold < x->o->max_time ? x->o->hold : x->o->max_time;
	end = clock_now_ns() + hold;
	ts.tv_sec = hold / LG_NS;
	ts.tv_nsec = hold % LG_NS;
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR &&
	    clock_now_ns() < end)
		;
	for (i = 0; i < x->o->conns; i++)
		conn_free(&conns[i]);
	free(conns);
	printf("{\"conns\":%lld,\"errors\":%lld,\"mode\":\"hold\"}\n", n,
	    errs);
	return 0;
}
