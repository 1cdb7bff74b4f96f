/*
 * server.c - HTTPS serving with libmicrohttpd. Routes, in one table of
 * path, methods and handler: POST /validate, GET /healthz, /readyz,
 * /metrics. Transport errors become their status where they are found:
 * 404 path, 405 method, 415 type, 413 size (answered before the body is
 * read when Content-Length says so), 503 when a body waited past
 * --body-wait-timeout for budget. Connections come from listener.c, which
 * accepts, enforces --max-connections and the deadlines (it is told when
 * each request begins and ends), and are added to libmicrohttpd's pool,
 * which then owns them.
 */
#include "http/server.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>

#include "admission/admission.h"
#include "http/body_budget.h"
#include "certs/certs.h"
#include "http/listener.h"
#include "base/log.h"
#include "base/metrics.h"
#include "policy/policy_store.h"
#include "http/tls_cert.h"

enum route {
	ROUTE_VALIDATE = 1,
	ROUTE_DONE		/* an answer is already queued */
};

struct request {
	enum route		 route;
	char			*body;		/* allocated when data comes */
	size_t			 len;
	size_t			 cap;
	int			 too_large;
	int			 chunked;	/* no Content-Length */
	int			 waited;	/* was suspended in line */
	struct body_waiter	 budget;	/* cap bytes, reserved */
};

/*
 * libmicrohttpd's own connection limit, split evenly among its workers:
 * each worker's share is above ours, so it never refuses what the
 * listener admitted (a refusal there would go uncounted).
 */
#define SERVER_CONN_HEADROOM	64

struct server {
	struct MHD_Daemon	*daemon;
	struct listener		*listener;
	struct server_config	 cfg;
	char			*ca_pem;
	atomic_int		 inflight;	/* requests begun, not ended */
};

/*
 * Set once SIGTERM arrives: answers then close their connection, so
 * keep-alive clients go elsewhere while in-flight requests finish. One
 * server per process, so one flag.
 */
static atomic_int server_draining;


