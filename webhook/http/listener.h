/*
 * listener.h - the listening socket and the one thread that accepts on it.
 * Every accepted connection is counted against the connection limit and
 * handed to a callback (server.c gives it to libmicrohttpd, which spreads
 * connections evenly over its workers); past the limit it is closed at
 * once. It knows nothing of HTTP or TLS.
 */
#ifndef GITGATE_LISTENER_H
#define GITGATE_LISTENER_H

#include <stddef.h>
#include <sys/socket.h>

#define LISTENER_BACKLOG	1024
/* accept() calls in a row before a stop request is looked at */
#define LISTENER_ACCEPT_BATCH	64
/* out of file descriptors or memory: pause accepting this long */
#define LISTENER_BACKOFF_MS	100

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

/*
 * Bind "host:port" / "[v6]:port" / ":port" and listen; at most limit
 * connections will be open at once. Returns NULL with the reason in err.
 * Nothing is accepted before listener_start(). Free with listener_free().
 */
struct listener	*listener_open(const char *addr, unsigned limit, char *err,
		    size_t errlen);

/*
 * Start the accepting thread: each connection goes to hand(cls, ...).
 * Returns 0, or -1 with the reason in err.
 */
int		 listener_start(struct listener *l, listener_hand_fn hand,
		    void *cls, char *err, size_t errlen);

/*
 * A connection handed over with success has closed: it no longer counts
 * against the limit. Any thread.
 */
void		 listener_closed(struct listener *l);

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
