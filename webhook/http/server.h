/*
 * server.h - the HTTPS front: libmicrohttpd with GnuTLS, TLS 1.2+ only,
 * keep-alive, a thread pool on poll(2) fed evenly by one accepting thread
 * (listener.c). It routes and enforces transport limits (method, path,
 * Content-Type, body size) and hands bodies to admission_handle(); it
 * knows nothing of policies beyond the store.
 */
#ifndef GITGATE_SERVER_H
#define GITGATE_SERVER_H

#include <stddef.h>

#include "admission/admission.h"

#define SERVER_MAX_BODY_DEFAULT		(6u * 1024 * 1024)
#define SERVER_MAX_BODY_LIMIT		(64u * 1024 * 1024)
#define SERVER_CONN_LIMIT_DEFAULT	1000
#define SERVER_CONN_TIMEOUT_DEFAULT	120	/* s; > apiserver's 90 s idle */
/*
 * Deadlines, whatever the bytes trickle: accepted to a request's head read
 * (the TLS handshake included); a request's head to its answer; the body
 * budget's line (then 503, well inside the API server's 10 s default and
 * the 5 s of our webhook configuration).
 */
#define SERVER_FIRST_REQUEST_DEFAULT	10	/* s */
#define SERVER_REQUEST_TIMEOUT_DEFAULT	20	/* s */
#define SERVER_BODY_WAIT_DEFAULT	2	/* s */
#define SERVER_HEADER_BYTES_DEFAULT	(32u * 1024)	/* per conn */
#define SERVER_HEADER_BYTES_MIN		(4u * 1024)
#define SERVER_HEADER_BYTES_LIMIT	(1024u * 1024)
#define SERVER_DRAIN_MS			10000	/* SIGTERM: in-flight grace */
/*
 * Request-body bytes held at once, all connections together: past it a
 * request waits, its connection suspended (TCP pushes back), until others
 * finish. A body alone always proceeds. Reviews of a few KiB never wait.
 */
#define SERVER_INFLIGHT_BYTES_DEFAULT	(16u * 1024 * 1024)
#define SERVER_INFLIGHT_BYTES_MIN	(64u * 1024)
#define SERVER_INFLIGHT_BYTES_LIMIT	(4096ull * 1024 * 1024)
/*
 * TLS 1.2+, AEAD ciphers, ECDHE. X25519 first: Go (kube-apiserver) and
 * OpenSSL clients send an X25519 key share, and preferring P-256 would cost
 * every handshake a HelloRetryRequest round trip.
 */
#define SERVER_TLS_PRIORITIES \
	"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:" \
	"+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:" \
	"-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:-GROUP-ALL:+GROUP-X25519:" \
	"+GROUP-SECP256R1:+GROUP-SECP384R1:%SERVER_PRECEDENCE"

struct server_config {
	const char	*listen;	/* "127.0.0.1:8443", "[::]:8443" */
	const char	*cert_file;
	const char	*key_file;
	const char	*client_ca_file;	/* NULL: no client certs */
	size_t		 max_body;
	unsigned	 threads;
	unsigned	 conn_limit;
	unsigned	 conn_timeout;		/* keep-alive idle, s */
	unsigned	 first_request_timeout;	/* s; 0: default */
	unsigned	 request_timeout;	/* s; 0: default */
	unsigned	 body_wait_timeout;	/* s; 0: default */
	size_t		 max_header_bytes;	/* request + headers */
	size_t		 max_inflight_bytes;	/* bodies held; 0: default */
	struct admission_opts admission;	/* --audit, --max-json-depth;
						   the server adds OBSERVE */
};

struct server;

/*
 * Bind, load the key pair and start serving. Returns NULL with the reason
 * in err (bind failure, unreadable certificate...). Free with
 * server_stop().
 */
struct server	*server_start(const struct server_config *cfg, char *err,
		    size_t errlen);

/*
 * Load the certificate and key files again; new handshakes get the new
 * pair. Returns 0, or -1 with the reason in err (the old pair stays).
 */
int		 server_reload_cert(struct server *srv, char *err,
		    size_t errlen);

/*
 * Stop accepting (the listening socket is closed at once); requests already
 * begun finish, for at most SERVER_DRAIN_MS, their answers closing the
 * connection; then free. NULL is a no-op.
 */
void		 server_stop(struct server *srv);

#endif
