/*
 * test_certs.c - certs/: generate real certificates in a mkdtemp directory,
 * check them with OpenSSL itself (chain, host names, extensions, modes),
 * then feed tls_cert_check() (webhook/http/tls_cert.c: serve's GnuTLS check of
 * what this module generates) good, swapped, missing, garbage, expired
 * and not-yet-valid inputs. Everything under /tmp is removed at the end.
 */
#include "certs/certs.h"
#include "http/tls_cert.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <dirent.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "unit.h"

static char	 tmpdir[] = "/tmp/gitgate-certs-XXXXXX";

static const char *const names[] = {
	"gitgate.gitgate.svc", "gitgate.gitgate.svc.cluster.local",
	"localhost", "127.0.0.1", "::1",
};
#define N_NAMES	(sizeof(names) / sizeof(names[0]))

static const char *
path_of(const char *dir, const char *file)
{
	static char	 bufs[8][512];
	static int	 next;
	char		*p = bufs[next++ % 8];

	snprintf(p, sizeof(bufs[0]), "%s/%s/%s", tmpdir, dir, file);
	return p;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static X509 *
read_cert(const char *path)
{
	FILE	*fp;
	X509	*x = NULL;

	if ((fp = fopen(path, "r")) != NULL) {
		x = PEM_read_X509(fp, NULL, NULL, NULL);
		fclose(fp);
	}
	return x;
}

static EVP_PKEY *
read_key(const char *path)
{
	FILE		*fp;
	EVP_PKEY	*k = NULL;

	if ((fp = fopen(path, "r")) != NULL) {
		k = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
		fclose(fp);
	}
	return k;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE	*fp;
	char	*buf;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	buf = calloc(1, 65536);
	*len = buf != NULL ? fread(buf, 1, 65535, fp) : 0;
	fclose(fp);
	return buf;
}

static void
write_file(const char *path, const char *data, size_t len)
{
	FILE	*fp;

	if ((fp = fopen(path, "wb")) != NULL) {
		fwrite(data, 1, len, fp);
		fclose(fp);
	}
}

static int
file_mode(const char *path)
{
	struct stat	 st;

	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static void
iso8601(time_t t, char *buf, size_t len)
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Files in dir/sub, to prove no temp file is left behind. */
static int
count_files(const char *sub)
{
	char		 path[512];
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, sub);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' || strlen(e->d_name) > 2)
			n++;
	closedir(d);
	return n;
}

static void
test_generate_invalid(void)
{
	static const char *const bad_space[] = { "a b" };
	static const char *const bad_empty[] = { "ok.example", "" };
	static const char *const bad_dash[] = { "-x.example" };
	static const char *const bad_dots[] = { "a..b" };
	static char		 long_name[66];
	static const char	*long_cn[] = { long_name };
	static const char *const one[] = { "ok.example" };
	const struct {
		const char *const	*dns;
		size_t			 n;
		int			 days;
		const char		*want;
	} cases[] = {
		{ one, 0, 365, "at least one DNS name is required" },
		{ NULL, 1, 365, "at least one DNS name is required" },
		{ bad_space, 1, 365,
		    "invalid DNS name or IP address: \"a b\"" },
		{ bad_empty, 2, 365, "DNS name 2 is empty" },
		{ bad_dash, 1, 365, "invalid DNS name or IP address" },
		{ bad_dots, 1, 365, "invalid DNS name or IP address" },
		{ long_cn, 1, 365, "must be at most 64 characters" },
		{ one, 1, 0, "days must be 1..3650, not 0" },
		{ one, 1, 3651, "days must be 1..3650, not 3651" },
	};
	char	 err[256], dir[512];
	size_t	 i;

	memset(long_name, 'a', 62);
	memcpy(long_name + 62, ".ab", 4);	/* a valid name, 65 long */
	snprintf(dir, sizeof(dir), "%s/invalid", tmpdir);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		CHECK_INT(certs_generate(dir, cases[i].dns, cases[i].n,
		    cases[i].days, err, sizeof(err)), -1);
		if (strstr(err, cases[i].want) == NULL)
			fprintf(stderr, "case %zu: err \"%s\"\n", i, err);
		CHECK(strstr(err, cases[i].want) != NULL);
	}
	CHECK_INT(count_files("invalid"), -1);
}

