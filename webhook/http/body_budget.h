/*
 * body_budget.h - a process-wide cap on the request-body bytes held at
 * once (serve --max-inflight-bytes). A request reserves its Content-Length
 * before its body is read; past the cap it waits in line (its connection
 * suspended, so TCP pushes back on the sender) until earlier requests give
 * their bytes back. First come, first served; a request alone is always
 * admitted, so nothing waits forever. A small body (a typical review)
 * never waits: it is counted but passes the line, so clients that claim
 * big bodies and then stall cannot hold up ordinary reviews. No I/O: the
 * server suspends and resumes connections, this only decides and keeps
 * the line.
 */
#ifndef GITGATE_BODY_BUDGET_H
#define GITGATE_BODY_BUDGET_H

#include <stddef.h>
#include <stdint.h>

enum body_wait_state {
	BODY_IDLE = 0,		/* holds nothing, not in line */
	BODY_QUEUED,		/* in line, connection not yet suspended */
	BODY_SUSPENDED,		/* in line, connection suspended */
	BODY_GRANTED_EARLY,	/* granted before it was suspended */
	BODY_HELD,		/* holds its bytes */
	BODY_EXPIRED		/* waited too long: out of line, holds none */
};

/* One per request; zeroed = BODY_IDLE. */
struct body_waiter {
	struct body_waiter	*next;		/* in line, or to resume */
	size_t			 want;
	enum body_wait_state	 state;
	void			*conn;		/* handed back to resume() */
	uint64_t		 since_ms;	/* in line since, monotonic */
	int			 small;		/* passed the line as small */
};

/*
 * Bodies of at most this many bytes do not wait while the small ones held
 * together stay within cap / BODY_BUDGET_SMALL_SHARE beyond the cap (so
 * a thousand stalled 64 KiB uploads cannot hold 64 MiB); past that they
 * wait in line like the others.
 */
#define BODY_BUDGET_SMALL	(64 * 1024)
#define BODY_BUDGET_SMALL_SHARE	4

/* Cap in bytes; 0 = no cap. Once, before serving. */
void	body_budget_init(size_t cap);
/* Stop waiting for good (drain): everyone in line is granted. */
void	body_budget_open(void (*resume)(void *conn));

/*
 * Reserve n bytes for w. Returns 1 when held (BODY_HELD), 0 when w is in
 * line: the caller suspends the connection, then calls
 * body_budget_suspended().
 */
int	body_budget_take(struct body_waiter *w, size_t n, void *conn);
/*
 * The connection of a waiter in line is now suspended. Returns 1 if the
 * bytes were granted (or the wait expired) in between: the caller resumes
 * it itself.
 */
int	body_budget_suspended(struct body_waiter *w);
/*
 * w is done (answered or closed): its bytes go back, or it leaves the
 * line. Waiters granted by this, whose connections are suspended, are
 * passed to resume() after the lock is dropped.
 */
void	body_budget_release(struct body_waiter *w, void (*resume)(void *conn));

/*
 * Waiters in line for max_wait_ms or more at now_ms (CLOCK_MONOTONIC)
 * leave it as BODY_EXPIRED (the server answers 503); suspended ones are
 * passed to resume() after the lock is dropped, and those behind them
 * may be granted. Returns how many expired.
 */
size_t	body_budget_expire(uint64_t now_ms, uint64_t max_wait_ms,
	    void (*resume)(void *conn));
/* CLOCK_MONOTONIC in milliseconds, the clock of since_ms. */
uint64_t body_budget_now_ms(void);

/* Bytes held and requests in line now (metrics, tests). */
size_t	body_budget_held(void);
size_t	body_budget_waiting(void);

#endif