/* --client-ca: the PEM bundle (certs_read_file's limits), not empty. */
static int
read_client_ca(const char *path, char **out, char *err, size_t errlen)
{
	size_t	len;

	if ((*out = certs_read_file(path, &len, err, errlen)) == NULL)
		return -1;
	if (len == 0) {
		snprintf(err, errlen, "%s: empty file", path);
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* answer()'s flags */
#define ANSWER_FREE	0x1	/* body is ours to free */
#define ANSWER_CLOSE	0x2	/* close the connection after it */

static enum MHD_Result
answer(struct MHD_Connection *c, unsigned status, char *body, size_t len,
    const char *type, int flags)
{
	int			 must_free = flags & ANSWER_FREE;

	struct MHD_Response	*r;
	enum MHD_Result		 ret;

	r = MHD_create_response_from_buffer(len, body, must_free ?
	    MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (r == NULL) {
		if (must_free)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if ((flags & ANSWER_CLOSE) || atomic_load(&server_draining))
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "POST");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
answer_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	return answer(c, status, (char *)(uintptr_t)text, strlen(text),
	    "text/plain; charset=utf-8", 0);
}

/* An answer after which the connection is closed (framing errors). */
static enum MHD_Result
answer_close(struct MHD_Connection *c, unsigned status, const char *text)
{
	metrics_http_error(status);
	return answer(c, status, (char *)(uintptr_t)text, strlen(text),
	    "text/plain; charset=utf-8", ANSWER_CLOSE);
}

/* framing_header()'s tally of the framing headers of a request. */
struct framing {
	unsigned	 n_cl;		/* Content-Length fields */
	unsigned	 n_te;		/* Transfer-Encoding fields */
	int		 cl_differ;	/* two Content-Lengths disagree */
	const char	*cl;		/* the first */
	const char	*te;		/* the first */
};

static enum MHD_Result
framing_header(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct framing	*f = cls;

	(void)kind;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		if (f->n_cl++ == 0)
			f->cl = value;
		else if (strcmp(f->cl, value) != 0)
			f->cl_differ = 1;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		if (f->n_te++ == 0)
			f->te = value;
	}
	return MHD_YES;
}

/*
 * RFC 9112 section 6: a request whose body length is ambiguous is
 * answered at once and its connection closed, before any of its body is
 * read: Content-Length with Transfer-Encoding (request smuggling; a
 * Content-Length: 1 would otherwise reserve 1 byte of body budget for a
 * chunked body), Content-Lengths that disagree or are no number (400), a
 * transfer coding other than chunked alone (501). Returns 0 when the
 * framing is sound, else the status of the answer, whose result is in
 * *ret.
 */
static int
framing_check(struct MHD_Connection *c, enum MHD_Result *ret)
{
	struct framing	 f;
	const char	*p;
	unsigned	 status = 0;

	memset(&f, 0, sizeof(f));
	MHD_get_connection_values(c, MHD_HEADER_KIND, framing_header, &f);
	if (f.n_cl > 0 && f.n_te > 0)
		status = 400;
	else if (f.cl_differ)
		status = 400;
	else if (f.n_cl > 0) {
		for (p = f.cl; *p >= '0' && *p <= '9'; p++)
			continue;
		if (p == f.cl || *p != '\0')
			status = 400;
	} else if (f.n_te > 1 || (f.n_te == 1 &&
	    strcasecmp(f.te, "chunked") != 0))
		status = 501;
	if (status == 0)
		return 0;
	*ret = answer_close(c, status, status == 501 ? "transfer coding not "
	    "implemented: only chunked is\n" : f.n_te > 0 ? "Content-Length "
	    "and Transfer-Encoding together are refused (RFC 9112 6.1)\n" :
	    "Content-Length is ambiguous (RFC 9112 6.3)\n");
	return (int)status;
}

static int
is_json(const char *type)
{
	size_t	n = strlen("application/json");

	if (type == NULL || strncasecmp(type, "application/json", n) != 0)
		return 0;
	return type[n] == '\0' || type[n] == ';' || type[n] == ' ';
}

static enum MHD_Result
serve_healthz(struct server *srv, struct MHD_Connection *c, void **con_cls)
{
	(void)srv;
	(void)con_cls;
	return answer_text(c, 200, "ok\n");
}

static enum MHD_Result
serve_readyz(struct server *srv, struct MHD_Connection *c, void **con_cls)
{
	struct policy_set	*set;

	(void)srv;
	(void)con_cls;
	set = policy_store_acquire();
	policy_store_release(set);
	return set != NULL ? answer_text(c, 200, "ok\n") :
	    answer_text(c, 503, "no policy set loaded\n");
}

static enum MHD_Result
serve_metrics(struct server *srv, struct MHD_Connection *c, void **con_cls)
{
	struct policy_set	*set;
	char			*text;
	size_t			 len;

	(void)srv;
	(void)con_cls;
	set = policy_store_acquire();
	text = metrics_render(set != NULL ? set->generation : 0,
	    set != NULL ? set->sha256 : "", &len);
	policy_store_release(set);
	if (text == NULL)
		return answer_text(c, 500, "out of memory\n");
	return answer(c, 200, text, len,
	    "text/plain; version=0.0.4; charset=utf-8", ANSWER_FREE);
}

/* With --client-ca: 1 if the peer sent a certificate that verifies. */
static int
client_verified(struct server *srv, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo	*ci;
	unsigned int			 status = 0;

	if (srv->ca_pem == NULL)
		return 1;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci == NULL || ci->tls_session == NULL)
		return 0;
	if (gnutls_certificate_verify_peers2(ci->tls_session, &status) != 0)
		return 0;
	return status == 0;
}

/* The connection's socket, as the listener knows it; -1 if unknown. */
static int
conn_fd(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo	*ci;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	return ci != NULL ? ci->connect_fd : -1;
}

/* body_budget's resume: the bytes are ours, read the body now. */
static void
resume_connection(void *conn)
{
	MHD_resume_connection(conn);
}

/* The body is decided or abandoned: its memory and bytes go back. */
static void
request_release(struct request *req)
{
	free(req->body);
	req->body = NULL;
	body_budget_release(&req->budget, resume_connection);
	metrics_body_budget(body_budget_held(), body_budget_waiting());
}

/*
 * First call for POST /validate: check the type, size the body, and
 * reserve its bytes (Content-Length, or --max-body when chunked); when
 * other bodies hold the budget, wait in line with the connection
 * suspended.
 */
static enum MHD_Result
validate_begin(struct server *srv, struct MHD_Connection *c, void **con_cls)
{
	struct request	*req;
	const char	*cl;
	unsigned long long n = 0;
	char		*end;

	if (!is_json(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE)))
		return answer_text(c, 415, "Content-Type must be "
		    "application/json\n");
	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL) {
		errno = 0;
		n = strtoull(cl, &end, 10);
		if (errno != 0 || *end != '\0' || n > srv->cfg.max_body) {
			metrics_http_error(413);
			return answer_text(c, 413, "request body too large\n");
		}
	}
	if ((req = calloc(1, sizeof(*req))) == NULL)
		return MHD_NO;
	req->route = ROUTE_VALIDATE;
	req->cap = n > 0 ? (size_t)n : 16384;
	req->chunked = cl == NULL;
	*con_cls = req;
	if ((n > 0 || req->chunked) && !body_budget_take(&req->budget,
	    req->chunked ? srv->cfg.max_body : (size_t)n, c)) {
		req->waited = 1;
		MHD_suspend_connection(c);
		if (body_budget_suspended(&req->budget))
			MHD_resume_connection(c);	/* granted meanwhile */
	}
	metrics_body_budget(body_budget_held(), body_budget_waiting());
	return MHD_YES;
}

