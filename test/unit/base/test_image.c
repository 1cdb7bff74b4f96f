/*
 * test_image.c - image references against distribution/reference: a table
 * of real-world references (each field, or the exact error), the length
 * limits at their boundaries, and image_format round trips. Cases that
 * distribution's own tests carry are marked "(distribution)".
 */
#include "base/image.h"

#include <string.h>

#include "unit.h"

/* The tables below are data: aligned by hand, not by clang-format. */
/* clang-format off */
#define H64	"e3b0c44298fc1c149afbf4c8996fb924" \
		"27ae41e4649b934ca495991b7852b855"
#define H96	"38b060a751ac96384cd9327eb1b1e36a21fdb71114be0743" \
		"4c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b"
#define H128	"cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc" \
		"83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f" \
		"63b931bd47417a81a538327af927da3e"
#define HUP	"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934C" \
		"A495991B7852B855"
#define SHA256	"sha256:" H64
#define F32	"ffffffffffffffffffffffffffffffff"

#define E_FMT		"invalid reference format"
#define E_EMPTY		E_FMT ": empty reference"
#define E_DOMAIN	E_FMT ": invalid domain"
#define E_NAME		E_FMT ": invalid repository name"
#define E_LOWER		E_FMT ": repository name must be lowercase"
#define E_TAG		E_FMT ": invalid tag"
#define E_TAGLEN	E_FMT ": tag longer than 128"
#define E_DIGEST	E_FMT ": invalid digest"
#define E_DLEN		"invalid checksum digest length"
#define E_DFMT		"invalid checksum digest format"
#define E_DALG		"unsupported digest algorithm"
#define E_HEX		"invalid repository name (64 hex chars), " \
			"cannot specify 64-byte hexadecimal strings"
#define E_TOOLONG	"repository name must not be more than 255 characters"
#define E_REFLEN	"reference longer than 4096"

struct image_case {
	const char	*in;
	const char	*domain;	/* NULL: an error is expected */
	const char	*path;
	const char	*tag;
	const char	*digest;
	const char	*err;
};

#define OK(in, d, p, t, g)	{ in, d, p, t, g, NULL }
#define BAD(in, e)		{ in, NULL, NULL, NULL, NULL, e }

