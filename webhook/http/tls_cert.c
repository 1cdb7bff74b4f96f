/*
 * tls_cert.c - serving certificate generations for GnuTLS, and the checks
 * `gitgate serve` makes on a pair before using it. Both use GnuTLS itself
 * (the library that will serve the pair, so what passes here is exactly
 * what handshakes will use, and serve never initialises OpenSSL).
 */
#include "http/tls_cert.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/x509.h>

#define TLS_PEM_BEGIN	"-----BEGIN "

struct tls_gen {
	gnutls_pcert_st		 pcert[TLS_CERT_CHAIN_MAX];
	unsigned int		 n;
	gnutls_privkey_t	 key;
	struct tls_gen		*older;		/* every generation, to free */
};

static _Atomic(struct tls_gen *) tls_current;
static pthread_mutex_t tls_load_lock = PTHREAD_MUTEX_INITIALIZER;

static void
gen_free(struct tls_gen *g)
{
	unsigned int	i;

	for (i = 0; i < g->n; i++)
		gnutls_pcert_deinit(&g->pcert[i]);
	if (g->key != NULL)
		gnutls_privkey_deinit(g->key);
	free(g);
}

/*
 * 0 if key is the private half of pub: the same SubjectPublicKeyInfo
 * (SHA-256 key ids), as OpenSSL's EVP_PKEY_eq() would say. No signature,
 * so a check at start-up touches no ECC code.
 */
static int
key_matches(gnutls_pubkey_t pub, gnutls_privkey_t key)
{
	gnutls_pubkey_t	 mine = NULL;
	unsigned char	 a[64], b[64];
	size_t		 alen = sizeof(a), blen = sizeof(b);
	int		 rc = -1;

	if (gnutls_pubkey_init(&mine) < 0)
		return -1;
	if (gnutls_pubkey_import_privkey(mine, key, 0, 0) >= 0 &&
	    gnutls_pubkey_get_key_id(mine, GNUTLS_KEYID_USE_SHA256, a,
	    &alen) >= 0 &&
	    gnutls_pubkey_get_key_id(pub, GNUTLS_KEYID_USE_SHA256, b,
	    &blen) >= 0 && alen == blen && memcmp(a, b, alen) == 0)
		rc = 0;
	gnutls_pubkey_deinit(mine);
	return rc;
}

