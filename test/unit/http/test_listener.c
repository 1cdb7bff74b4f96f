/*
 * test_listener.c - webhook/http/listener.c's hand-off counting on
 * 127.0.0.1: connections up to the limit are handed over and counted
 * open; past it, with all of them in a request, a newcomer is closed at
 * once (the client reads EOF) and counted refused, and with one idle that
 * one is closed instead and the newcomer handed over; listener_closed()
 * makes room again, a hand-off that fails does not count, and after
 * listener_stop() the kernel refuses. The first-request deadline closes
 * a silent connection; the tick is called. The counts are
 * read where operators see them, in the metrics text. Bad addresses.
 * Every wait is bounded.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/metrics.h"
#include "http/listener.h"
#include "unit.h"

#define LIMIT		3
#define WAIT_MS		5000
#define PRESSURE	"gitgate_connections_closed_total{reason=\"pressure\"}"
#define FIRST		"gitgate_connections_closed_total{reason=\"first_request\"}"

static atomic_int	handed;		/* hand-off calls */
static atomic_int	refuse;		/* 1: the hand-off fails */
static int		held[16];	/* fds handed over and kept */
static atomic_int	n_held;

static int
hand(void *cls, int fd, const struct sockaddr *sa, socklen_t salen)
{
	(void)cls;
	(void)sa;
	(void)salen;
	atomic_fetch_add(&handed, 1);
	if (atomic_load(&refuse)) {
		close(fd);
		return -1;
	}
	held[atomic_fetch_add(&n_held, 1)] = fd;
	return 0;
}

/* The value of a metrics line "name N", or -1. */
static long
gauge(const char *name)
{
	char	*text, *p, want[128];
	size_t	 len;
	long	 v = -1;

	if ((text = metrics_render(0, "", &len)) == NULL)
		return -1;
	snprintf(want, sizeof(want), "\n%s ", name);
	if ((p = strstr(text, want)) != NULL)
		v = strtol(p + strlen(want), NULL, 10);
	free(text);
	return v;
}

