/*
 * tls_cert.c - serving certificate generations for GnuTLS. Loading uses
 * GnuTLS itself (the library that will serve the pair), so what passes
 * here is exactly what handshakes will use.
 */
#include "tls_cert.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tls_gen {
	gnutls_pcert_st		 pcert[TLS_CERT_CHAIN_MAX];
	unsigned int		 n;
	gnutls_privkey_t	 key;
	struct tls_gen		*older;		/* all generations, for freeing */
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

/* 0 if the private key signs what the leaf's public key verifies. */
static int
pair_matches(struct tls_gen *g)
{
	static unsigned char	 probe[] = "gitgate pair check";
	gnutls_datum_t		 data = { probe, sizeof(probe) - 1 };
	gnutls_datum_t		 sig = { NULL, 0 };
	gnutls_sign_algorithm_t	 algo;
	int			 rc;

	if (gnutls_privkey_sign_data(g->key, GNUTLS_DIG_SHA256, 0, &data,
	    &sig) < 0)
		return -1;
	algo = gnutls_pk_to_sign(gnutls_privkey_get_pk_algorithm(g->key,
	    NULL), GNUTLS_DIG_SHA256);
	rc = gnutls_pubkey_verify_data2(g->pcert[0].pubkey, algo, 0, &data,
	    &sig);
	gnutls_free(sig.data);
	return rc < 0 ? -1 : 0;
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
	if (pair_matches(g) == -1) {
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
