/*
 * certs_gen.c - `gitgate certs`: a P-256 CA and a serving certificate signed
 * by it, written as four PEM files, each atomically. Meant for development
 * and for clusters without cert-manager; it keeps no state, does no
 * renewal, and never reads existing files.
 */
#include "certs/certs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define GEN_SERIAL_BYTES	16	/* 128-bit random serial */
#define GEN_CN_MAX		64	/* ub-common-name, RFC 5280 */

/* err = "what: <first OpenSSL reason>", or just what when there is none. */
static void
gen_ssl_fail(char *err, size_t errlen, const char *what)
{
	char		 reason[256];
	unsigned long	 e;

	e = ERR_get_error();
	if (e == 0) {
		snprintf(err, errlen, "%s", what);
	} else {
		ERR_error_string_n(e, reason, sizeof(reason));
		snprintf(err, errlen, "%s: %s", what, reason);
	}
	ERR_clear_error();
}

static int
gen_is_ip(const char *name)
{
	unsigned char	 buf[16];

	return inet_pton(AF_INET, name, buf) == 1 ||
	    inet_pton(AF_INET6, name, buf) == 1;
}

/* A DNS name: labels of [A-Za-z0-9-], 1..63 long, no '-' at either end. */
static int
gen_is_dns(const char *name)
{
	const char	*p = name;
	size_t		 len, i;

	if (strlen(name) > CERTS_NAME_MAX)
		return 0;
	if (strncmp(p, "*.", 2) == 0)
		p += 2;
	for (;;) {
		len = strcspn(p, ".");
		if (len == 0 || len > 63 || p[0] == '-' || p[len - 1] == '-')
			return 0;
		for (i = 0; i < len; i++)
			if (!((p[i] >= 'a' && p[i] <= 'z') ||
			    (p[i] >= 'A' && p[i] <= 'Z') ||
			    (p[i] >= '0' && p[i] <= '9') || p[i] == '-'))
				return 0;
		if (p[len] == '\0')
			return 1;
		p += len + 1;
	}
}

static int
gen_validate(const char *out_dir, const char *const *dns, size_t n_dns,
    int days, char *err, size_t errlen)
{
	size_t	 i;

	if (out_dir == NULL || out_dir[0] == '\0') {
		snprintf(err, errlen, "no output directory");
		return -1;
	}
	if (dns == NULL || n_dns == 0) {
		snprintf(err, errlen, "at least one DNS name is required");
		return -1;
	}
	if (n_dns > CERTS_DNS_MAX) {
		snprintf(err, errlen, "too many DNS names (%zu, at most %d)",
		    n_dns, CERTS_DNS_MAX);
		return -1;
	}
	for (i = 0; i < n_dns; i++) {
		if (dns[i] == NULL || dns[i][0] == '\0') {
			snprintf(err, errlen, "DNS name %zu is empty", i + 1);
			return -1;
		}
		if (!gen_is_ip(dns[i]) && !gen_is_dns(dns[i])) {
			snprintf(err, errlen, "invalid DNS name or IP "
			    "address: \"%.*s\"", CERTS_NAME_MAX, dns[i]);
			return -1;
		}
	}
	if (strlen(dns[0]) > GEN_CN_MAX) {
		snprintf(err, errlen, "the first name becomes the common name "
		    "and must be at most %d characters", GEN_CN_MAX);
		return -1;
	}
	if (days < 1 || days > CERTS_DAYS_MAX) {
		snprintf(err, errlen, "days must be 1..%d, not %d",
		    CERTS_DAYS_MAX, days);
		return -1;
	}
	return 0;
}

