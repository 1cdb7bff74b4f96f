/*
 * listener.h - the listening socket and the one thread that accepts on it.
 * Every accepted connection is counted against the connection limit and
 * handed to a callback (server.c gives it to libmicrohttpd, which spreads
 * connections evenly over its workers); past the limit it is closed at
 * once, unless the oldest connection with no request yet (or the oldest
 * idle one) can be closed to make room. It knows nothing of HTTP or TLS.
 */
#ifndef GITGATE_LISTENER_H
#define GITGATE_LISTENER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "http/conn_table.h"

#define LISTENER_BACKLOG	1024
/* accept() calls in a row before a stop request is looked at */
#define LISTENER_ACCEPT_BATCH	64
/* out of file descriptors or memory: pause accepting this long */
#define LISTENER_BACKOFF_MS	100
/* deadlines are looked at this often (and the owner's tick called) */
#define LISTENER_TICK_MS	200
/* at the limit: connections closed for room, not yet gone, at most */
#define LISTENER_CLOSING_MAX	64
/* at the limit, a connection younger than this with no request yet
 * (mid-handshake, perhaps) is closed only when no idle one is left */
#define LISTENER_FRESH_GRACE_MS	1000
/* refused / closed connections: one warning per this many seconds */
#define LISTENER_WARN_EVERY_S	10

struct listener;

/*
 * Takes fd, a connection just accepted (non-blocking, close-on-exec), and
 * its peer address, borrowed for the call. It owns fd from then on, on
 * failure too. Returns 0 when the connection is being served (and will
 * be given back with listener_closed()), -1 when fd has been closed
 * without being served.
 */
typedef int	(*listener_hand_fn)(void *cls, int fd,
		    const struct sockaddr *sa, socklen_t salen);

/* Called by the accepting thread every LISTENER_TICK_MS (monotonic ms). */
typedef void	(*listener_tick_fn)(void *cls, uint64_t now_ms);

/*
 * Bind "host:port" / "[v6]:port" / ":port" and listen; at most limit
 * connections will be open at once. Returns NULL with the reason in err.
 * Nothing is accepted before listener_start(). Free with listener_free().
 */
struct listener	*listener_open(const char *addr, unsigned limit, char *err,
		    size_t errlen);

/*
 * Before listener_start(): the deadlines the accepting thread enforces on
 * the connections it handed over (closing them with shutdown(2)), and a
 * tick for the owner's own timers (NULL: none).
 */
void		 listener_deadlines(struct listener *l,
		    const struct conn_deadlines *dl, listener_tick_fn tick,
		    void *cls);
/*
 * Start the accepting thread: each connection goes to hand(cls, ...).
 * Returns 0, or -1 with the reason in err.
 */
int		 listener_start(struct listener *l, listener_hand_fn hand,
		    void *cls, char *err, size_t errlen);

/*
 * A connection handed over with success is closing (fd still open): it
 * no longer counts against the limit. Any thread.
 */
void		 listener_closed(struct listener *l, int fd);
/*
 * The connection on fd began a request (its head is read; begins = 1) or
 * ended one (0): its deadline is the request's, or the idle one. At the
 * limit, a connection in a request is never closed for room. Any thread.
 */
void		 listener_request(struct listener *l, int fd, int begins);
/* CLOCK_MONOTONIC in milliseconds. */
uint64_t	 listener_now_ms(void);

/*
 * Stop accepting and close the listening socket, at once; new clients
 * are then refused by the kernel. Connections already handed over are
 * not touched. Returns when the accepting thread has ended. Idempotent.
 */
void		 listener_stop(struct listener *l);

/*
 * listener_stop(), then free. Call it once nothing will call
 * listener_closed() any more. NULL is a no-op.
 */
void		 listener_free(struct listener *l);

#endif