static const struct image_case cases[] = {
    /* Docker Hub short names and library images */
    OK("nginx", "docker.io", "library/nginx", "", ""),
    OK("nginx:1.25", "docker.io", "library/nginx", "1.25", ""),
    OK("nginx:1.25-alpine", "docker.io", "library/nginx", "1.25-alpine", ""),
    OK("nginx:latest", "docker.io", "library/nginx", "latest", ""),
    OK("ubuntu:22.04", "docker.io", "library/ubuntu", "22.04", ""),
    OK("library/nginx:1.25", "docker.io", "library/nginx", "1.25", ""),
    OK("docker.io/nginx", "docker.io", "library/nginx", "", ""),
    OK("docker.io/library/nginx:stable", "docker.io", "library/nginx", "stable",
        ""),
    OK("index.docker.io/nginx", "docker.io", "library/nginx", "", ""),
    OK("index.docker.io/library/redis:7", "docker.io", "library/redis", "7",
        ""),
    OK("bitnami/redis:7.2.4-debian-12-r9", "docker.io", "bitnami/redis",
        "7.2.4-debian-12-r9", ""),
    OK("grafana/grafana:10.4.1", "docker.io", "grafana/grafana", "10.4.1", ""),
    OK("org/sub/group/app:1", "docker.io", "org/sub/group/app", "1", ""),
    OK("busybox@" SHA256, "docker.io", "library/busybox", "", SHA256),
    OK("busybox:1.36@" SHA256, "docker.io", "library/busybox", "1.36", SHA256),
    OK("docker.io/bitnami/postgresql:16.2.0@" SHA256, "docker.io",
        "bitnami/postgresql", "16.2.0", SHA256),
    OK("a", "docker.io", "library/a", "", ""),
    OK("0", "docker.io", "library/0", "", ""),
    /* other registries */
    OK("ghcr.io/org/app:v1.2.3@" SHA256, "ghcr.io", "org/app", "v1.2.3",
        SHA256),
    OK("ghcr.io/fluxcd/source-controller:v1.2.4", "ghcr.io",
        "fluxcd/source-controller", "v1.2.4", ""),
    OK("ghcr.io/fluxcd/kustomize-controller@" SHA256, "ghcr.io",
        "fluxcd/kustomize-controller", "", SHA256),
    OK("quay.io/prometheus/node-exporter:v1.7.0", "quay.io",
        "prometheus/node-exporter", "v1.7.0", ""),
    OK("quay.io/argoproj/argocd:v2.10.5", "quay.io", "argoproj/argocd",
        "v2.10.5", ""),
    OK("quay.io/jetstack/cert-manager-controller:v1.14.4", "quay.io",
        "jetstack/cert-manager-controller", "v1.14.4", ""),
    OK("gcr.io/distroless/static-debian12:nonroot", "gcr.io",
        "distroless/static-debian12", "nonroot", ""),
    OK("registry.k8s.io/pause:3.9", "registry.k8s.io", "pause", "3.9", ""),
    OK("registry.k8s.io/ingress-nginx/controller:v1.10.0@" SHA256,
        "registry.k8s.io", "ingress-nginx/controller", "v1.10.0", SHA256),
    OK("europe-west1-docker.pkg.dev/my-proj/my-repo/api:1.0.0",
        "europe-west1-docker.pkg.dev", "my-proj/my-repo/api", "1.0.0", ""),
    OK("123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.2.3",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com", "app", "1.2.3", ""),
    OK("public.ecr.aws/nginx/nginx:1.25", "public.ecr.aws", "nginx/nginx",
        "1.25", ""),
    OK("mcr.microsoft.com/dotnet/aspnet:8.0", "mcr.microsoft.com",
        "dotnet/aspnet", "8.0", ""),
    OK("myregistry.azurecr.io/team/svc:build-1234", "myregistry.azurecr.io",
        "team/svc", "build-1234", ""),
    OK("b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io",
        "test.example.com/my-app", "test.example.com", ""),
    OK("xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage",
        "xn--n3h.com", ""),
    OK("Registry.Example.com/app", "Registry.Example.com", "app", "", ""),
    OK("MyRegistry/app", "MyRegistry", "app", "", ""),
    /* localhost, ports, IP addresses */
    OK("localhost/app", "localhost", "app", "", ""),
    OK("localhost:5000/app", "localhost:5000", "app", "", ""),
    OK("localhost:5000/team/app:dev", "localhost:5000", "team/app", "dev", ""),
    OK("localhost", "docker.io", "library/localhost", "", ""),
    OK("localhost:5000", "docker.io", "library/localhost", "5000", ""),
    OK("registry:5000/app:1.0", "registry:5000", "app", "1.0", ""),
    OK("registry.local:5000/team/app", "registry.local:5000", "team/app", "",
        ""),
    OK("host-with-dash.example.com:443/a/b", "host-with-dash.example.com:443",
        "a/b", "", ""),
    OK("192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", "5050", ""),
    OK("10.0.0.1/app", "10.0.0.1", "app", "", ""),
    OK("test.com:5000", "docker.io", "library/test.com", "5000", ""),
    OK("[::1]:5000/app", "[::1]:5000", "app", "", ""),
    OK("[2001:db8::1]/repo:tag", "[2001:db8::1]", "repo", "tag", ""),
    OK("[2001:db8::1]:5000/repo:tag@" SHA256, "[2001:db8::1]:5000", "repo",
        "tag", SHA256),
    /* path separators and tags */
    OK("my_app", "docker.io", "library/my_app", "", ""),
    OK("my__app", "docker.io", "library/my__app", "", ""),
    OK("my---app", "docker.io", "library/my---app", "", ""),
    OK("a.b.c", "docker.io", "library/a.b.c", "", ""),
    OK("foo/foo_bar.com:8080", "docker.io", "foo/foo_bar.com", "8080", ""),
    OK("app:v1_2_3", "docker.io", "library/app", "v1_2_3", ""),
    OK("app:_private", "docker.io", "library/app", "_private", ""),
    OK("app:1.0.0-rc.1", "docker.io", "library/app", "1.0.0-rc.1", ""),
    OK("app:UPPER", "docker.io", "library/app", "UPPER", ""),
    OK("app:a", "docker.io", "library/app", "a", ""),
    OK("app:3f2c1ab", "docker.io", "library/app", "3f2c1ab", ""),
    /* other digest algorithms */
    OK("app@sha384:" H96, "docker.io", "library/app", "", "sha384:" H96),
    OK("app@sha512:" H128, "docker.io", "library/app", "", "sha512:" H128),

    /* errors */
    BAD("", E_EMPTY),
    BAD(" nginx", E_NAME),
    BAD("nginx ", E_NAME),
    BAD("nginx:1.25 ", E_TAG),
    BAD("nginx\n", E_NAME),
    BAD("//", E_NAME),
    BAD("ghcr.io//app", E_NAME),
    BAD("ghcr.io/", E_NAME),
    BAD("app/", E_NAME),
    BAD("-app", E_NAME),
    BAD("app.", E_NAME),
    BAD("my_-app", E_NAME),
    BAD("my___app", E_NAME),
    BAD("my..app", E_NAME),
    BAD("aa/asdf$$^/aa", E_NAME), /* (distribution) */
    BAD(":justtag", E_NAME), /* (distribution) */
    BAD("@" SHA256, E_NAME), /* (distribution) */
    BAD("[2001:db8::1]:5000", E_NAME), /* (distribution) */
    BAD("nginx:", E_TAG),
    BAD("nginx:@" SHA256, E_TAG),
    BAD("app:-1", E_TAG),
    BAD("app:.x", E_TAG),
    BAD("app:tag:more", E_TAG),
    BAD("app:t/x", E_DOMAIN), /* "app:t" reads as a domain */
    BAD("nginx@", E_DIGEST),
    BAD("app:1.0@", E_DIGEST),
    BAD("app@sha256:abc", E_DIGEST),
    BAD("app@sha256:" H64 "@" SHA256, E_DIGEST),
    BAD("app@sha256:"
        "gggggggggggggggggggggggggggggggggggggggggggggggg"
        "gggggggggggggggg",
        E_DIGEST),
    BAD("app@" F32, E_DIGEST),
    BAD("app@1sha:" F32, E_DIGEST),
    BAD("app@sha256:" F32 "ff", E_DLEN), /* (distribution) */
    BAD("app@sha512:" H64, E_DLEN),
    BAD("app:tag@sha256:" HUP, E_DFMT),
    BAD("app:tag@SHA256:" H64, E_DFMT),
    BAD("app@md5:" F32, E_DALG),
    BAD("validname@invaliddigest:" H64, E_DALG), /* (distribution) */
    BAD("Nginx", E_LOWER),
    BAD("Uppercase:tag", E_LOWER), /* (distribution) */
    BAD("ghcr.io/Org/app", E_LOWER),
    BAD("test:5000/Uppercase/lowercase:tag", E_LOWER), /* (distribution) */
    BAD("app@SHA256:" H64, E_LOWER),
    BAD(H64, E_HEX),
    BAD("[fe80::1%eth0]:5000/repo", E_DOMAIN), /* (distribution) */
    BAD("[]:5000/repo", E_DOMAIN),
    BAD("[::1/repo", E_DOMAIN),
    BAD("[::1]x/repo", E_DOMAIN),
    BAD("foo_bar.com/app", E_DOMAIN),
    BAD("-bad.com/app", E_DOMAIN),
    BAD("bad-.com/app", E_DOMAIN),
    BAD("a..b/c", E_DOMAIN),
    BAD("host:port/app", E_DOMAIN),
    BAD("host:/app", E_DOMAIN),
    BAD("host:1:2/app", E_DOMAIN),
    BAD("nginx:1.0/foo", E_DOMAIN),
};
/* clang-format on */

static void
test_case(const struct image_case *c)
{
	struct image_ref ref, again;
	char err[256], out[IMAGE_REF_MAX + 64];
	int rc;

	err[0] = '\0';
	rc = image_parse(c->in, &ref, err, sizeof(err));
	if (c->domain == NULL) {
		CHECK_INT(rc, -1);
		CHECK_STR(err, c->err);
		CHECK_STR(ref.domain, "");
		CHECK_STR(ref.path, "");
		if (rc != -1 || strcmp(err, c->err) != 0)
			fprintf(stderr, "  input: \"%s\"\n", c->in);
		return;
	}
	CHECK_INT(rc, 0);
	CHECK_STR(ref.domain, c->domain);
	CHECK_STR(ref.path, c->path);
	CHECK_STR(ref.tag, c->tag);
	CHECK_STR(ref.digest, c->digest);
	if (rc != 0)
		fprintf(stderr, "  input: \"%s\": %s\n", c->in, err);

	/* the formatted name is canonical: it parses back to itself */
	image_format(&ref, out, sizeof(out));
	CHECK_INT(image_parse(out, &again, err, sizeof(err)), 0);
	CHECK_STR(again.domain, ref.domain);
	CHECK_STR(again.path, ref.path);
	CHECK_STR(again.tag, ref.tag);
	CHECK_STR(again.digest, ref.digest);
}

/* A reference made of prefix, n copies of fill, then suffix. */
static const char *
build(char *buf, size_t buflen, const char *prefix, char fill, size_t n,
    const char *suffix)
{
	size_t plen = strlen(prefix), slen = strlen(suffix);

	if (plen + n + slen + 1 > buflen)
		return "";
	memcpy(buf, prefix, plen);
	memset(buf + plen, fill, n);
	memcpy(buf + plen + n, suffix, slen + 1);
	return buf;
}

static void
test_limits(void)
{
	static char s[IMAGE_REF_MAX + 64];
	struct image_ref ref;
	char err[128];

	/*
	 * the path counts, the registry host does not (distribution since
	 * v0.6.0): a 255-byte path fits after "ghcr.io/", 256 do not
	 */
	CHECK_INT(image_parse(build(s, sizeof(s), "ghcr.io/", 'a', 255, ":v1"),
	              &ref, err, sizeof(err)),
	    0);
	CHECK_INT(strlen(ref.path), 255);
	CHECK_INT(image_parse(build(s, sizeof(s), "ghcr.io/", 'a', 256, ""),
	              &ref, err, sizeof(err)),
	    -1);
	CHECK_STR(err, E_TOOLONG);
	/* "library/" is part of the path: library/ + 247 = 255 */
	CHECK_INT(image_parse(build(s, sizeof(s), "", 'b', 247, ""), &ref, err,
	              sizeof(err)),
	    0);
	CHECK_INT(image_parse(build(s, sizeof(s), "", 'b', 248, ""), &ref, err,
	              sizeof(err)),
	    -1);
	CHECK_STR(err, E_TOOLONG);

	/* tags: 128 bytes fit, 129 do not */
	CHECK_INT(image_parse(build(s, sizeof(s), "app:", 'T', 128, ""), &ref,
	              err, sizeof(err)),
	    0);
	CHECK_INT(strlen(ref.tag), 128);
	CHECK_INT(image_parse(build(s, sizeof(s), "app:", 'T', 129, ""), &ref,
	              err, sizeof(err)),
	    -1);
	CHECK_STR(err, E_TAGLEN);

	/* whole input: 4096 bytes are parsed, 4097 refused unread */
	CHECK_INT(image_parse(build(s, sizeof(s), "", 'a', IMAGE_REF_MAX, ""),
	              &ref, err, sizeof(err)),
	    -1);
	CHECK_STR(err, E_TOOLONG);
	CHECK_INT(
	    image_parse(build(s, sizeof(s), "", 'a', IMAGE_REF_MAX + 1, ""),
	        &ref, err, sizeof(err)),
	    -1);
	CHECK_STR(err, E_REFLEN);
	CHECK_INT(image_parse(build(s, sizeof(s), "app@sha256:", 'a',
	                          IMAGE_REF_MAX - 15, ""),
	              &ref, err, sizeof(err)),
	    -1);
	CHECK_STR(err, E_DLEN);

	/* distribution: 128 components of "a/" is over the name limit */
	s[0] = '\0';
	for (size_t i = 0; i < 128; i++)
		memcpy(s + 2 * i, "a/", 3);
	memcpy(s + 256, "a:tag", 6);
	CHECK_INT(image_parse(s, &ref, err, sizeof(err)), -1);
	CHECK_STR(err, E_TOOLONG);
}

static void
test_edges(void)
{
	struct image_ref ref, zero;
	char err[8], buf[16];
	size_t n;

	/* NULL input, NULL or tiny error buffer */
	CHECK_INT(image_parse(NULL, &ref, NULL, 0), -1);
	CHECK_STR(ref.domain, "");
	CHECK_INT(image_parse("Nginx", &ref, err, sizeof(err)), -1);
	CHECK_STR(err, "invalid");
	CHECK_INT(image_parse("nginx", NULL, err, sizeof(err)), -1);

	/* format truncates like snprintf and returns the full length */
	CHECK_INT(image_parse("ghcr.io/org/app:v1", &ref, NULL, 0), 0);
	n = image_format(&ref, buf, sizeof(buf));
	CHECK_INT(n, strlen("ghcr.io/org/app:v1"));
	CHECK_STR(buf, "ghcr.io/org/app");
	CHECK_INT(image_format(&ref, NULL, 0), n);
	memset(&zero, 0, sizeof(zero));
	CHECK_INT(image_format(&zero, buf, sizeof(buf)), 1);
	CHECK_STR(buf, "/");
	CHECK_INT(image_format(NULL, buf, sizeof(buf)), 1);

	/* format writes the normalised, fully-qualified form */
	{
		char full[256];

		CHECK_INT(image_parse("nginx", &ref, NULL, 0), 0);
		image_format(&ref, full, sizeof(full));
		CHECK_STR(full, "docker.io/library/nginx");
		CHECK_INT(image_parse(
		              "index.docker.io/redis:7@" SHA256, &ref, NULL, 0),
		    0);
		image_format(&ref, full, sizeof(full));
		CHECK_STR(full, "docker.io/library/redis:7@" SHA256);
		CHECK_INT(image_parse("localhost:5000/app", &ref, NULL, 0), 0);
		image_format(&ref, full, sizeof(full));
		CHECK_STR(full, "localhost:5000/app");
	}
}

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		test_case(&cases[i]);
	test_limits();
	test_edges();
	printf("image: %zu table cases\n", sizeof(cases) / sizeof(cases[0]));
	return unit_done("image");
}