/* mkdir -p, 0755 for what it creates; the result must be a directory. */
static int
gen_mkdirs(const char *dir, char *err, size_t errlen)
{
	char		 path[PATH_MAX];
	struct stat	 st;
	size_t		 len, i;

	len = strlen(dir);
	if (len >= sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	memcpy(path, dir, len + 1);
	for (i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		path[i] = dir[i];
	}
	if (stat(dir, &st) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", dir);
		return -1;
	}
	return 0;
}

/* write(2) all of data, retrying short writes; -1 with errno set. */
static int
gen_write_all(int fd, const char *data, size_t len)
{
	ssize_t	 n;
	size_t	 off = 0;

	while (off < len) {
		n = write(fd, data + off, len - off);
		if (n == -1 && errno != EINTR)
			return -1;
		if (n > 0)
			off += (size_t)n;
	}
	return 0;
}

/*
 * Write len bytes to dir/name through a temp file created 0600 (mkostemp
 * uses O_CREAT|O_EXCL), fchmod'ed to mode, fsync'ed, then renamed: a key
 * is never readable by others, and readers see the old or the new file.
 */
static int
gen_write_atomic(const char *dir, const char *name, const char *data,
    size_t len, mode_t mode, char *err, size_t errlen)
{
	char	 tmp[PATH_MAX], dst[PATH_MAX];
	int	 fd = -1, rc, result = -1;

	tmp[0] = '\0';
	if ((size_t)snprintf(dst, sizeof(dst), "%s/%s", dir, name) >=
	    sizeof(dst) || (size_t)snprintf(tmp, sizeof(tmp),
	    "%s/.%s.XXXXXX", dir, name) >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", dir);
		tmp[0] = '\0';
		goto out;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		tmp[0] = '\0';
		goto out;
	}
	if (fchmod(fd, mode) == -1 || gen_write_all(fd, data, len) == -1 ||
	    fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", dst, strerror(errno));
		goto out;
	}
	rc = close(fd);
	fd = -1;
	if (rc == -1 || rename(tmp, dst) == -1) {
		snprintf(err, errlen, "%s: %s", dst, strerror(errno));
		goto out;
	}
	tmp[0] = '\0';
	result = 0;
out:
	if (fd != -1)
		close(fd);
	if (tmp[0] != '\0')
		unlink(tmp);
	return result;
}

/* PEM-encode key (0600) or, when key is NULL, x (0644); write atomically. */
static int
gen_write_pem(const char *dir, const char *name, EVP_PKEY *key, X509 *x,
    char *err, size_t errlen)
{
	BIO		*bio;
	char		*data;
	long		 len;
	int		 ok, result = -1;

	if ((bio = BIO_new(BIO_s_mem())) == NULL) {
		gen_ssl_fail(err, errlen, "out of memory");
		return -1;
	}
	if (key != NULL)
		ok = PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL,
		    NULL);
	else
		ok = PEM_write_bio_X509(bio, x);
	if (!ok) {
		gen_ssl_fail(err, errlen, "PEM encoding failed");
		goto out;
	}
	len = BIO_get_mem_data(bio, &data);
	result = gen_write_atomic(dir, name, data, (size_t)len,
	    key != NULL ? 0600 : 0644, err, errlen);
out:
	BIO_free(bio);
	return result;
}

static int
gen_add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION	*ext;
	int		 ok;

	if ((ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value)) == NULL)
		return 0;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

/* "DNS:a,IP:10.0.0.1,...": names were validated, so no ',' inside. */
static char *
gen_san_value(const char *const *dns, size_t n_dns)
{
	char	*s;
	size_t	 cap, off = 0, i;

	cap = n_dns * (CERTS_NAME_MAX + 8) + 1;
	if ((s = malloc(cap)) == NULL)
		return NULL;
	s[0] = '\0';
	for (i = 0; i < n_dns; i++)
		off += (size_t)snprintf(s + off, cap - off, "%s%s:%s",
		    i == 0 ? "" : ",", gen_is_ip(dns[i]) ? "IP" : "DNS",
		    dns[i]);
	return s;
}

/*
 * A v3 certificate for key, signed by issuer_key (issuer NULL: self-signed).
 * san is NULL for the CA. Returns NULL with the reason in err.
 */