static int
load_gen(struct tls_gen *g, const char *cert_file, const char *key_file,
    char *err, size_t errlen)
{
	gnutls_datum_t	cert = { NULL, 0 }, key = { NULL, 0 };
	int		rc = -1, e;

	if ((e = gnutls_load_file(cert_file, &cert)) < 0 ||
	    cert.size == 0) {
		snprintf(err, errlen, "%s: cannot read: %s", cert_file,
		    gnutls_strerror(e));
		goto out;
	}
	if ((e = gnutls_load_file(key_file, &key)) < 0 || key.size == 0) {
		snprintf(err, errlen, "%s: cannot read: %s", key_file,
		    gnutls_strerror(e));
		goto out;
	}
	g->n = TLS_CERT_CHAIN_MAX;
	if ((e = gnutls_pcert_list_import_x509_raw(g->pcert, &g->n, &cert,
	    GNUTLS_X509_FMT_PEM, 0)) < 0) {
		g->n = 0;
		snprintf(err, errlen, "%s: %s", cert_file, gnutls_strerror(e));
		goto out;
	}
	if ((e = gnutls_privkey_init(&g->key)) < 0 ||
	    (e = gnutls_privkey_import_x509_raw(g->key, &key,
	    GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
		snprintf(err, errlen, "%s: %s", key_file, gnutls_strerror(e));
		goto out;
	}
	if (key_matches(g->pcert[0].pubkey, g->key) == -1) {
		snprintf(err, errlen, "%s does not match the certificate in %s",
		    key_file, cert_file);
		goto out;
	}
	rc = 0;
out:
	gnutls_free(cert.data);
	if (key.data != NULL) {
		memset(key.data, 0, key.size);
		gnutls_free(key.data);
	}
	return rc;
}

int
tls_cert_load(const char *cert_file, const char *key_file, char *err,
    size_t errlen)
{
	struct tls_gen	*g;

	if ((g = calloc(1, sizeof(*g))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (load_gen(g, cert_file, key_file, err, errlen) == -1) {
		gen_free(g);
		return -1;
	}
	pthread_mutex_lock(&tls_load_lock);
	g->older = atomic_load(&tls_current);
	atomic_store(&tls_current, g);
	pthread_mutex_unlock(&tls_load_lock);
	return 0;
}

/*
 * Read all of path (a regular file of at most CERTS_FILE_MAX bytes, with
 * a PEM header) into out->data, which the caller frees with free().
 */
static int
check_read(const char *path, gnutls_datum_t *out, char *err, size_t errlen)
{
	size_t	len;

	if ((out->data = (unsigned char *)certs_read_file(path, &len, err,
	    errlen)) == NULL)
		return -1;
	out->size = (unsigned int)len;
	if (memmem(out->data, len, TLS_PEM_BEGIN,
	    sizeof(TLS_PEM_BEGIN) - 1) == NULL) {
		snprintf(err, errlen, "%s: not a PEM file", path);
		free(out->data);
		out->data = NULL;
		return -1;
	}
	return 0;
}

/* "EC P-256", "RSA 2048", "ED25519", as OpenSSL names them. */
static void
check_key_type(gnutls_pubkey_t pub, char *buf, size_t buflen)
{
	static const struct {
		gnutls_ecc_curve_t	 curve;
		const char		*nist;
	} curves[] = {
		{ GNUTLS_ECC_CURVE_SECP192R1, "P-192" },
		{ GNUTLS_ECC_CURVE_SECP224R1, "P-224" },
		{ GNUTLS_ECC_CURVE_SECP256R1, "P-256" },
		{ GNUTLS_ECC_CURVE_SECP384R1, "P-384" },
		{ GNUTLS_ECC_CURVE_SECP521R1, "P-521" },
	};
	gnutls_ecc_curve_t	 curve = GNUTLS_ECC_CURVE_INVALID;
	gnutls_datum_t		 x = { NULL, 0 }, y = { NULL, 0 };
	const char		*name;
	unsigned int		 bits = 0;
	size_t			 i;
	int			 pk;

	pk = gnutls_pubkey_get_pk_algorithm(pub, &bits);
	switch (pk) {
	case GNUTLS_PK_RSA:
		snprintf(buf, buflen, "RSA %u", bits);
		return;
	case GNUTLS_PK_EDDSA_ED25519:
		snprintf(buf, buflen, "ED25519");
		return;
	case GNUTLS_PK_EDDSA_ED448:
		snprintf(buf, buflen, "ED448");
		return;
	case GNUTLS_PK_ECDSA:
		if (gnutls_pubkey_export_ecc_raw2(pub, &curve, &x, &y, 0) < 0)
			curve = GNUTLS_ECC_CURVE_INVALID;
		gnutls_free(x.data);
		gnutls_free(y.data);
		name = gnutls_ecc_curve_get_name(curve);
		for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
			if (curves[i].curve == curve)
				name = curves[i].nist;
		snprintf(buf, buflen, "EC %s", name != NULL ? name : "unknown");
		return;
	default:
		name = gnutls_pk_get_name((gnutls_pk_algorithm_t)pk);
		snprintf(buf, buflen, "%s", name != NULL ? name : "unknown");
	}
}

/* DN as RFC 4514 text ("CN=gitgate.gitgate.svc"), truncated to buflen. */
static void
check_dn(gnutls_x509_crt_t crt, int issuer, char *buf, size_t buflen)
{
	gnutls_datum_t	dn = { NULL, 0 };

	buf[0] = '\0';
	if ((issuer ? gnutls_x509_crt_get_issuer_dn3(crt, &dn, 0) :
	    gnutls_x509_crt_get_dn3(crt, &dn, 0)) < 0)
		return;
	snprintf(buf, buflen, "%.*s", (int)dn.size, (const char *)dn.data);
	gnutls_free(dn.data);
}

static int
check_fill(gnutls_x509_crt_t crt, gnutls_pubkey_t pub, const char *path,
    struct certs_info *info, char *err, size_t errlen)
{
	unsigned char	md[32];
	size_t		mdlen = sizeof(md), i;

	memset(info, 0, sizeof(*info));
	info->not_before = gnutls_x509_crt_get_activation_time(crt);
	info->not_after = gnutls_x509_crt_get_expiration_time(crt);
	if (info->not_before == (time_t)-1 || info->not_after == (time_t)-1 ||
	    gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, md,
	    &mdlen) < 0 || mdlen != sizeof(md) ||
	    gnutls_pubkey_import_x509(pub, crt, 0) < 0) {
		snprintf(err, errlen, "%s: malformed certificate", path);
		return -1;
	}
	for (i = 0; i < mdlen; i++)
		snprintf(info->sha256 + 2 * i, 3, "%02x", md[i]);
	check_dn(crt, 0, info->subject, sizeof(info->subject));
	check_dn(crt, 1, info->issuer, sizeof(info->issuer));
	check_key_type(pub, info->key_type, sizeof(info->key_type));
	return 0;
}

static void
check_iso8601(time_t t, char *buf, size_t buflen)
{
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, buflen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, buflen, "@%lld", (long long)t);
}

/* now against the validity period; 0 or -1, with err "" or the reason. */
static int
check_dates(const struct certs_info *info, const char *cert_file,
    time_t now, unsigned flags, char *err, size_t errlen)
{
	char	when[32];

	if (errlen > 0)
		err[0] = '\0';
	if (now < info->not_before) {
		check_iso8601(info->not_before, when, sizeof(when));
		snprintf(err, errlen, "%s: certificate is not valid before %s",
		    cert_file, when);
		return -1;
	}
	if (now > info->not_after) {
		check_iso8601(info->not_after, when, sizeof(when));
		snprintf(err, errlen, "%s: %scertificate expired at %s",
		    cert_file, (flags & CERTS_ALLOW_EXPIRED) ? "warning: " : "",
		    when);
		if (!(flags & CERTS_ALLOW_EXPIRED))
			return -1;
	}
	return 0;
}

int
tls_cert_check(const char *cert_file, const char *key_file, time_t now,
    unsigned flags, struct certs_info *info, char *err, size_t errlen)
{
	struct certs_info	 local;
	gnutls_datum_t		 cert = { NULL, 0 }, key = { NULL, 0 };
	gnutls_x509_crt_t	 crt = NULL;
	gnutls_privkey_t	 pk = NULL;
	gnutls_pubkey_t		 pub = NULL;
	int			 rc = -1;

	if (info == NULL)
		info = &local;
	if (check_read(cert_file, &cert, err, errlen) == -1)
		goto out;
	if (gnutls_x509_crt_init(&crt) < 0 || gnutls_x509_crt_import(crt,
	    &cert, GNUTLS_X509_FMT_PEM) < 0) {
		snprintf(err, errlen, "%s: no PEM certificate found",
		    cert_file);
		goto out;
	}
	if (check_read(key_file, &key, err, errlen) == -1)
		goto out;
	if (gnutls_privkey_init(&pk) < 0 || gnutls_privkey_import_x509_raw(pk,
	    &key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN) < 0) {
		snprintf(err, errlen, "%s: no PEM private key found (it must "
		    "be unencrypted)", key_file);
		goto out;
	}
	if (gnutls_pubkey_init(&pub) < 0 ||
	    check_fill(crt, pub, cert_file, info, err, errlen) == -1)
		goto out;
	if (key_matches(pub, pk) == -1) {
		snprintf(err, errlen, "%s does not match the certificate in %s",
		    key_file, cert_file);
		goto out;
	}
	rc = check_dates(info, cert_file, now, flags, err, errlen);
out:
	if (key.data != NULL) {
		memset(key.data, 0, key.size);
		free(key.data);
	}
	free(cert.data);
	gnutls_pubkey_deinit(pub);
	gnutls_privkey_deinit(pk);
	gnutls_x509_crt_deinit(crt);
	return rc;
}

int
tls_cert_retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn,
    int nreqs, const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
    gnutls_pcert_st **pcert, unsigned int *pcert_length,
    gnutls_privkey_t *privkey)
{
	struct tls_gen	*g = atomic_load(&tls_current);

	(void)session;
	(void)req_ca_rdn;
	(void)nreqs;
	(void)pk_algos;
	(void)pk_algos_length;
	if (g == NULL)
		return -1;
	*pcert = g->pcert;
	*pcert_length = g->n;
	*privkey = g->key;
	return 0;
}

void
tls_cert_free_all(void)
{
	struct tls_gen	*g, *older;

	pthread_mutex_lock(&tls_load_lock);
	g = atomic_exchange(&tls_current, NULL);
	for (; g != NULL; g = older) {
		older = g->older;
		gen_free(g);
	}
	pthread_mutex_unlock(&tls_load_lock);
}
