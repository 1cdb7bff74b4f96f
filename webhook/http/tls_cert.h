/*
 * tls_cert.h - the serving key pair, reloadable without a restart. Each
 * load builds a new generation (GnuTLS pcerts + private key) and publishes
 * it with one atomic store; the handshake callback hands the current one to
 * GnuTLS. GnuTLS does not take ownership, so generations live until
 * tls_cert_free_all() at exit (a rotation costs a few KiB, once a month).
 * tls_cert_check() says what is wrong with a pair before it is loaded.
 */
#ifndef GITGATE_TLS_CERT_H
#define GITGATE_TLS_CERT_H

#include <stddef.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <time.h>

#include "certs/certs.h"

#define TLS_CERT_CHAIN_MAX	8

/*
 * Load cert_file (PEM chain, leaf first) and key_file, check they belong
 * together, and make them the pair new handshakes get. Returns 0, or -1
 * with the reason in err; on -1 the previous pair stays in force.
 */
int	tls_cert_load(const char *cert_file, const char *key_file, char *err,
	    size_t errlen);

/*
 * Check a serving pair before it is used, with GnuTLS only (serve never
 * initialises OpenSSL): cert_file holds one or more PEM certificates (the
 * first is the leaf, the rest its chain), key_file an unencrypted PEM
 * private key; each at most CERTS_FILE_MAX bytes. Fails, naming the file,
 * when a file is missing or unreadable (strerror), is not PEM or holds no
 * certificate / private key, when the key does not match the leaf ("K does
 * not match the certificate in C"), or when at time now the leaf is not
 * yet valid or has expired (the message carries the date as ISO-8601 UTC).
 * flags: 0, or CERTS_ALLOW_EXPIRED to accept an expired leaf: it still
 * returns 0, and err holds "C: warning: certificate expired at ...".
 * Returns 0 with *info filled (info may be NULL) and err set to "" or that
 * warning; -1 with the reason in err (*info is then unspecified).
 */
int	tls_cert_check(const char *cert_file, const char *key_file,
	    time_t now, unsigned flags, struct certs_info *info, char *err,
	    size_t errlen);

/* The MHD_OPTION_HTTPS_CERT_CALLBACK function. */
int	tls_cert_retrieve(gnutls_session_t session,
	    const gnutls_datum_t *req_ca_rdn, int nreqs,
	    const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
	    gnutls_pcert_st **pcert, unsigned int *pcert_length,
	    gnutls_privkey_t *privkey);

/* Free every generation. Only when no TLS session can start any more. */
void	tls_cert_free_all(void);

#endif