static void
body_append(struct server *srv, struct request *req, const char *data,
    size_t n)
{
	size_t	 want;
	char	*nb;

	if (req->too_large)
		return;
	if (n > srv->cfg.max_body - req->len) {
		req->too_large = 1;
		return;
	}
	if (req->body == NULL &&
	    (req->body = malloc(req->cap + ADMISSION_BODY_PAD)) == NULL) {
		req->too_large = 1;
		return;
	}
	if (req->len + n > req->cap) {
		want = req->cap * 2;
		if (want < req->len + n)
			want = req->len + n;
		if (want > srv->cfg.max_body)
			want = srv->cfg.max_body;
		if ((nb = realloc(req->body, want + ADMISSION_BODY_PAD)) ==
		    NULL) {
			req->too_large = 1;
			return;
		}
		req->body = nb;
		req->cap = want;
	}
	memcpy(req->body + req->len, data, n);
	req->len += n;
}

static enum MHD_Result
validate_finish(struct server *srv, struct MHD_Connection *c,
    struct request *req)
{
	struct admission_opts	 opts;
	struct admission_reply	 rep;
	struct policy_set	*set;

	req->route = ROUTE_DONE;
	if (req->too_large) {
		request_release(req);
		metrics_http_error(413);
		return answer_text(c, 413, "request body too large\n");
	}
	opts = srv->cfg.admission;
	opts.flags |= ADMISSION_OBSERVE;
	set = policy_store_acquire();
	if (req->body != NULL)	/* it has ADMISSION_BODY_PAD spare bytes */
		admission_handle_in_place(set, &opts, req->body, req->len,
		    &rep);
	else
		admission_handle(set, &opts, "", 0, &rep);
	policy_store_release(set);
	request_release(req);
	if (rep.body == NULL)
		return answer_text(c, 500, "out of memory\n");
	if (rep.status != 200)
		metrics_http_error(rep.status);
	return answer(c, (unsigned)rep.status, rep.body, rep.len,
	    "application/json", ANSWER_FREE);
}

#define ROUTE_GET	0x1u
#define ROUTE_HEAD	0x2u
#define ROUTE_POST	0x4u
#define ROUTE_CLIENT_CERT 0x100u	/* --client-ca is checked first */

/* The endpoints: path, methods (and checks), handler of the first call. */
static const struct route_entry {
	const char	*path;
	unsigned	 flags;
	enum MHD_Result	(*begin)(struct server *, struct MHD_Connection *,
			    void **);
} routes[] = {
	{ "/validate", ROUTE_POST | ROUTE_CLIENT_CERT, validate_begin },
	{ "/healthz", ROUTE_GET | ROUTE_HEAD, serve_healthz },
	{ "/readyz", ROUTE_GET | ROUTE_HEAD, serve_readyz },
	{ "/metrics", ROUTE_GET | ROUTE_HEAD, serve_metrics },
};

static unsigned
route_method(const char *method)
{
	if (strcmp(method, MHD_HTTP_METHOD_POST) == 0)
		return ROUTE_POST;
	if (strcmp(method, MHD_HTTP_METHOD_GET) == 0)
		return ROUTE_GET;
	if (strcmp(method, MHD_HTTP_METHOD_HEAD) == 0)
		return ROUTE_HEAD;
	return 0;
}

