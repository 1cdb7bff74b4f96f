/*
 * test_body_budget.c - webhook/http/body_budget.c: who is admitted, who waits,
 * in what order they are resumed, the grant that lands before a
 * connection is suspended, leaving the line, draining, small bodies
 * passing the line, waiting too long (expired), and 8 threads
 * hammering it (the cap holds at every grant; everyone gets through).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "http/body_budget.h"
#include "unit.h"

/* A unit of body bytes above BODY_BUDGET_SMALL: these wait in line. */
#define U	((size_t)2 * BODY_BUDGET_SMALL)

static void	*resumed[16];
static size_t	 n_resumed;

static void
record(void *conn)
{
	if (n_resumed < sizeof(resumed) / sizeof(resumed[0]))
		resumed[n_resumed] = conn;
	n_resumed++;
}

/* A new line with this cap, and nobody resumed yet. */
static void
line_reset(size_t cap)
{
	body_budget_init(cap);
	n_resumed = 0;
}

static void
test_line(void)
{
	struct body_waiter	a = { 0 }, b = { 0 }, c = { 0 };
	int			A, B, C;

	line_reset(10 * U);
	CHECK_INT(body_budget_take(&a, 6 * U, &A), 1);
	CHECK_INT(body_budget_take(&b, 6 * U, &B), 0);	/* 12 > 10 */
	CHECK_INT(body_budget_suspended(&b), 0);
	CHECK_INT(body_budget_take(&c, 1 * U, &C), 0);	/* fits, but b is first */
	CHECK_INT(body_budget_suspended(&c), 0);
	CHECK_INT(body_budget_held(), 6 * U);
	CHECK_INT(body_budget_waiting(), 2);
	body_budget_release(&a, record);
	CHECK_INT(n_resumed, 2);			/* b, then c: 7 <= 10 */
	CHECK(resumed[0] == &C || resumed[1] == &C);
	CHECK(resumed[0] == &B || resumed[1] == &B);
	CHECK_INT(body_budget_held(), 7 * U);
	CHECK_INT(body_budget_waiting(), 0);
	CHECK_INT(b.state, BODY_HELD);
	body_budget_release(&b, record);
	body_budget_release(&c, record);
	CHECK_INT(body_budget_held(), 0);
	CHECK_INT(n_resumed, 2);
	/* releasing twice gives nothing back twice */
	body_budget_release(&c, record);
	CHECK_INT(body_budget_held(), 0);
}

/*
 * Waiting too long: the head of the line expires (resumed if suspended,
 * else its own thread resumes it), and the one behind it, which fits, is
 * granted; the one holding bytes is never touched.
 */
static void
test_expire(void)
{
	struct body_waiter	a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 };
	int			A, B, C, D;
	uint64_t		now;

	line_reset(10 * U);
	CHECK_INT(body_budget_take(&a, 6 * U, &A), 1);
	CHECK_INT(body_budget_take(&b, 6 * U, &B), 0);
	CHECK_INT(body_budget_suspended(&b), 0);
	CHECK_INT(body_budget_take(&c, 2 * U, &C), 0);
	CHECK_INT(body_budget_suspended(&c), 0);
	now = body_budget_now_ms();
	CHECK_INT(body_budget_expire(now, 60000, record), 0);	/* not yet */
	b.since_ms = now - 2000;			/* b waited 2 s */
	CHECK_INT(body_budget_expire(now, 2000, record), 1);
	CHECK_INT(b.state, BODY_EXPIRED);
	CHECK_INT(c.state, BODY_HELD);			/* 8 <= 10 now */
	CHECK_INT(n_resumed, 2);
	CHECK(resumed[0] == &B || resumed[1] == &B);
	CHECK(resumed[0] == &C || resumed[1] == &C);
	CHECK_INT(a.state, BODY_HELD);
	CHECK_INT(body_budget_held(), 8 * U);
	CHECK_INT(body_budget_waiting(), 0);
	/* expired before its connection was suspended: its thread resumes */
	CHECK_INT(body_budget_take(&d, 6 * U, &D), 0);
	CHECK_INT(body_budget_expire(d.since_ms + 2000, 2000, record), 1);
	CHECK_INT(n_resumed, 2);
	CHECK_INT(body_budget_suspended(&d), 1);
	CHECK_INT(d.state, BODY_EXPIRED);
	body_budget_release(&b, record);		/* holds nothing */
	body_budget_release(&d, record);
	CHECK_INT(body_budget_held(), 8 * U);
	body_budget_release(&a, record);
	body_budget_release(&c, record);
	CHECK_INT(body_budget_held(), 0);
}

