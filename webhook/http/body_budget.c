/*
 * body_budget.c - the line for body bytes: one mutex, a held counter and a
 * FIFO of waiters. Granting happens under the lock; resuming connections
 * (the server's business) happens after it is dropped, and only for
 * waiters whose connection is known to be suspended. A waiter granted
 * before its connection was suspended is marked, and its own thread
 * resumes it (resuming a connection that is not suspended is undefined in
 * libmicrohttpd).
 */
#include "http/body_budget.h"

#include <pthread.h>
#include <time.h>

static pthread_mutex_t		 mu = PTHREAD_MUTEX_INITIALIZER;
static size_t			 cap;		/* 0: none */
static int			 opened;	/* draining: no more waiting */
static size_t			 held;
static size_t			 small_held;	/* of held, passed as small */
static size_t			 n_waiting;
static struct body_waiter	*head, *tail;

void
body_budget_init(size_t bytes)
{
	pthread_mutex_lock(&mu);
	cap = bytes;
	opened = 0;
	pthread_mutex_unlock(&mu);
}

static int
fits(size_t n)
{
	return cap == 0 || opened || held == 0 || (held <= cap &&
	    n <= cap - held);
}

/* Grant from the head of the line; returns the ones to resume. */
static struct body_waiter *
grant(void)
{
	struct body_waiter	*w, *resume = NULL;

	while ((w = head) != NULL && fits(w->want)) {
		if ((head = w->next) == NULL)
			tail = NULL;
		n_waiting--;
		held += w->want;
		w->next = NULL;
		if (w->state == BODY_SUSPENDED) {
			w->state = BODY_HELD;
			w->next = resume;
			resume = w;
		} else
			w->state = BODY_GRANTED_EARLY;
	}
	return resume;
}

static void
resume_all(struct body_waiter *list, void (*resume)(void *))
{
	struct body_waiter	*w, *next;

	for (w = list; w != NULL; w = next) {
		next = w->next;
		w->next = NULL;
		if (resume != NULL)
			resume(w->conn);
	}
}

void
body_budget_open(void (*resume)(void *))
{
	struct body_waiter	*list;

	pthread_mutex_lock(&mu);
	opened = 1;
	list = grant();
	pthread_mutex_unlock(&mu);
	resume_all(list, resume);
}

int
body_budget_take(struct body_waiter *w, size_t n, void *conn)
{
	int	ok;

	w->want = n;
	w->conn = conn;
	w->next = NULL;
	w->since_ms = body_budget_now_ms();
	w->small = 0;
	pthread_mutex_lock(&mu);
	if (n <= BODY_BUDGET_SMALL && (cap == 0 || opened ||
	    small_held + n <= cap / BODY_BUDGET_SMALL_SHARE)) {
		held += n;
		small_held += n;
		w->small = 1;
		w->state = BODY_HELD;
		ok = 1;
	} else if ((ok = head == NULL && fits(n)) != 0) {
		held += n;
		w->state = BODY_HELD;
	} else {
		w->state = BODY_QUEUED;
		if (tail != NULL)
			tail->next = w;
		else
			head = w;
		tail = w;
		n_waiting++;
	}
	pthread_mutex_unlock(&mu);
	return ok;
}

int
body_budget_suspended(struct body_waiter *w)
{
	int	granted;

	pthread_mutex_lock(&mu);
	if ((granted = w->state == BODY_GRANTED_EARLY) != 0)
		w->state = BODY_HELD;
	else if (w->state == BODY_EXPIRED)
		granted = 1;
	else if (w->state == BODY_QUEUED)
		w->state = BODY_SUSPENDED;
	pthread_mutex_unlock(&mu);
	return granted;
}

/* Take w out of the line (it is in it). */
static void
unlink_waiter(struct body_waiter *w)
{
	struct body_waiter	*p, *prev = NULL;

	for (p = head; p != NULL && p != w; p = p->next)
		prev = p;
	if (p == NULL)
		return;
	if (prev != NULL)
		prev->next = w->next;
	else
		head = w->next;
	if (tail == w)
		tail = prev;
	n_waiting--;
	w->next = NULL;
}

void
body_budget_release(struct body_waiter *w, void (*resume)(void *))
{
	struct body_waiter	*list;

	pthread_mutex_lock(&mu);
	switch (w->state) {
	case BODY_HELD:
	case BODY_GRANTED_EARLY:
		held -= w->want;
		if (w->small)
			small_held -= w->want;
		w->small = 0;
		break;
	case BODY_QUEUED:
	case BODY_SUSPENDED:
		unlink_waiter(w);
		break;
	case BODY_IDLE:
	case BODY_EXPIRED:
		break;
	}
	w->state = BODY_IDLE;
	list = grant();
	pthread_mutex_unlock(&mu);
	resume_all(list, resume);
}

uint64_t
body_budget_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

size_t
body_budget_expire(uint64_t now_ms, uint64_t max_wait_ms,
    void (*resume)(void *))
{
	struct body_waiter	*w, *list = NULL, *granted, *last;
	size_t			 n = 0;

	/* The line is in arrival order: the expired ones are its head. */
	pthread_mutex_lock(&mu);
	while ((w = head) != NULL && now_ms >= w->since_ms &&
	    now_ms - w->since_ms >= max_wait_ms) {
		unlink_waiter(w);
		n++;
		if (w->state == BODY_SUSPENDED) {
			w->next = list;
			list = w;
		}
		w->state = BODY_EXPIRED;	/* QUEUED: its thread resumes */
	}
	if ((granted = grant()) != NULL) {
		for (last = granted; last->next != NULL; last = last->next)
			continue;
		last->next = list;
		list = granted;
	}
	pthread_mutex_unlock(&mu);
	resume_all(list, resume);
	return n;
}

size_t
body_budget_held(void)
{
	size_t	n;

	pthread_mutex_lock(&mu);
	n = held;
	pthread_mutex_unlock(&mu);
	return n;
}

size_t
body_budget_waiting(void)
{
	size_t	n;

	pthread_mutex_lock(&mu);
	n = n_waiting;
	pthread_mutex_unlock(&mu);
	return n;
}
