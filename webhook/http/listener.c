/*
 * listener.c - bind, listen, and accept on one thread. libmicrohttpd's
 * thread pool would have every worker race for the listening socket, and
 * a burst of keep-alive connections (kube-apiserver's) often lands on one
 * worker and stays there; one acceptor handing connections over spreads
 * them. The connection limit is enforced here, exactly: past it a new
 * connection is closed at once instead of waiting in the backlog.
 */
#include "http/listener.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/metrics.h"
#include "http/conn_table.h"

/* Refusals and closes since the last warning, for the next one. */
struct listener_tally {
	time_t		 warned;
	unsigned long	 n[CONN_WHY_N + 1];	/* + refused */
};

struct listener {
	int			 fd;		/* listening; -1 once stopped */
	int			 wake[2];	/* stop pipe: write end wakes */
	unsigned		 limit;
	atomic_uint		 open;		/* handed over, not closed */
	listener_hand_fn	 hand;
	void			*cls;
	pthread_t		 thread;
	int			 running;
	time_t			 warned;	/* last accept warning */
	struct conn_table	 tab;
	struct conn_deadlines	 dl;
	listener_tick_fn	 tick;
	void			*tick_cls;
	uint64_t		 last_tick;
	struct listener_tally	 tally;
};

/* What the tally counts past the conn_why reasons. */
#define TALLY_REFUSED	CONN_WHY_N

uint64_t
listener_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Parse "host:port" / "[v6]:port" / ":port" and bind a listening socket.
 * An IPv6 socket also takes IPv4 (IPV6_V6ONLY off, whatever the
 * net.ipv6.bindv6only sysctl says), so "[::]:8443" serves both families.
 */
static int
bind_socket(const char *listen_addr, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	char		 host[256], *port;
	const char	*h;
	int		 fd = -1, one = 1, zero = 0, rc;

	snprintf(host, sizeof(host), "%s", listen_addr);
	if ((port = strrchr(host, ':')) == NULL) {
		snprintf(err, errlen, "--listen %s: expected ADDR:PORT",
		    listen_addr);
		return -1;
	}
	*port++ = '\0';
	h = host;
	if (host[0] == '[' && port - host >= 3 && port[-2] == ']') {
		port[-2] = '\0';
		h = host + 1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(*h ? h : NULL, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "--listen %s: %s", listen_addr,
		    gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, 0);
		if (fd == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
			    sizeof(zero));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, LISTENER_BACKLOG) == 0)
			break;
		snprintf(err, errlen, "--listen %s: %s", listen_addr,
		    strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

struct listener *
listener_open(const char *addr, unsigned limit, char *err, size_t errlen)
{
	struct listener	*l;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->limit = limit;
	l->fd = -1;
	l->wake[0] = l->wake[1] = -1;
	if (conn_table_init(&l->tab, limit + LISTENER_CLOSING_MAX) == -1) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (pipe2(l->wake, O_CLOEXEC | O_NONBLOCK) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		l->wake[0] = l->wake[1] = -1;
		goto fail;
	}
	if ((l->fd = bind_socket(addr, err, errlen)) == -1)
		goto fail;
	return l;
fail:
	listener_free(l);
	return NULL;
}

/* accept() cannot go on (no descriptors, no memory): say so, now and then. */
static void
warn_exhausted(struct listener *l, int e)
{
	time_t	now = time(NULL);

	if (now - l->warned < 10)
		return;
	l->warned = now;
	log_msg(LOG_WARN, "accept_failed", "cannot accept connections: %s "
	    "(%u open); retrying every %d ms", strerror(e),
	    atomic_load(&l->open), LISTENER_BACKOFF_MS);
}

/*
 * Connections refused and closed under pressure or past a deadline: one
 * warning per LISTENER_WARN_EVERY_S with the counts since the last, not
 * one a connection (a flood would flood the log too). Idle keep-alive
 * connections closed are only counted (metrics).
 */
static void
tally_flush(struct listener *l)
{
	struct listener_tally	*t = &l->tally;
	time_t			 now = time(NULL);

	if (t->n[TALLY_REFUSED] + t->n[CONN_WHY_PRESSURE] +
	    t->n[CONN_WHY_FIRST] + t->n[CONN_WHY_REQUEST] == 0 ||
	    now - t->warned < LISTENER_WARN_EVERY_S)
		return;
	t->warned = now;
	log_msg(LOG_WARN, "connections_closed", "%lu refused, %lu of the "
	    "oldest without a request closed for room (--max-connections "
	    "%u), %lu closed with no request in time, %lu with a request "
	    "past its deadline", t->n[TALLY_REFUSED], t->n[CONN_WHY_PRESSURE],
	    l->limit, t->n[CONN_WHY_FIRST], t->n[CONN_WHY_REQUEST]);
	memset(t->n, 0, sizeof(t->n));
}

/* conn_table's close: the owner (libmicrohttpd) sees EOF and closes. */
static void
close_conn(void *cls, int fd, enum conn_why why)
{
	struct listener	*l = cls;

	shutdown(fd, SHUT_RDWR);
	metrics_connection_closed((enum metrics_closed)why);
	l->tally.n[why]++;
}

/*
 * At the limit: room is being made (connections closing), or one is
 * closed to make it. Returns 1 when the newcomer may be admitted.
 */
static int
make_room(struct listener *l)
{
	unsigned	closing;

	(void)conn_table_count(&l->tab, &closing);
	if (atomic_load(&l->open) < l->limit + closing)
		return 1;
	return conn_table_evict(&l->tab, listener_now_ms(),
	    LISTENER_FRESH_GRACE_MS, LISTENER_CLOSING_MAX, close_conn, l);
}

/* One accepted socket: handed over, or at the limit closed at once. */
static void
admit(struct listener *l, int fd, const struct sockaddr *sa, socklen_t salen)
{
	unsigned	n;

	/* Only this thread adds, so the check cannot be overtaken. */
	if ((atomic_load(&l->open) >= l->limit && !make_room(l)) ||
	    conn_table_add(&l->tab, fd, listener_now_ms()) == -1) {
		close(fd);
		metrics_connection_refused();
		l->tally.n[TALLY_REFUSED]++;
		return;
	}
	n = atomic_fetch_add(&l->open, 1) + 1;
	metrics_connections(n);
	if (l->hand(l->cls, fd, sa, salen) == -1)
		listener_closed(l, fd);
}

/* Every LISTENER_TICK_MS: deadlines, warnings, then the owner's tick. */
static void
listener_tick(struct listener *l)
{
	uint64_t	now = listener_now_ms();

	if (now - l->last_tick < LISTENER_TICK_MS)
		return;
	l->last_tick = now;
	(void)conn_table_expire(&l->tab, now, &l->dl, close_conn, l);
	tally_flush(l);
	if (l->tick != NULL)
		l->tick(l->tick_cls, now);
}

/*
 * Accept what is waiting, up to a batch. Returns 0, or -1 when accept()
 * cannot go on (the caller pauses, as the socket stays readable).
 */
static int
accept_batch(struct listener *l)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 i, fd;

	for (i = 0; i < LISTENER_ACCEPT_BATCH; i++) {
		len = sizeof(ss);
		fd = accept4(l->fd, (struct sockaddr *)&ss, &len,
		    SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd != -1) {
			admit(l, fd, (struct sockaddr *)&ss, len);
			continue;
		}
		switch (errno) {
		case EAGAIN:
#if EWOULDBLOCK != EAGAIN
		case EWOULDBLOCK:
#endif
			return 0;
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
		case EBADF:	/* cannot happen; never spin on it */
		case EINVAL:
		case ENOTSOCK:
			warn_exhausted(l, errno);
			return -1;
		default:	/* the peer gave up, a network error: next */
			break;
		}
	}
	return 0;
}