/*
 * Small bodies pass the line only up to a quarter of the cap beyond it:
 * past that (a thousand stalled small uploads) they wait too.
 */
static void
test_small_share(void)
{
	struct body_waiter	big = { 0 }, sm[5];
	int			B, S[5], i;

	memset(sm, 0, sizeof(sm));
	line_reset(16 * BODY_BUDGET_SMALL);
	CHECK_INT(body_budget_take(&big, 16 * BODY_BUDGET_SMALL, &B), 1);
	for (i = 0; i < 4; i++)
		CHECK_INT(body_budget_take(&sm[i], BODY_BUDGET_SMALL, &S[i]),
		    1);
	CHECK_INT(body_budget_take(&sm[4], BODY_BUDGET_SMALL, &S[4]), 0);
	CHECK_INT(body_budget_suspended(&sm[4]), 0);
	CHECK_INT(body_budget_held(), 20 * BODY_BUDGET_SMALL);
	body_budget_release(&sm[0], record);	/* no room under the cap */
	CHECK_INT(n_resumed, 0);
	body_budget_release(&big, record);
	CHECK_INT(n_resumed, 1);
	CHECK(resumed[0] == &S[4]);
	for (i = 1; i < 5; i++)
		body_budget_release(&sm[i], record);
	CHECK_INT(body_budget_held(), 0);
	/* and the small share comes back: four pass again */
	for (i = 0; i < 4; i++)
		CHECK_INT(body_budget_take(&sm[i], BODY_BUDGET_SMALL, &S[i]),
		    1);
	for (i = 0; i < 4; i++)
		body_budget_release(&sm[i], record);
}

static void
test_early_grant(void)
{
	struct body_waiter	a = { 0 }, b = { 0 };
	int			A, B;

	line_reset(10 * U);
	CHECK_INT(body_budget_take(&a, 8 * U, &A), 1);
	CHECK_INT(body_budget_take(&b, 8 * U, &B), 0);
	/* a finishes before b's thread got to suspend its connection */
	body_budget_release(&a, record);
	CHECK_INT(n_resumed, 0);			/* not suspended: no resume */
	CHECK_INT(b.state, BODY_GRANTED_EARLY);
	CHECK_INT(body_budget_suspended(&b), 1);	/* its thread resumes it */
	CHECK_INT(b.state, BODY_HELD);
	CHECK_INT(body_budget_held(), 8 * U);
	body_budget_release(&b, record);
	CHECK_INT(body_budget_held(), 0);
}

static void
test_alone_leave_open(void)
{
	struct body_waiter	a = { 0 }, b = { 0 }, c = { 0 };
	int			A, B, C;

	line_reset(10 * U);
	/* bigger than the cap, but alone: admitted */
	CHECK_INT(body_budget_take(&a, 50 * U, &A), 1);
	CHECK_INT(body_budget_take(&b, 1 * U, &B), 0);
	CHECK_INT(body_budget_suspended(&b), 0);
	CHECK_INT(body_budget_take(&c, 1 * U, &C), 0);
	CHECK_INT(body_budget_suspended(&c), 0);
	/* b's client goes away while in line */
	body_budget_release(&b, record);
	CHECK_INT(body_budget_waiting(), 1);
	CHECK_INT(n_resumed, 0);
	/* drain: the line opens for good */
	body_budget_open(record);
	CHECK_INT(n_resumed, 1);
	CHECK(resumed[0] == &C);
	CHECK_INT(body_budget_held(), 51 * U);
	CHECK_INT(body_budget_take(&b, 100 * U, &B), 1);
	body_budget_release(&a, record);
	body_budget_release(&b, record);
	body_budget_release(&c, record);
	CHECK_INT(body_budget_held(), 0);

	body_budget_init(0);				/* no cap */
	CHECK_INT(body_budget_take(&a, 1u << 30, &A), 1);
	CHECK_INT(body_budget_take(&b, 1u << 30, &B), 1);
	body_budget_release(&a, NULL);
	body_budget_release(&b, NULL);
}