static X509 *
gen_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
    const char *san, int days, char *err, size_t errlen)
{
	X509		*x = NULL;
	X509V3_CTX	 ctx;
	BIGNUM		*bn = NULL;
	unsigned char	 serial[GEN_SERIAL_BYTES];
	int		 ok, is_ca = issuer == NULL;

	if ((x = X509_new()) == NULL ||
	    RAND_bytes(serial, sizeof(serial)) != 1)
		goto out;
	serial[0] &= 0x7f;	/* positive */
	serial[sizeof(serial) - 1] |= 0x01;	/* never zero */
	ok = X509_set_version(x, X509_VERSION_3) &&
	    (bn = BN_bin2bn(serial, sizeof(serial), NULL)) != NULL &&
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL &&
	    X509_gmtime_adj(X509_getm_notBefore(x), -CERTS_BACKDATE_SECS) &&
	    X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL) &&
	    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0) &&
	    X509_set_issuer_name(x, is_ca ? X509_get_subject_name(x) :
	    X509_get_subject_name(issuer)) &&
	    X509_set_pubkey(x, key);
	if (!ok)
		goto out;
	X509V3_set_ctx(&ctx, is_ca ? x : issuer, x, NULL, NULL, 0);
	if (is_ca)
		ok = gen_add_ext(x, &ctx, NID_basic_constraints,
		    "critical,CA:TRUE") &&
		    gen_add_ext(x, &ctx, NID_key_usage,
		    "critical,keyCertSign,cRLSign") &&
		    gen_add_ext(x, &ctx, NID_subject_key_identifier, "hash");
	else
		ok = gen_add_ext(x, &ctx, NID_basic_constraints,
		    "critical,CA:FALSE") &&
		    gen_add_ext(x, &ctx, NID_key_usage,
		    "critical,digitalSignature") &&
		    gen_add_ext(x, &ctx, NID_ext_key_usage,
		    "serverAuth,clientAuth") &&
		    gen_add_ext(x, &ctx, NID_subject_key_identifier, "hash") &&
		    gen_add_ext(x, &ctx, NID_authority_key_identifier,
		    "keyid:always") &&
		    gen_add_ext(x, &ctx, NID_subject_alt_name, san);
	if (ok && X509_sign(x, is_ca ? key : issuer_key, EVP_sha256()) != 0) {
		BN_free(bn);
		return x;
	}
out:
	gen_ssl_fail(err, errlen, is_ca ? "cannot build the CA certificate" :
	    "cannot build the serving certificate");
	BN_free(bn);
	X509_free(x);
	return NULL;
}

int
certs_generate(const char *out_dir, const char *const *dns, size_t n_dns,
    int days, char *err, size_t errlen)
{
	EVP_PKEY	*ca_key = NULL, *tls_key = NULL;
	X509		*ca = NULL, *tls = NULL;
	char		*san = NULL;
	int		 result = -1;

	ERR_clear_error();
	if (gen_validate(out_dir, dns, n_dns, days, err, errlen) == -1 ||
	    gen_mkdirs(out_dir, err, errlen) == -1)
		goto out;
	if ((ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL ||
	    (tls_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL) {
		gen_ssl_fail(err, errlen, "cannot generate a P-256 key");
		goto out;
	}
	if ((san = gen_san_value(dns, n_dns)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if ((ca = gen_cert(ca_key, "gitgate-ca", NULL, NULL, NULL, days,
	    err, errlen)) == NULL ||
	    (tls = gen_cert(tls_key, dns[0], ca, ca_key, san, days,
	    err, errlen)) == NULL)
		goto out;
	if (gen_write_pem(out_dir, "ca.key", ca_key, NULL, err, errlen) ||
	    gen_write_pem(out_dir, "ca.crt", NULL, ca, err, errlen) ||
	    gen_write_pem(out_dir, "tls.key", tls_key, NULL, err, errlen) ||
	    gen_write_pem(out_dir, "tls.crt", NULL, tls, err, errlen))
		goto out;
	result = 0;
out:
	free(san);
	X509_free(tls);
	X509_free(ca);
	EVP_PKEY_free(tls_key);
	EVP_PKEY_free(ca_key);
	return result;
}