static void
sleep_ms(int ms)
{
	struct timespec	ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

/* Wait until handed reaches n (bounded); returns 1 if it did. */
static int
wait_handed(int n)
{
	int	waited;

	for (waited = 0; waited < WAIT_MS; waited += 5) {
		if (atomic_load(&handed) >= n)
			return 1;
		sleep_ms(5);
	}
	return 0;
}

/*
 * The gauge once it reads want, or its last value after the wait: the
 * listener closes a refused socket before it counts it.
 */
static long
gauge_settled(const char *name, long want)
{
	long	v = -1;
	int	waited;

	for (waited = 0; waited < WAIT_MS; waited += 5) {
		if ((v = gauge(name)) == want)
			break;
		sleep_ms(5);
	}
	return v;
}

/* A free port on 127.0.0.1 (bound, read, closed). */
static int
free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd, port = -1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static int
dial(int port)
{
	struct sockaddr_in	sin;
	int			fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* 1 if the server closed fd (EOF or reset) within the wait. */
static int
closed_by_peer(int fd)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	char		c;

	if (poll(&pfd, 1, WAIT_MS) != 1)
		return 0;
	return read(fd, &c, 1) <= 0;
}

static void
test_counting(void)
{
	struct listener	*l;
	char		 addr[64], err[256];
	int		 port, c[LIMIT + 3], i, extra;

	if ((port = free_port()) == -1)
		return;
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	l = listener_open(addr, LIMIT, err, sizeof(err));
	CHECK(l != NULL);
	if (l == NULL)
		return;
	CHECK_INT(listener_start(l, hand, NULL, err, sizeof(err)), 0);
	for (i = 0; i < LIMIT; i++)
		c[i] = dial(port);
	CHECK(wait_handed(LIMIT));
	CHECK_INT(atomic_load(&n_held), LIMIT);
	CHECK_INT(gauge("gitgate_open_connections"), LIMIT);
	CHECK_INT(gauge("gitgate_connections_refused_total"), 0);
	/* every connection in a request: one past the limit is refused */
	for (i = 0; i < LIMIT; i++)
		listener_request(l, held[i], 1);
	extra = dial(port);
	CHECK(extra != -1 && closed_by_peer(extra));
	close(extra);
	CHECK_INT(gauge_settled("gitgate_connections_refused_total", 1), 1);
	CHECK_INT(atomic_load(&handed), LIMIT);
	CHECK_INT(gauge("gitgate_open_connections"), LIMIT);
	/* one idle again: it is closed to make room for the newcomer */
	listener_request(l, held[0], 0);
	c[LIMIT] = dial(port);
	CHECK(wait_handed(LIMIT + 1));
	CHECK(closed_by_peer(c[0]));
	CHECK_INT(gauge(PRESSURE), 1);
	CHECK_INT(gauge("gitgate_connections_refused_total"), 1);
	close(held[0]);			/* the owner sees EOF, closes */
	listener_closed(l, held[0]);
	CHECK_INT(gauge("gitgate_open_connections"), LIMIT);
	/* a hand-off that fails gives its place back */
	close(held[1]);
	listener_closed(l, held[1]);
	atomic_store(&refuse, 1);
	c[LIMIT + 1] = dial(port);
	CHECK(wait_handed(LIMIT + 2));
	CHECK(closed_by_peer(c[LIMIT + 1]));
	CHECK_INT(gauge_settled("gitgate_open_connections", LIMIT - 1),
	    LIMIT - 1);
	CHECK_INT(gauge("gitgate_connections_refused_total"), 1);
	/* stopped: the kernel refuses */
	listener_stop(l);
	listener_stop(l);			/* idempotent */
	c[LIMIT + 2] = dial(port);
	CHECK_INT(c[LIMIT + 2], -1);
	for (i = 0; i < LIMIT + 2; i++)
		if (c[i] != -1)
			close(c[i]);
	for (i = 2; i < atomic_load(&n_held); i++)
		close(held[i]);
	listener_free(l);
	listener_free(NULL);
}

static const struct {
	const char	*addr;
	const char	*want;		/* err starts with it */
} bad[] = {
	{ "8443", "--listen 8443: expected ADDR:PORT" },
	{ "127.0.0.1:notaport", "--listen 127.0.0.1:notaport: " },
	{ "256.1.1.1:8443", "--listen 256.1.1.1:8443: " },
};

static atomic_int	ticks;

static void
tick(void *cls, uint64_t now_ms)
{
	(void)cls;
	(void)now_ms;
	atomic_fetch_add(&ticks, 1);
}

/* A connection that never begins a request is closed at the deadline. */
static void
test_first_deadline(void)
{
	struct listener		*l;
	struct conn_deadlines	 dl = { 300, 0, 0 };
	char			 addr[64], err[256];
	int			 port, c, silent;
	long			 first0;
	uint64_t		 t0;

	if ((port = free_port()) == -1)
		return;
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	if ((l = listener_open(addr, LIMIT, err, sizeof(err))) == NULL) {
		CHECK(0);
		return;
	}
	atomic_store(&refuse, 0);
	atomic_store(&n_held, 0);
	atomic_store(&handed, 0);
	first0 = gauge(FIRST);
	listener_deadlines(l, &dl, tick, NULL);
	CHECK_INT(listener_start(l, hand, NULL, err, sizeof(err)), 0);
	t0 = listener_now_ms();
	silent = dial(port);
	c = dial(port);
	CHECK(wait_handed(2));
	listener_request(l, held[1], 1);	/* busy: no first deadline */
	CHECK(closed_by_peer(silent));
	CHECK(listener_now_ms() - t0 >= 300);
	CHECK(listener_now_ms() - t0 < 300 + 2 * LISTENER_TICK_MS + 500);
	CHECK_INT(gauge(FIRST), first0 + 1);
	CHECK(atomic_load(&ticks) > 0);
	close(silent);
	close(c);
	listener_closed(l, held[0]);
	listener_closed(l, held[1]);
	close(held[0]);
	close(held[1]);
	listener_free(l);
}

static void
test_bad(void)
{
	char	err[256];
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECK(listener_open(bad[i].addr, 1, err, sizeof(err)) == NULL);
		CHECK(strncmp(err, bad[i].want, strlen(bad[i].want)) == 0);
	}
}

int
main(void)
{
	test_counting();
	test_first_deadline();
	test_bad();
	return unit_done("listener");
}