static void
test_small_passes(void)
{
	struct body_waiter	a = { 0 }, b = { 0 }, c = { 0 };
	int			A, B, C;

	line_reset(10 * U);
	CHECK_INT(body_budget_take(&a, 8 * U, &A), 1);
	CHECK_INT(body_budget_take(&b, 8 * U, &B), 0);	/* big: waits */
	CHECK_INT(body_budget_suspended(&b), 0);
	/* a typical review passes the line and the cap */
	CHECK_INT(body_budget_take(&c, BODY_BUDGET_SMALL, &C), 1);
	CHECK_INT(body_budget_held(), 8 * U + BODY_BUDGET_SMALL);
	CHECK_INT(body_budget_waiting(), 1);
	body_budget_release(&c, record);
	CHECK_INT(n_resumed, 0);			/* b still does not fit */
	body_budget_release(&a, record);
	CHECK_INT(n_resumed, 1);
	body_budget_release(&b, record);
	CHECK_INT(body_budget_held(), 0);
}

/* --- threads: a suspended connection is a semaphore-ish flag --- */

#define THREADS		8
#define ROUNDS		4000
#define CAP		(100 * U)

struct conn {
	pthread_mutex_t		mu;
	pthread_cond_t		cv;
	int			resumed;
};

static pthread_mutex_t	over_mu = PTHREAD_MUTEX_INITIALIZER;
static int		over_cap;
/* destroyed after the join: a waker may still be inside its unlock */
static struct conn	conns[THREADS];

static void
wake(void *p)
{
	struct conn	*c = p;

	pthread_mutex_lock(&c->mu);
	c->resumed = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

static void *
worker(void *arg)
{
	struct body_waiter	w;
	struct conn		*cp = arg;
	unsigned		seed = (unsigned)(cp - conns) + 1;
	size_t			n, h;
	int			i;

	memset(&w, 0, sizeof(w));
	for (i = 0; i < ROUNDS; i++) {
		n = (1 + (size_t)(rand_r(&seed) % 60)) * U;
		cp->resumed = 0;
		if (!body_budget_take(&w, n, cp) &&
		    !body_budget_suspended(&w)) {
			pthread_mutex_lock(&cp->mu);
			while (!cp->resumed)
				pthread_cond_wait(&cp->cv, &cp->mu);
			pthread_mutex_unlock(&cp->mu);
		}
		h = body_budget_held();
		if (h > CAP) {
			pthread_mutex_lock(&over_mu);
			over_cap++;
			pthread_mutex_unlock(&over_mu);
		}
		body_budget_release(&w, wake);
	}
	return NULL;
}

static void
test_threads(void)
{
	pthread_t	t[THREADS];
	size_t		i;

	body_budget_init(CAP);
	for (i = 0; i < THREADS; i++) {
		pthread_mutex_init(&conns[i].mu, NULL);
		pthread_cond_init(&conns[i].cv, NULL);
	}
	for (i = 0; i < THREADS; i++)
		CHECK_INT(pthread_create(&t[i], NULL, worker, &conns[i]), 0);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < THREADS; i++) {
		pthread_cond_destroy(&conns[i].cv);
		pthread_mutex_destroy(&conns[i].mu);
	}
	CHECK_INT(over_cap, 0);
	CHECK_INT(body_budget_held(), 0);
	CHECK_INT(body_budget_waiting(), 0);
}

int
main(void)
{
	test_line();
	test_expire();
	test_small_share();
	test_early_grant();
	test_alone_leave_open();
	test_small_passes();
	test_threads();
	return unit_done("body_budget");
}
