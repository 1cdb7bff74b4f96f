/*
 * loadgen.h - the benchmark's own HTTPS/1.1 load generator, for what wrk
 * cannot do (open-loop fixed rates, checked answers, idle connections).
 * One thread, one epoll loop, OpenSSL, nanosecond timers: see rate.c for
 * why. Shared types and the contracts of conn.c, http.c, stats.c and the
 * three modes. Not a general HTTP client: one request in flight per
 * keep-alive connection, answers framed by Content-Length or chunked.
 */
#ifndef LOADGEN_H
#define LOADGEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

#define LG_ERR_LEN	256
#define LG_RESP_MAX	(4 << 20)	/* an answer larger than this: error */
#define LG_UID_MAX	128		/* longest request.uid accepted */
#define LG_NS		1000000000LL

/* One -body spec: the whole HTTP request, built once. */
struct lg_body {
	char		*file;
	char		*req;
	size_t		 reqlen;
	char		 uid[LG_UID_MAX + 16];	/* "uid":"..." */
	const char	*allowed;		/* "allowed":true or false */
	int		 weight;
};

/* The command line (Go flag syntax: -name value, -name=value). */
struct lg_opts {
	const char	*addr;
	const char	*ca;
	const char	*mode;
	const char	*body;
	const char	*path;
	long long	 conns;
	double		 rate;
	long long	 duration;	/* every duration in ns */
	long long	 warmup;
	long long	 requests;
	long long	 max_time;
	long long	 hold;
	long long	 spin;
	long long	 slice;
	int		 check;
};

/* What every mode needs: options, TLS context, the resolved address. */
struct lg_ctx {
	const struct lg_opts	*o;
	SSL_CTX			*tls;
	struct sockaddr_storage	 sa;
	socklen_t		 salen;
	struct lg_body		*bodies;
	size_t			 nbodies;
};

/*
 * body.c: parse the -body specs and build each request (path in its
 * request line). Returns 0, or -1 and err; either way the caller frees
 * *out with body_free(*out, *n).
 */
int	body_load(const char *spec, const char *path, struct lg_body **out,
	    size_t *n, char *err, size_t errlen);
void	body_free(struct lg_body *bs, size_t n);

/* http.c: one parsed answer; body points into the parsed buffer. */
struct http_resp {
	int		 code;
	const char	*body;
	size_t		 bodylen;
	size_t		 consumed;	/* bytes of the buffer it took */
};

/*
 * Parse one HTTP/1.x answer at the start of buf[0..len). Returns 1 when it
 * is complete (r filled; a chunked body is decoded in place, so buf is
 * modified), 0 when more bytes are needed, -1 when it is malformed (reason
 * in err).
 */
int	http_parse(char *buf, size_t len, struct http_resp *r, char *err,
	    size_t errlen);

enum conn_state { CONN_CLOSED, CONN_IDLE, CONN_SEND, CONN_RECV };
enum conn_result { CONN_ERR = -1, CONN_AGAIN = 0, CONN_DONE = 1 };

/*
 * One keep-alive TLS connection (a slot: dialled again in place after an
 * error, so an epoll event for a closed one is harmless). The caller's
 * bookkeeping rides along: the request's index, due and send times.
 */
struct lg_conn {
	int			 fd;
	SSL			*ssl;
	enum conn_state		 state;
	const char		*out;
	size_t			 outlen;
	size_t			 outoff;
	char			*in;
	size_t			 inlen;
	size_t			 incap;
	struct http_resp	 resp;	/* valid after CONN_DONE */
	const struct lg_body	*body;
	long long		 idx;
	int64_t			 due;
	int64_t			 sent;
};

/*
 * Connect and handshake (TLS 1.3, SNI and certificate name "localhost"),
 * waiting at most until deadline (clock_now_ns). The socket is left non-
 * blocking; with ep >= 0 it is added to that epoll set (edge-triggered,
 * data.ptr = c). Returns 0, or -1 with the reason in err and c closed.
 */
int	conn_dial(struct lg_conn *c, const struct lg_ctx *x, int ep,
	    int64_t deadline, char *err, size_t errlen);
/* Close the connection; the slot stays usable. A closed one is a no-op. */
void	conn_close(struct lg_conn *c);
/* Free the slot's buffers too. */
void	conn_free(struct lg_conn *c);
/* Begin sending req (borrowed until CONN_DONE); returns as conn_io. */
enum conn_result conn_start(struct lg_conn *c, const char *req, size_t len,
	    char *err, size_t errlen);
/*
 * Make what progress the socket allows (edge-triggered: reads until it
 * would block). CONN_DONE: the answer is in c->resp, the slot is idle
 * again; CONN_AGAIN: wait for the next event; CONN_ERR: reason in err.
 */
enum conn_result conn_io(struct lg_conn *c, char *err, size_t errlen);
/* conn_start, then wait (poll) for the answer until deadline. */
enum conn_result conn_roundtrip(struct lg_conn *c, const char *req,
	    size_t len, int64_t deadline, char *err, size_t errlen);

/*
 * Wait at most timeout_ns (nanosecond resolution: epoll_pwait2) for events
 * on ep. Returns the number of events (0 on timeout or EINTR), or -1.
 */
int	conn_epoll_wait(int ep, struct epoll_event *evs, int max,
	    int64_t timeout_ns);

/* stats.c: all samples kept, in ns; percentiles by sorting. */
struct lg_samples {
	int64_t		*v;
	size_t		 n;
	size_t		 cap;
};

/* Room for cap samples, touched now. Returns 0 or -1 (no memory). */
int	samples_init(struct lg_samples *s, size_t cap);
void	samples_add(struct lg_samples *s, int64_t ns);
void	samples_free(struct lg_samples *s);
/* Sort s and write "key":{"max":..,"mean":..,"p50":..} (ms) to f. */
void	samples_emit(FILE *f, const char *key, struct lg_samples *s);
/* Write s as a JSON string, escaped. */
void	json_string(FILE *f, const char *s);

int64_t	clock_now_ns(void);

/* The modes; each writes one JSON object on stdout. 0, or -1 and err. */
int	rate_run(const struct lg_ctx *x, char *err, size_t errlen);
int	closed_run(const struct lg_ctx *x, char *err, size_t errlen);
int	hold_run(const struct lg_ctx *x, char *err, size_t errlen);

#endif