static void
test_generated_with_openssl(void)
{
	X509		*ca = read_cert(path_of("a", "ca.crt"));
	X509		*leaf = read_cert(path_of("a", "tls.crt"));
	X509		*leaf_b = read_cert(path_of("b", "tls.crt"));
	EVP_PKEY	*key = read_key(path_of("a", "tls.key"));
	X509_STORE	*store = X509_STORE_new();
	X509_STORE_CTX	*ctx = X509_STORE_CTX_new();
	time_t		 now = time(NULL), nb, na;
	int		 pday, psec;
	size_t		 i;

	CHECK(ca != NULL && leaf != NULL && key != NULL && leaf_b != NULL);
	if (ca == NULL || leaf == NULL || key == NULL || leaf_b == NULL ||
	    store == NULL || ctx == NULL)
		goto out;
	CHECK(X509_STORE_add_cert(store, ca) == 1);
	CHECK(X509_STORE_CTX_init(ctx, store, leaf, NULL) == 1);
	CHECK(X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER) == 1);
	CHECK_INT(X509_verify_cert(ctx), 1);
	CHECK_INT(X509_STORE_CTX_get_error(ctx), X509_V_OK);
	for (i = 0; i < N_NAMES; i++) {
		if (strchr(names[i], ':') || strcmp(names[i], "127.0.0.1") == 0)
			CHECK_INT(X509_check_ip_asc(leaf, names[i], 0), 1);
		else
			CHECK_INT(X509_check_host(leaf, names[i], 0, 0, NULL),
			    1);
	}
	CHECK_INT(X509_check_host(leaf, "evil.example", 0, 0, NULL), 0);
	CHECK_INT(X509_check_ca(ca), 1);
	CHECK_INT(X509_check_ca(leaf), 0);
	CHECK((X509_get_key_usage(ca) & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)) ==
	    (KU_KEY_CERT_SIGN | KU_CRL_SIGN));
	CHECK_INT(X509_get_key_usage(leaf), KU_DIGITAL_SIGNATURE);
	CHECK_INT(X509_get_extended_key_usage(leaf),
	    XKU_SSL_SERVER | XKU_SSL_CLIENT);
	CHECK(X509_get0_subject_key_id(ca) != NULL);
	CHECK(X509_get0_authority_key_id(leaf) != NULL);
	CHECK(ASN1_OCTET_STRING_cmp(X509_get0_subject_key_id(ca),
	    X509_get0_authority_key_id(leaf)) == 0);
	CHECK(X509_check_private_key(leaf, key) == 1);
	CHECK(ASN1_INTEGER_cmp(X509_get0_serialNumber(leaf),
	    X509_get0_serialNumber(leaf_b)) != 0);
	CHECK(ASN1_STRING_length(X509_get0_serialNumber(leaf)) >= 15);
	CHECK(ASN1_TIME_diff(&pday, &psec, X509_get0_notBefore(leaf),
	    X509_get0_notAfter(leaf)) == 1);
	CHECK_INT((long)pday * 86400 + psec, 30L * 86400 + 300);
	CHECK(X509_cmp_time(X509_get0_notBefore(leaf), &now) < 0);
	nb = now - 240;
	CHECK(X509_cmp_time(X509_get0_notBefore(leaf), &nb) < 0);
	na = now + 30L * 86400 - 60;
	CHECK(X509_cmp_time(X509_get0_notAfter(leaf), &na) > 0);
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	EVP_PKEY_free(key);
	X509_free(leaf_b);
	X509_free(leaf);
	X509_free(ca);
}

static void
test_bundle(void)
{
	char		 err[256];
	char		*b64, *pem;
	unsigned char	*raw;
	size_t		 len, b64len;
	int		 n;

	b64 = certs_ca_bundle_base64(path_of("a", "ca.crt"), err,
	    sizeof(err));
	pem = slurp(path_of("a", "ca.crt"), &len);
	CHECK(b64 != NULL && pem != NULL);
	if (b64 != NULL && pem != NULL) {
		b64len = strlen(b64);
		CHECK(strchr(b64, '\n') == NULL);
		raw = malloc(b64len);
		n = raw ? EVP_DecodeBlock(raw, (unsigned char *)b64,
		    (int)b64len) : -1;
		n -= (b64len > 0 && b64[b64len - 1] == '=') +
		    (b64len > 1 && b64[b64len - 2] == '=');
		CHECK_INT(n, len);
		CHECK(raw != NULL && memcmp(raw, pem, len) == 0);
		free(raw);
	}
	free(b64);
	free(pem);
	CHECK(certs_ca_bundle_base64(path_of("x", "garbage"), err,
	    sizeof(err)) == NULL);
	CHECK_STR(err, path_of("x", "garbage: not a PEM file"));
	CHECK(certs_ca_bundle_base64(path_of("a", "ca.key"), err,
	    sizeof(err)) == NULL);
	CHECK_STR(err, path_of("a", "ca.key: no PEM certificate found"));
}