static void *
listener_main(void *arg)
{
	struct listener	*l = arg;
	struct pollfd	 pfd[2];
	int		 paused = 0, n;

	pfd[0].fd = l->wake[0];
	pfd[0].events = POLLIN;
	pfd[1].fd = l->fd;
	pfd[1].events = POLLIN;
	for (;;) {
		/* Paused: wait on the stop pipe alone, for a while. */
		n = poll(pfd, paused ? 1 : 2, paused ? LISTENER_BACKOFF_MS :
		    LISTENER_TICK_MS);
		if (n == -1 && errno != EINTR) {
			log_msg(LOG_ERROR, "accept_failed", "poll: %s",
			    strerror(errno));
			break;
		}
		if (pfd[0].revents != 0)
			break;
		if (n > 0 || paused)
			paused = accept_batch(l) == -1;
		listener_tick(l);
	}
	return NULL;
}

void
listener_deadlines(struct listener *l, const struct conn_deadlines *dl,
    listener_tick_fn tick, void *cls)
{
	l->dl = *dl;
	l->tick = tick;
	l->tick_cls = cls;
}

int
listener_start(struct listener *l, listener_hand_fn hand, void *cls,
    char *err, size_t errlen)
{
	int	rc;

	l->hand = hand;
	l->cls = cls;
	if ((rc = pthread_create(&l->thread, NULL, listener_main, l)) != 0) {
		snprintf(err, errlen, "cannot start the accepting thread: %s",
		    strerror(rc));
		return -1;
	}
	l->running = 1;
	pthread_setname_np(l->thread, "gitgate-accept");	/* for top -H */
	return 0;
}

void
listener_closed(struct listener *l, int fd)
{
	unsigned	n;

	conn_table_remove(&l->tab, fd);
	n = atomic_fetch_sub(&l->open, 1) - 1;
	metrics_connections(n);
}

void
listener_request(struct listener *l, int fd, int begins)
{
	conn_table_set(&l->tab, fd, begins ? CONN_REQUEST : CONN_IDLE,
	    listener_now_ms());
}

void
listener_stop(struct listener *l)
{
	ssize_t	n;

	if (l->running) {
		do
			n = write(l->wake[1], "x", 1);
		while (n == -1 && errno == EINTR);
		pthread_join(l->thread, NULL);
		l->running = 0;
	}
	if (l->fd != -1)
		close(l->fd);
	l->fd = -1;
}

void
listener_free(struct listener *l)
{
	if (l == NULL)
		return;
	listener_stop(l);
	if (l->wake[0] != -1)
		close(l->wake[0]);
	if (l->wake[1] != -1)
		close(l->wake[1]);
	conn_table_free(&l->tab);
	free(l);
}
