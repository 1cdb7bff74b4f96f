/*
 * conn_table.h - the connections being served, by descriptor, with what
 * each is doing and since when: the listener's view for deadlines (first
 * request, whole request, keep-alive idle) and for making room at the
 * connection cap by closing the oldest connection that has not completed
 * a request, or else the oldest idle one (as nginx does). No I/O: a
 * connection is closed through a callback, under the table's lock.
 */
#ifndef GITGATE_CONN_TABLE_H
#define GITGATE_CONN_TABLE_H

#include <pthread.h>
#include <stdint.h>

enum conn_state {
	CONN_FRESH = 1,		/* accepted; TLS and first head pending */
	CONN_REQUEST,		/* a request began (head read), not done */
	CONN_IDLE,		/* kept alive between requests */
	CONN_CLOSING		/* closed by us; waits for its close */
};

/* Why a connection was closed by conn_table_evict / _expire. */
enum conn_why {
	CONN_WHY_PRESSURE = 0,	/* room for a newcomer at the cap */
	CONN_WHY_FIRST,		/* no request head within the deadline */
	CONN_WHY_REQUEST,	/* request (head and body) past its deadline */
	CONN_WHY_IDLE,		/* kept alive, no new request in time */
	CONN_WHY_N
};

struct conn_slot {
	int		 fd;
	enum conn_state	 state;
	uint64_t	 since_ms;	/* entered state, monotonic ms */
};

struct conn_table {
	pthread_mutex_t	 mu;
	struct conn_slot *v;
	unsigned	 cap;
	unsigned	 n;
	unsigned	 closing;	/* slots in CONN_CLOSING */
};

/* Closes fd (shutdown(2): its owner then sees EOF); under the lock. */
typedef void	(*conn_close_fn)(void *cls, int fd, enum conn_why why);

/* The deadlines in ms (0: none) conn_table_expire() enforces. */
struct conn_deadlines {
	uint64_t	first_ms;	/* CONN_FRESH */
	uint64_t	request_ms;	/* CONN_REQUEST */
	uint64_t	idle_ms;	/* CONN_IDLE */
};

/* Room for cap connections. Returns 0, or -1 out of memory. */
int		conn_table_init(struct conn_table *t, unsigned cap);
void		conn_table_free(struct conn_table *t);
/* A new connection, CONN_FRESH. Returns 0, or -1 when the table is full. */
int		conn_table_add(struct conn_table *t, int fd, uint64_t now_ms);
/* fd is closing for good (its owner's notice): forget it. */
void		conn_table_remove(struct conn_table *t, int fd);
/*
 * fd enters CONN_REQUEST or CONN_IDLE at now_ms (a CONN_CLOSING one
 * stays so). Unknown fds are ignored.
 */
void		conn_table_set(struct conn_table *t, int fd, enum conn_state st,
		    uint64_t now_ms);
/*
 * Make room: close the oldest CONN_FRESH connection if it is grace_ms old
 * (younger, it may be a client mid-handshake), else the oldest CONN_IDLE
 * one, else the oldest CONN_FRESH one; unless max_closing are already
 * closing. Returns 1 when one was closed, 0 when none could be.
 */
int		conn_table_evict(struct conn_table *t, uint64_t now_ms,
		    uint64_t grace_ms, unsigned max_closing, conn_close_fn fn,
		    void *cls);
/* Close every connection past its state's deadline; returns how many. */
unsigned	conn_table_expire(struct conn_table *t, uint64_t now_ms,
		    const struct conn_deadlines *d, conn_close_fn fn,
		    void *cls);
/* Connections known, and how many of them are closing. */
unsigned	conn_table_count(struct conn_table *t, unsigned *closing);

#endif