/* A request's first call: 404 path, 403 client, 405 method, or its route. */
static enum MHD_Result
route_begin(struct server *srv, struct MHD_Connection *c, const char *url,
    const char *method, void **con_cls)
{
	size_t	i;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(url, routes[i].path) != 0)
			continue;
		if ((routes[i].flags & ROUTE_CLIENT_CERT) &&
		    !client_verified(srv, c))
			return answer_text(c, 403, "a client certificate "
			    "signed by --client-ca is required\n");
		if ((routes[i].flags & route_method(method)) == 0)
			return answer_text(c, 405, "method not allowed\n");
		return routes[i].begin(srv, c, con_cls);
	}
	return answer_text(c, 404, "not found\n");
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct server	*srv = cls;
	struct request	*req = *con_cls;

	(void)version;
	if (req == NULL) {	/* the first call; on_completed balances it */
		enum MHD_Result	ret;

		atomic_fetch_add(&srv->inflight, 1);
		listener_request(srv->listener, conn_fd(c), 1);
		if (framing_check(c, &ret) != 0)
			return ret;
		return route_begin(srv, c, url, method, con_cls);
	}
	if (req->route == ROUTE_DONE)
		return MHD_YES;
	if (*upload_data_size > 0) {
		body_append(srv, req, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	/*
	 * No data: the end of the body, or, after waiting in line, the
	 * first call again (libmicrohttpd repeats it on resume).
	 */
	if (req->waited && req->len == 0) {
		req->waited = 0;
		if (req->budget.state == BODY_EXPIRED) {
			req->route = ROUTE_DONE;
			request_release(req);
			return answer_close(c, 503, "busy: no room for the "
			    "request body within --body-wait-timeout\n");
		}
		if (req->chunked || req->cap > 0)
			return MHD_YES;
	}
	return validate_finish(srv, c, req);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct server	*srv = cls;
	struct request	*req = *con_cls;

	(void)toe;
	atomic_fetch_sub(&srv->inflight, 1);
	listener_request(srv->listener, conn_fd(c), 0);
	if (req == NULL)
		return;
	request_release(req);
	free(req);
	*con_cls = NULL;
}

/*
 * The listener's hand-off: libmicrohttpd puts the socket on worker
 * (fd + i) % threads, the first with room, and closes it itself when it
 * cannot (documented for MHD_add_connection, and so in its source).
 */
static int
on_accepted(void *cls, int fd, const struct sockaddr *sa, socklen_t salen)
{
	struct server	*srv = cls;

	if (MHD_add_connection(srv->daemon, fd, sa, salen) == MHD_YES)
		return 0;
	log_msg(LOG_DEBUG, "connection_dropped", "cannot serve a new "
	    "connection: %s", strerror(errno));
	return -1;
}

/* Called for connections that started; the listener counts them. */
static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
    enum MHD_ConnectionNotificationCode toe)
{
	struct server	*srv = cls;

	(void)socket_ctx;
	if (toe == MHD_CONNECTION_NOTIFY_CLOSED)
		listener_closed(srv->listener, conn_fd(c));
}

/* The listener's tick: bodies that waited too long in line get a 503. */
static void
on_tick(void *cls, uint64_t now_ms)
{
	struct server	*srv = cls;

	if (body_budget_expire(now_ms, srv->cfg.body_wait_timeout * 1000ull,
	    resume_connection) > 0)
		metrics_body_budget(body_budget_held(),
		    body_budget_waiting());
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char	msg[512];
	size_t	n;

	(void)cls;
	if (!log_enabled(LOG_DEBUG))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_msg(LOG_DEBUG, "http", "%s", msg);
}

/*
 * libmicrohttpd's daemon: TLS through tls_cert's callback, no listen
 * socket of its own (the listener hands connections over), a pool of
 * cfg.threads workers. trust: the --client-ca bundle, or MHD_OPTION_END.
 */
static struct MHD_Daemon *
daemon_start(struct server *srv, struct MHD_OptionItem *trust)
{
	const struct server_config	*cfg = &srv->cfg;
	unsigned			 flags;

	/* poll, not epoll: epoll spins on a client stalled mid-handshake. */
	flags = MHD_USE_TLS | MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_POLL | MHD_USE_ITC | MHD_USE_NO_LISTEN_SOCKET |
	    MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	return MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv,
	    MHD_OPTION_THREAD_POOL_SIZE, cfg->threads,
	    MHD_OPTION_CONNECTION_LIMIT, cfg->threads * (cfg->conn_limit +
	    SERVER_CONN_HEADROOM),
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
	    MHD_OPTION_CONNECTION_TIMEOUT, cfg->conn_timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, cfg->max_header_bytes,
	    MHD_OPTION_HTTPS_CERT_CALLBACK, tls_cert_retrieve,
	    MHD_OPTION_HTTPS_PRIORITIES, SERVER_TLS_PRIORITIES,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
	    MHD_OPTION_ARRAY, trust,
	    MHD_OPTION_END);
}

