/*
 * conn_table.c - a fixed array of connection slots under one mutex,
 * searched linearly (at most --max-connections plus the evictions in
 * flight; a few microseconds at a thousand). A slot removed is filled
 * with the last one. Closing happens under the lock, so a descriptor is
 * never closed by us after its owner has let it go.
 */
#include "http/conn_table.h"

#include <stdlib.h>
#include <string.h>

int
conn_table_init(struct conn_table *t, unsigned cap)
{
	memset(t, 0, sizeof(*t));
	if ((t->v = calloc(cap, sizeof(*t->v))) == NULL)
		return -1;
	t->cap = cap;
	pthread_mutex_init(&t->mu, NULL);
	return 0;
}

void
conn_table_free(struct conn_table *t)
{
	if (t->v == NULL)
		return;
	pthread_mutex_destroy(&t->mu);
	free(t->v);
	t->v = NULL;
	t->cap = t->n = 0;
}

static struct conn_slot *
find(struct conn_table *t, int fd)
{
	unsigned	i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].fd == fd)
			return &t->v[i];
	return NULL;
}

int
conn_table_add(struct conn_table *t, int fd, uint64_t now_ms)
{
	int	rc = -1;

	pthread_mutex_lock(&t->mu);
	if (t->n < t->cap) {
		t->v[t->n].fd = fd;
		t->v[t->n].state = CONN_FRESH;
		t->v[t->n].since_ms = now_ms;
		t->n++;
		rc = 0;
	}
	pthread_mutex_unlock(&t->mu);
	return rc;
}

void
conn_table_remove(struct conn_table *t, int fd)
{
	struct conn_slot	*s;

	pthread_mutex_lock(&t->mu);
	if ((s = find(t, fd)) != NULL) {
		if (s->state == CONN_CLOSING)
			t->closing--;
		*s = t->v[--t->n];
	}
	pthread_mutex_unlock(&t->mu);
}

void
conn_table_set(struct conn_table *t, int fd, enum conn_state st,
    uint64_t now_ms)
{
	struct conn_slot	*s;

	pthread_mutex_lock(&t->mu);
	if ((s = find(t, fd)) != NULL && s->state != CONN_CLOSING) {
		s->state = st;
		s->since_ms = now_ms;
	}
	pthread_mutex_unlock(&t->mu);
}

/* Under the lock. */
static void
close_slot(struct conn_table *t, struct conn_slot *s, enum conn_why why,
    conn_close_fn fn, void *cls)
{
	s->state = CONN_CLOSING;
	t->closing++;
	fn(cls, s->fd, why);
}

int
conn_table_evict(struct conn_table *t, uint64_t now_ms, uint64_t grace_ms,
    unsigned max_closing, conn_close_fn fn, void *cls)
{
	struct conn_slot	*fresh = NULL, *idle = NULL, *s;
	unsigned		 i, n;

	pthread_mutex_lock(&t->mu);
	n = t->closing < max_closing ? t->n : 0;
	for (i = 0; i < n; i++) {
		s = &t->v[i];
		if (s->state == CONN_FRESH &&
		    (fresh == NULL || s->since_ms < fresh->since_ms))
			fresh = s;
		else if (s->state == CONN_IDLE &&
		    (idle == NULL || s->since_ms < idle->since_ms))
			idle = s;
	}
	/* a young one may be a client mid-handshake: idle ones go first */
	if (fresh != NULL && now_ms - fresh->since_ms < grace_ms &&
	    idle != NULL)
		fresh = NULL;
	if ((s = fresh != NULL ? fresh : idle) != NULL)
		close_slot(t, s, CONN_WHY_PRESSURE, fn, cls);
	pthread_mutex_unlock(&t->mu);
	return s != NULL;
}

unsigned
conn_table_expire(struct conn_table *t, uint64_t now_ms,
    const struct conn_deadlines *d, conn_close_fn fn, void *cls)
{
	struct conn_slot	*s;
	uint64_t		 limit;
	enum conn_why		 why;
	unsigned		 i, n = 0;

	pthread_mutex_lock(&t->mu);
	for (i = 0; i < t->n; i++) {
		s = &t->v[i];
		switch (s->state) {
		case CONN_FRESH:
			limit = d->first_ms;
			why = CONN_WHY_FIRST;
			break;
		case CONN_REQUEST:
			limit = d->request_ms;
			why = CONN_WHY_REQUEST;
			break;
		case CONN_IDLE:
			limit = d->idle_ms;
			why = CONN_WHY_IDLE;
			break;
		default:
			continue;
		}
		if (limit != 0 && now_ms - s->since_ms >= limit) {
			close_slot(t, s, why, fn, cls);
			n++;
		}
	}
	pthread_mutex_unlock(&t->mu);
	return n;
}

unsigned
conn_table_count(struct conn_table *t, unsigned *closing)
{
	unsigned	n;

	pthread_mutex_lock(&t->mu);
	n = t->n;
	if (closing != NULL)
		*closing = t->closing;
	pthread_mutex_unlock(&t->mu);
	return n;
}