/* A copy of a's leaf valid [now-10d, now-1d], re-signed by a's CA. */
static void
make_expired(time_t now)
{
	X509		*leaf = read_cert(path_of("a", "tls.crt"));
	EVP_PKEY	*ca_key = read_key(path_of("a", "ca.key"));
	FILE		*fp;

	if (leaf != NULL && ca_key != NULL &&
	    X509_time_adj_ex(X509_getm_notBefore(leaf), -10, 0, &now) &&
	    X509_time_adj_ex(X509_getm_notAfter(leaf), -1, 0, &now) &&
	    X509_sign(leaf, ca_key, EVP_sha256()) &&
	    (fp = fopen(path_of("x", "expired.crt"), "w")) != NULL) {
		PEM_write_X509(fp, leaf);
		fclose(fp);
	}
	EVP_PKEY_free(ca_key);
	X509_free(leaf);
}

static void
test_check_pair(void)
{
	struct certs_info	 info, ca_info;
	X509			*leaf = read_cert(path_of("a", "tls.crt"));
	unsigned char		 md[32];
	unsigned int		 mdlen = 0, i;
	char			 err[512], want[512], hex[65], when[32];
	char			*chain, *ca;
	size_t			 len, calen;
	time_t			 now = time(NULL);

	CHECK_INT(tls_cert_check(path_of("a", "tls.crt"),
	    path_of("a", "tls.key"), now, 0, &info, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_STR(info.subject, "CN=gitgate.gitgate.svc");
	CHECK_STR(info.issuer, "CN=gitgate-ca");
	CHECK_STR(info.key_type, "EC P-256");
	CHECK_INT(info.not_after - info.not_before, 30L * 86400 + 300);
	CHECK(leaf != NULL && X509_digest(leaf, EVP_sha256(), md, &mdlen));
	for (i = 0; i < mdlen && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	CHECK_STR(info.sha256, hex);
	X509_free(leaf);
	CHECK_INT(tls_cert_check(path_of("a", "tls.crt"),
	    path_of("a", "tls.key"), now, 0, NULL, err, sizeof(err)), 0);

	/* a chain file: the first certificate is the leaf */
	chain = slurp(path_of("a", "tls.crt"), &len);
	ca = slurp(path_of("a", "ca.crt"), &calen);
	if (chain != NULL && ca != NULL && len + calen < 65536) {
		memcpy(chain + len, ca, calen);
		write_file(path_of("x", "chain.crt"), chain, len + calen);
	}
	free(chain);
	free(ca);
	CHECK_INT(tls_cert_check(path_of("x", "chain.crt"),
	    path_of("a", "tls.key"), now, 0, &info, err, sizeof(err)), 0);
	CHECK_STR(info.subject, "CN=gitgate.gitgate.svc");
	CHECK_STR(info.sha256, hex);

	CHECK_INT(certs_info_file(path_of("a", "ca.crt"), &ca_info, err,
	    sizeof(err)), 0);
	CHECK_STR(ca_info.subject, "CN=gitgate-ca");
	CHECK_STR(ca_info.issuer, "CN=gitgate-ca");
	CHECK_STR(ca_info.key_type, "EC P-256");

	/* now past notAfter; then accepted with CERTS_ALLOW_EXPIRED */
	iso8601(info.not_after, when, sizeof(when));
	snprintf(want, sizeof(want), "%s: certificate expired at %s",
	    path_of("a", "tls.crt"), when);
	CHECK_INT(tls_cert_check(path_of("a", "tls.crt"),
	    path_of("a", "tls.key"), info.not_after + 1, 0, &info, err,
	    sizeof(err)), -1);
	CHECK_STR(err, want);
	snprintf(want, sizeof(want), "%s: warning: certificate expired at %s",
	    path_of("a", "tls.crt"), when);
	CHECK_INT(tls_cert_check(path_of("a", "tls.crt"),
	    path_of("a", "tls.key"), info.not_after + 1, CERTS_ALLOW_EXPIRED,
	    &info, err, sizeof(err)), 0);
	CHECK_STR(err, want);
	iso8601(info.not_before, when, sizeof(when));
	snprintf(want, sizeof(want), "%s: certificate is not valid before %s",
	    path_of("a", "tls.crt"), when);
	CHECK_INT(tls_cert_check(path_of("a", "tls.crt"),
	    path_of("a", "tls.key"), info.not_before - 1, 0, &info, err,
	    sizeof(err)), -1);
	CHECK_STR(err, want);

	/* a really expired certificate, re-signed by the CA */
	make_expired(now);
	CHECK_INT(tls_cert_check(path_of("x", "expired.crt"),
	    path_of("a", "tls.key"), now, 0, &info, err, sizeof(err)), -1);
	iso8601(info.not_after, when, sizeof(when));
	snprintf(want, sizeof(want), "%s: certificate expired at %s",
	    path_of("x", "expired.crt"), when);
	CHECK_STR(err, want);
	CHECK(info.not_after < now - 86400 + 5);
}

static void
test_check_pair_errors(void)
{
	const struct {
		const char	*cert_dir, *cert, *key_dir, *key, *want;
	} cases[] = {
		{ "a", "tls.crt", "b", "tls.key", "/b/tls.key does not "
		    "match the certificate in " },
		{ "b", "tls.crt", "a", "tls.key", "/a/tls.key does not "
		    "match the certificate in " },
		{ "a", "missing.crt", "a", "tls.key",
		    "/a/missing.crt: No such file or directory" },
		{ "a", "tls.crt", "a", "missing.key",
		    "/a/missing.key: No such file or directory" },
		{ "x", "garbage", "a", "tls.key",
		    "/x/garbage: not a PEM file" },
		{ "a", "tls.crt", "x", "garbage",
		    "/x/garbage: not a PEM file" },
		{ "a", "tls.key", "a", "tls.key",
		    "/a/tls.key: no PEM certificate found" },
		{ "a", "tls.crt", "a", "tls.crt",
		    "/a/tls.crt: no PEM private key found" },
		{ "a", "", "a", "tls.key", "/a/: not a regular file" },
	};
	char	 err[512];
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		CHECK_INT(tls_cert_check(path_of(cases[i].cert_dir,
		    cases[i].cert), path_of(cases[i].key_dir, cases[i].key),
		    time(NULL), 0, NULL, err, sizeof(err)), -1);
		if (strstr(err, cases[i].want) == NULL)
			fprintf(stderr, "case %zu: err \"%s\"\n", i, err);
		CHECK(strstr(err, cases[i].want) != NULL);
		CHECK(strncmp(err, tmpdir, strlen(tmpdir)) == 0);
	}
}

int
main(void)
{
	char	 err[256], dir[512];

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	umask(022);
	CHECK_INT(certs_generate(path_of("a", "sub"), names, N_NAMES, 30, err,
	    sizeof(err)), 0);
	CHECK_INT(certs_generate(path_of("a", ""), names, N_NAMES, 30, err,
	    sizeof(err)), 0);
	CHECK_INT(file_mode(path_of("a", "sub")), 0755);
	umask(0);
	CHECK_INT(certs_generate(path_of("b", ""), names, 1, 30, err,
	    sizeof(err)), 0);
	umask(022);
	CHECK_INT(file_mode(path_of("a", "ca.key")), 0600);
	CHECK_INT(file_mode(path_of("a", "tls.key")), 0600);
	CHECK_INT(file_mode(path_of("a", "ca.crt")), 0644);
	CHECK_INT(file_mode(path_of("a", "tls.crt")), 0644);
	CHECK_INT(file_mode(path_of("b", "ca.key")), 0600);
	CHECK_INT(file_mode(path_of("b", "tls.key")), 0600);
	CHECK_INT(file_mode(path_of("b", "tls.crt")), 0644);
	CHECK_INT(count_files("b"), 4);
	CHECK_INT(count_files("a"), 5);
	CHECK_INT(certs_generate(path_of("a", "tls.crt"), names, 1, 30, err,
	    sizeof(err)), -1);
	CHECK(strstr(err, "tls.crt: not a directory") != NULL);

	snprintf(dir, sizeof(dir), "%s/x", tmpdir);
	mkdir(dir, 0755);
	write_file(path_of("x", "garbage"), "hello, world\n", 13);

	test_generate_invalid();
	test_generated_with_openssl();
	test_bundle();
	test_check_pair();
	test_check_pair_errors();

	if (getenv("GITGATE_KEEP_TMP") != NULL)
		fprintf(stderr, "kept %s\n", tmpdir);
	else
		nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return unit_done("certs");
}