/* Defaults for the deadlines left 0, and the listener told of them. */
static void
server_deadlines(struct server *srv)
{
	struct server_config	*cfg = &srv->cfg;
	struct conn_deadlines	 dl;

	if (cfg->first_request_timeout == 0)
		cfg->first_request_timeout = SERVER_FIRST_REQUEST_DEFAULT;
	if (cfg->request_timeout == 0)
		cfg->request_timeout = SERVER_REQUEST_TIMEOUT_DEFAULT;
	if (cfg->body_wait_timeout == 0)
		cfg->body_wait_timeout = SERVER_BODY_WAIT_DEFAULT;
	dl.first_ms = cfg->first_request_timeout * 1000ull;
	dl.request_ms = cfg->request_timeout * 1000ull;
	dl.idle_ms = cfg->conn_timeout * 1000ull;
	listener_deadlines(srv->listener, &dl, on_tick, srv);
}

struct server *
server_start(const struct server_config *cfg, char *err, size_t errlen)
{
	struct server		*srv;
	struct MHD_OptionItem	 trust[2] = {
		{ MHD_OPTION_END, 0, NULL }, { MHD_OPTION_END, 0, NULL }
	};

	if ((srv = calloc(1, sizeof(*srv))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	srv->cfg = *cfg;
	if (srv->cfg.max_header_bytes < SERVER_HEADER_BYTES_MIN)
		srv->cfg.max_header_bytes = SERVER_HEADER_BYTES_DEFAULT;
	if (tls_cert_load(cfg->cert_file, cfg->key_file, err, errlen) == -1)
		goto fail;
	if (cfg->client_ca_file != NULL && read_client_ca(cfg->client_ca_file,
	    &srv->ca_pem, err, errlen) == -1)
		goto fail;
	if (srv->ca_pem != NULL) {
		trust[0].option = MHD_OPTION_HTTPS_MEM_TRUST;
		trust[0].ptr_value = srv->ca_pem;
	}
	if ((srv->listener = listener_open(cfg->listen, cfg->conn_limit, err,
	    errlen)) == NULL)
		goto fail;
	server_deadlines(srv);
	body_budget_init(cfg->max_inflight_bytes != 0 ?
	    cfg->max_inflight_bytes : SERVER_INFLIGHT_BYTES_DEFAULT);
	if ((srv->daemon = daemon_start(srv, trust)) == NULL) {
		snprintf(err, errlen, "cannot start the HTTPS server on %s "
		    "(TLS setup failed: check --tls-cert and --tls-key)",
		    cfg->listen);
		goto fail;
	}
	if (listener_start(srv->listener, on_accepted, srv, err, errlen) == -1)
		goto fail;
	return srv;
fail:
	if (srv->daemon != NULL)
		MHD_stop_daemon(srv->daemon);
	listener_free(srv->listener);
	free(srv->ca_pem);
	free(srv);
	tls_cert_free_all();
	return NULL;
}

int
server_reload_cert(struct server *srv, char *err, size_t errlen)
{
	return tls_cert_load(srv->cfg.cert_file, srv->cfg.key_file, err,
	    errlen);
}

void
server_stop(struct server *srv)
{
	int	waited_ms = 0;

	if (srv == NULL)
		return;
	atomic_store(&server_draining, 1);
	listener_stop(srv->listener);
	/* Nobody waits for body bytes any more: the line is served. */
	body_budget_open(resume_connection);
	/* Let requests already accepted finish (bounded), then stop. */
	while (atomic_load(&srv->inflight) > 0 &&
	    waited_ms < SERVER_DRAIN_MS) {
		usleep(10 * 1000);
		waited_ms += 10;
	}
	MHD_stop_daemon(srv->daemon);
	listener_free(srv->listener);
	free(srv->ca_pem);
	free(srv);
	tls_cert_free_all();
}
