/*
 * certs.h - the certificates gitgate serves with: generate a small CA and
 * a serving certificate (`gitgate certs`), describe a certificate, and
 * encode a CA as a Kubernetes caBundle. OpenSSL 3 EVP only. It does not
 * serve TLS, check the serving pair (tls_cert_check() does, with GnuTLS,
 * so that serve never initialises OpenSSL) or talk to Kubernetes.
 */
#ifndef GITGATE_CERTS_H
#define GITGATE_CERTS_H

#include <stddef.h>
#include <time.h>

#define CERTS_DAYS_DEFAULT	365	/* `gitgate certs` without --days */
#define CERTS_DAYS_MAX		3650
#define CERTS_DNS_MAX		64	/* names per serving certificate */
#define CERTS_NAME_MAX		253	/* one DNS name (RFC 1035) */
#define CERTS_FILE_MAX		(1024 * 1024)	/* larger PEM files: error */

/*
 * Read all of path (a regular file of at most CERTS_FILE_MAX bytes) into a
 * malloc'd, NUL-terminated buffer the caller frees. NULL with err set.
 * Plain I/O, no OpenSSL: serve's GnuTLS checks read with it too.
 */
char	*certs_read_file(const char *path, size_t *lenp, char *err,
	    size_t errlen);
#define CERTS_BACKDATE_SECS	300	/* notBefore = now - 5 min (skew) */

/* tls_cert_check() flags (webhook/tls_cert.h: serve checks with GnuTLS) */
#define CERTS_ALLOW_EXPIRED	0x1u	/* expired: succeed, warning in err */

/*
 * Create out_dir (and missing parents, mode 0755) and write, each atomically
 * (temp file in out_dir, then rename), replacing existing files:
 *   ca.crt, ca.key    self-signed CA "gitgate-ca" (P-256), mode 0644 / 0600
 *   tls.crt, tls.key  serving cert signed by it, CN = dns[0], a SAN for
 *                     every name (IP SAN for an IPv4/IPv6 literal, DNS SAN
 *                     otherwise), serverAuth + clientAuth, valid from
 *                     now - CERTS_BACKDATE_SECS for days days
 * Key files are created 0600 and are never readable by others.
 * dns: 1..CERTS_DNS_MAX names, each a DNS name (letters, digits, '-', '.',
 * optional leading "*.") or an IP literal; dns[0], the CN, at most 64
 * characters. days: 1..CERTS_DAYS_MAX.
 * Returns 0, or -1 with the reason in err (files already renamed into place
 * stay; no temp file is left behind). Arguments are only read.
 */
int	certs_generate(const char *out_dir, const char *const *dns,
	    size_t n_dns, int days, char *err, size_t errlen);

/*
 * The bytes of ca_file (at most CERTS_FILE_MAX, must contain a PEM
 * certificate) as one line of standard base64, no newlines: the value of a
 * webhook's clientConfig.caBundle. Returns a NUL-terminated string the
 * caller frees with free(), or NULL with the reason in err.
 */
char	*certs_ca_bundle_base64(const char *ca_file, char *err, size_t errlen);

/* What certs_info_file() and tls_cert_check() report about a leaf. */
struct certs_info {
	time_t	not_before;
	time_t	not_after;
	char	subject[256];	/* RFC 2253, e.g. "CN=gitgate.gitgate.svc" */
	char	issuer[256];	/* truncated if longer */
	char	sha256[65];	/* lowercase hex SHA-256 of the leaf's DER */
	char	key_type[32];	/* "EC P-256", "RSA 2048", "ED25519" */
};

/*
 * Describe the first certificate in cert_file, without any validity check
 * (key_type is the certificate's public key). Returns 0 with *info filled,
 * or -1 with the reason in err.
 */
int	certs_info_file(const char *cert_file, struct certs_info *info,
	    char *err, size_t errlen);

#endif
