/*
 * conn.c - one keep-alive HTTPS/1.1 connection over OpenSSL, non-blocking:
 * a bounded dial (connect + TLS 1.3 handshake), then send a prepared
 * request and read its answer as the socket allows, driven by an edge-
 * triggered epoll loop (rate.c, closed.c) or by poll (conn_roundtrip).
 * One request in flight at a time; no pipelining, no reconnect policy.
 */
#include "loadgen.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#define CONN_IN_MIN	(32 << 10)
#define CONN_READ_MIN	(16 << 10)	/* room asked of each SSL_read */

/* not const: OpenSSL's SNI macro casts it to void * */
static char conn_server_name[] = "localhost";

/* The reason for a failed SSL call, into err. */
static void
conn_ssl_error(SSL *ssl, int ret, const char *what, char *err,
    size_t errlen)
{
	char		 buf[160];
	unsigned long	 e;
	int		 kind;
	long		 vr;

	kind = SSL_get_error(ssl, ret);
	e = ERR_get_error();
	ERR_clear_error();
	if (kind == SSL_ERROR_ZERO_RETURN)
		snprintf(err, errlen, "%s: closed by the server", what);
	else if (kind == SSL_ERROR_SYSCALL && e == 0)
		snprintf(err, errlen, "%s: %s", what,
		    errno != 0 ? strerror(errno) : "EOF");
	else if ((vr = SSL_get_verify_result(ssl)) != X509_V_OK)
		snprintf(err, errlen, "%s: certificate: %s", what,
		    X509_verify_cert_error_string(vr));
	else {
		ERR_error_string_n(e, buf, sizeof(buf));
		snprintf(err, errlen, "%s: %s", what, buf);
	}
}

/* Wait for events on fd until deadline. Returns 0, or -1 (timeout). */
static int
conn_wait(int fd, short events, int64_t deadline)
{
	struct pollfd	pfd;
	int64_t		left;
	int		n;

	pfd.fd = fd;
	pfd.events = events;
	do {
		if ((left = deadline - clock_now_ns()) <= 0)
			return -1;
		n = poll(&pfd, 1, (int)((left + 999999) / 1000000));
	} while (n < 0 && errno == EINTR);
	return n > 0 ? 0 : -1;
}

static int
conn_connect(struct lg_conn *c, const struct lg_ctx *x, int64_t deadline,
    char *err, size_t errlen)
{
	socklen_t	len = sizeof(int);
	int		one = 1, soerr = 0;

	c->fd = socket(x->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* as Go does: requests leave in one piece, now */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (const struct sockaddr *)&x->sa, x->salen) == 0)
		return 0;
	if (errno != EINPROGRESS) {
		snprintf(err, errlen, "connect: %s", strerror(errno));
		return -1;
	}
	if (conn_wait(c->fd, POLLOUT, deadline) < 0) {
		snprintf(err, errlen, "connect: timeout");
		return -1;
	}
	getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
	if (soerr != 0) {
		snprintf(err, errlen, "connect: %s", strerror(soerr));
		return -1;
	}
	return 0;
}

int
conn_dial(struct lg_conn *c, const struct lg_ctx *x, int ep,
    int64_t deadline, char *err, size_t errlen)
{
	struct epoll_event	ev;
	int			ret, kind;

	conn_close(c);
	if (conn_connect(c, x, deadline, err, errlen) < 0)
		goto fail;
	if ((c->ssl = SSL_new(x->tls)) == NULL ||
	    SSL_set_fd(c->ssl, c->fd) != 1 ||
	    SSL_set_tlsext_host_name(c->ssl, conn_server_name) != 1 ||
	    (x->o->ca[0] != '\0' &&
	    SSL_set1_host(c->ssl, conn_server_name) != 1)) {
		snprintf(err, errlen, "tls: setup failed");
		goto fail;
	}
	while ((ret = SSL_connect(c->ssl)) != 1) {
		kind = SSL_get_error(c->ssl, ret);
		if (kind != SSL_ERROR_WANT_READ &&
		    kind != SSL_ERROR_WANT_WRITE) {
			conn_ssl_error(c->ssl, ret, "tls", err, errlen);
			goto fail;
		}
		if (conn_wait(c->fd, kind == SSL_ERROR_WANT_READ ? POLLIN :
		    POLLOUT, deadline) < 0) {
			snprintf(err, errlen, "tls: handshake timeout");
			goto fail;
		}
	}
	if (ep >= 0) {
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
		ev.data.ptr = c;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
			snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
			goto fail;
		}
	}
	c->state = CONN_IDLE;
	c->inlen = 0;
	return 0;
