/*
 * certs_inspect.c - describe a certificate in a PEM file, and the caBundle
 * encoding of a CA file. Read-only: it never verifies a chain to a trust
 * anchor (the API server does that), never writes. `gitgate serve` checks
 * its pair with GnuTLS instead (tls_cert_check()), so serving never
 * initialises OpenSSL.
 */
#include "certs/certs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base/file_read.h"

#define INSPECT_PEM_BEGIN	"-----BEGIN "

char *
certs_read_file(const char *path, size_t *lenp, char *err, size_t errlen)
{
	char	*buf;

	buf = file_read(path, CERTS_FILE_MAX, FILE_READ_REGULAR, lenp, err,
	    errlen);
	if (buf == NULL && errno == EFBIG)
		snprintf(err, errlen, "%s: file too large", path);
	return buf;
}

static int
inspect_is_pem(const char *buf, size_t len)
{
	return memmem(buf, len, INSPECT_PEM_BEGIN,
	    sizeof(INSPECT_PEM_BEGIN) - 1) != NULL;
}

/* The first certificate in buf (read from path); NULL with err set. */
static X509 *
inspect_pem_cert(const char *buf, size_t len, const char *path, char *err,
    size_t errlen)
{
	BIO	*bio;
	X509	*x = NULL;

	if (!inspect_is_pem(buf, len)) {
		snprintf(err, errlen, "%s: not a PEM file", path);
		return NULL;
	}
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL ||
	    (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL)
		snprintf(err, errlen, "%s: no PEM certificate found", path);
	ERR_clear_error();
	BIO_free(bio);
	return x;
}

static X509 *
inspect_load_cert(const char *path, char *err, size_t errlen)
{
	X509	*x = NULL;
	char	*buf;
	size_t	 len;

	if ((buf = certs_read_file(path, &len, err, errlen)) != NULL)
		x = inspect_pem_cert(buf, len, path, err, errlen);
	free(buf);
	return x;
}

static int
inspect_time(const ASN1_TIME *t, time_t *out)
{
	struct tm	 tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*out = timegm(&tm);
	return 0;
}

static void
inspect_name(const X509_NAME *name, char *buf, size_t buflen)
{
	BIO	*bio;
	char	*data;
	long	 len;

	buf[0] = '\0';
	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return;
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
		len = BIO_get_mem_data(bio, &data);
		snprintf(buf, buflen, "%.*s", (int)len, data);
	}
	BIO_free(bio);
}

/* "EC P-256", "RSA 2048", "ED25519". */
static void
inspect_key_type(const EVP_PKEY *key, char *buf, size_t buflen)
{
	const char	*type, *nist;
	char		 group[28];	/* fits "EC " + group in key_type */

	type = EVP_PKEY_get0_type_name(key);
	if (type == NULL)
		type = "unknown";
	if (EVP_PKEY_is_a(key, "EC") &&
	    EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), NULL) == 1) {
		nist = EC_curve_nid2nist(OBJ_txt2nid(group));
		snprintf(buf, buflen, "EC %s", nist != NULL ? nist : group);
	} else if (EVP_PKEY_is_a(key, "RSA"))
		snprintf(buf, buflen, "RSA %d", EVP_PKEY_get_bits(key));
	else
		snprintf(buf, buflen, "%s", type);
}

static int
inspect_fill(X509 *x, const char *path, struct certs_info *info, char *err,
    size_t errlen)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0, i;
	EVP_PKEY	*pub;

	memset(info, 0, sizeof(*info));
	if (inspect_time(X509_get0_notBefore(x), &info->not_before) == -1 ||
	    inspect_time(X509_get0_notAfter(x), &info->not_after) == -1 ||
	    X509_digest(x, EVP_sha256(), md, &mdlen) != 1 || mdlen != 32 ||
	    (pub = X509_get0_pubkey(x)) == NULL) {
		snprintf(err, errlen, "%s: malformed certificate", path);
		ERR_clear_error();
		return -1;
	}
	for (i = 0; i < mdlen; i++)
		snprintf(info->sha256 + 2 * i, 3, "%02x", md[i]);
	inspect_name(X509_get_subject_name(x), info->subject,
	    sizeof(info->subject));
	inspect_name(X509_get_issuer_name(x), info->issuer,
	    sizeof(info->issuer));
	inspect_key_type(pub, info->key_type, sizeof(info->key_type));
	return 0;
}

char *
certs_ca_bundle_base64(const char *ca_file, char *err, size_t errlen)
{
	X509	*x = NULL;
	char	*buf, *b64 = NULL;
	size_t	 len;

	if ((buf = certs_read_file(ca_file, &len, err, errlen)) == NULL ||
	    (x = inspect_pem_cert(buf, len, ca_file, err, errlen)) == NULL)
		goto out;
	if ((b64 = malloc(4 * ((len + 2) / 3) + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", ca_file);
		goto out;
	}
	EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)buf, (int)len);
out:
	X509_free(x);
	free(buf);
	return b64;
}

int
certs_info_file(const char *cert_file, struct certs_info *info, char *err,
    size_t errlen)
{
	X509	*x;
	int	 result = -1;

	if ((x = inspect_load_cert(cert_file, err, errlen)) != NULL)
		result = inspect_fill(x, cert_file, info, err, errlen);
	X509_free(x);
	return result;
}