fail:
	conn_close(c);
	return -1;
}

void
conn_close(struct lg_conn *c)
{
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	c->ssl = NULL;
	c->fd = -1;
	c->state = CONN_CLOSED;
}

void
conn_free(struct lg_conn *c)
{
	conn_close(c);
	free(c->in);
	c->in = NULL;
	c->incap = c->inlen = 0;
}

enum conn_result
conn_start(struct lg_conn *c, const char *req, size_t len, char *err,
    size_t errlen)
{
	c->out = req;
	c->outlen = len;
	c->outoff = 0;
	c->inlen = 0;
	c->state = CONN_SEND;
	return conn_io(c, err, errlen);
}

/* Read all the socket has into c->in. Returns 0, or -1 and err. */
static int
conn_read(struct lg_conn *c, char *err, size_t errlen)
{
	size_t	n, cap;
	char	*p;
	int	ret;

	for (;;) {
		if (c->incap - c->inlen < CONN_READ_MIN) {
			cap = c->incap ? c->incap * 2 : CONN_IN_MIN;
			if (cap > LG_RESP_MAX + CONN_IN_MIN) {
				snprintf(err, errlen, "answer too large");
				return -1;
			}
			if ((p = realloc(c->in, cap)) == NULL) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			c->in = p;
			c->incap = cap;
		}
		ret = SSL_read_ex(c->ssl, c->in + c->inlen,
		    c->incap - c->inlen, &n);
		if (ret == 1) {
			c->inlen += n;
			continue;
		}
		switch (SSL_get_error(c->ssl, ret)) {
		case SSL_ERROR_WANT_READ:
		case SSL_ERROR_WANT_WRITE:
			return 0;
		default:
			conn_ssl_error(c->ssl, ret, "read", err, errlen);
			return -1;
		}
	}
}

enum conn_result
conn_io(struct lg_conn *c, char *err, size_t errlen)
{
	size_t	n;
	int	ret, kind;

	if (c->state == CONN_CLOSED) {
		snprintf(err, errlen, "not connected");
		return CONN_ERR;
	}
	while (c->state == CONN_SEND && c->outoff < c->outlen) {
		ret = SSL_write_ex(c->ssl, c->out + c->outoff,
		    c->outlen - c->outoff, &n);
		if (ret != 1) {
			kind = SSL_get_error(c->ssl, ret);
			if (kind == SSL_ERROR_WANT_WRITE ||
			    kind == SSL_ERROR_WANT_READ)
				break;
			conn_ssl_error(c->ssl, ret, "write", err, errlen);
			return CONN_ERR;
		}
		c->outoff += n;
	}
	if (c->state == CONN_SEND && c->outoff == c->outlen)
		c->state = CONN_RECV;
	if (conn_read(c, err, errlen) < 0)
		return CONN_ERR;
	if (c->state == CONN_IDLE && c->inlen > 0) {
		snprintf(err, errlen, "unsolicited data from the server");
		return CONN_ERR;
	}
	if (c->state != CONN_RECV)
		return CONN_AGAIN;
	switch (http_parse(c->in, c->inlen, &c->resp, err, errlen)) {
	case 0:
		return CONN_AGAIN;
	case 1:
		break;
	default:
		return CONN_ERR;
	}
	if (c->resp.consumed != c->inlen) {
		snprintf(err, errlen, "data after the answer");
		return CONN_ERR;
	}
	/* c->resp points into c->in until the next read; none comes first */
	c->inlen = 0;
	c->state = CONN_IDLE;
	return CONN_DONE;
}

enum conn_result
conn_roundtrip(struct lg_conn *c, const char *req, size_t len,
    int64_t deadline, char *err, size_t errlen)
{
	enum conn_result	r;

	r = conn_start(c, req, len, err, errlen);
	while (r == CONN_AGAIN) {
		if (conn_wait(c->fd, c->state == CONN_SEND ? POLLIN | POLLOUT :
		    POLLIN, deadline) < 0) {
			snprintf(err, errlen, "timeout");
			return CONN_ERR;
		}
		r = conn_io(c, err, errlen);
	}
	return r;
}

int
conn_epoll_wait(int ep, struct epoll_event *evs, int max, int64_t timeout_ns)
{
	struct timespec	ts;
	int		n;

	if (timeout_ns < 0)
		timeout_ns = 0;
	ts.tv_sec = timeout_ns / LG_NS;
	ts.tv_nsec = timeout_ns % LG_NS;
	n = epoll_pwait2(ep, evs, max, &ts, NULL);
	return n < 0 && errno == EINTR ? 0 : n;
}
