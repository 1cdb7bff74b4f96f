/*
 * image.c - container image references by the distribution grammar, as
 * ParseNormalizedNamed reads them: split and normalise the domain, then
 * check every part with a hand-written, bounded, non-recursive scanner.
 * Input is attacker-controlled (pod specs): nothing here allocates, and
 * nothing reads past IMAGE_REF_MAX bytes. No policy lives here.
 */
#include "base/image.h"

#include <stdio.h>
#include <string.h>

#define IMAGE_DEFAULT_DOMAIN "docker.io"
#define IMAGE_LEGACY_DOMAIN "index.docker.io"
#define IMAGE_LIBRARY "library/"
#define IMAGE_LIBRARY_LEN (sizeof(IMAGE_LIBRARY) - 1)
#define IMAGE_IDENTIFIER_LEN 64

#define ERR_FORMAT "invalid reference format"

/* A span of the input: pointer and length, not NUL-terminated. */
struct image_span {
	const char *s;
	size_t n;
};

/* The reference after splitDockerDomain, before validation. */
struct image_split {
	struct image_span domain;
	struct image_span rest; /* all after the domain */
	struct image_span path;
	struct image_span tag; /* n == 0: absent */
	struct image_span digest; /* n == 0: absent */
	int library; /* prepend "library/" to path */
	int has_tag; /* ':' seen (tag may be "") */
	int has_digest; /* '@' seen (may be "") */
};

static int
is_lower_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int
is_alnum(int c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static int
is_xdigit(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static int
span_eq(struct image_span sp, const char *lit)
{
	size_t n = strlen(lit);

	return sp.n == n && memcmp(sp.s, lit, n) == 0;
}

static int
span_has_upper(struct image_span sp)
{
	size_t i;

	for (i = 0; i < sp.n; i++)
		if (sp.s[i] >= 'A' && sp.s[i] <= 'Z')
			return 1;
	return 0;
}

static int
set_err(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
	return -1;
}

/* anchoredIdentifierRegexp: exactly 64 lower-case hex digits. */
static int
is_identifier(const char *s, size_t n)
{
	size_t i;

	if (n != IMAGE_IDENTIFIER_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
			(s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/*
 * splitDockerDomain, then cut the remainder into path, tag and digest.
 * The remainder's path ends at the first ':' or '@': neither may occur in
 * a path, and a tag cannot hold '@', so this cut is the regexp's only one.
 */
static void
split_reference(const char *ref, size_t len, struct image_split *sp)
{
	const char *slash, *end = ref + len, *p;
	struct image_span first, rest;

	memset(sp, 0, sizeof(*sp));
	sp->domain.s = IMAGE_DEFAULT_DOMAIN;
	sp->domain.n = sizeof(IMAGE_DEFAULT_DOMAIN) - 1;
	rest.s = ref;
	rest.n = len;
	slash = memchr(ref, '/', len);
	if (slash == NULL) {
		sp->library = 1;
	} else {
		first.s = ref;
		first.n = (size_t)(slash - ref);
		if (span_eq(first, IMAGE_LEGACY_DOMAIN)) {
			rest.s = slash + 1;
		} else if (span_eq(first, "localhost") ||
		    memchr(first.s, '.', first.n) != NULL ||
		    memchr(first.s, ':', first.n) != NULL ||
		    span_has_upper(first)) {
			sp->domain = first;
			rest.s = slash + 1;
		}
		rest.n = (size_t)(end - rest.s);
		if (span_eq(sp->domain, IMAGE_DEFAULT_DOMAIN) &&
		    memchr(rest.s, '/', rest.n) == NULL)
			sp->library = 1;
	}

	sp->rest = rest;
	for (p = rest.s; p < end && *p != ':' && *p != '@'; p++)
		;
	sp->path.s = rest.s;
	sp->path.n = (size_t)(p - rest.s);
	if (p < end && *p == ':') {
		sp->has_tag = 1;
		sp->tag.s = ++p;
		while (p < end && *p != '@')
			p++;
		sp->tag.n = (size_t)(p - sp->tag.s);
	}
	if (p < end && *p == '@') {
		sp->has_digest = 1;
		sp->digest.s = p + 1;
		sp->digest.n = (size_t)(end - sp->digest.s);
	}
}

/*
 * ParseNormalizedNamed's lower-case check looks at the remainder up to its
 * first ':', which without a tag includes an "@algorithm" too.
 */
static struct image_span
remote_name(struct image_span rest)
{
	const char *colon = memchr(rest.s, ':', rest.n);

	if (colon != NULL)
		rest.n = (size_t)(colon - rest.s);
	return rest;
}

/* host [':' port]; host is a domain-name or '[' IPv6 ']'. */
static int
valid_domain(struct image_span d)
{
	size_t i = 0, start;

	if (d.n > 0 && d.s[0] == '[') {
		for (i = 1; i < d.n && d.s[i] != ']'; i++)
			if (!is_xdigit((unsigned char)d.s[i]) && d.s[i] != ':')
				return 0;
		if (i == 1 || i == d.n)
			return 0;
		i++;
	} else {
		for (;;) {
			start = i;
			while (i < d.n &&
			    (is_alnum((unsigned char)d.s[i]) || d.s[i] == '-'))
				i++;
			if (i == start || d.s[start] == '-' ||
			    d.s[i - 1] == '-')
				return 0;
			if (i == d.n || d.s[i] != '.')
				break;
			i++;
		}
	}
	if (i == d.n)
		return 1;
	if (d.s[i++] != ':' || i == d.n)
		return 0;
	for (; i < d.n; i++)
		if (d.s[i] < '0' || d.s[i] > '9')
			return 0;
	return 1;
}

/*
 * remote-name: components [a-z0-9]+ joined by '.', '_', '__' or '-'+,
 * themselves joined by '/'. One pass, state is "what did we just see".
 */
static int
valid_path(struct image_span p)
{
	size_t i, run = 0;
	char prev = '/'; /* as if just after a '/' */

	for (i = 0; i < p.n; i++) {
		char c = p.s[i];

		if (is_lower_alnum((unsigned char)c)) {
			run = 0;
		} else if (c == '/' || c == '.' || c == '_' || c == '-') {
			if (!is_lower_alnum((unsigned char)prev) &&
			    !(c == prev &&
				(c == '-' || (c == '_' && run == 1))))
				return 0;
			run = c == prev ? run + 1 : 1;
		} else {
			return 0;
		}
		prev = c;
	}
	return p.n > 0 && is_lower_alnum((unsigned char)prev);
}

/* [\w][\w.-]{0,127}; an over-long but well-formed tag says so. */
static int
check_tag(struct image_span t, char *err, size_t errlen)
{
	size_t i;

	if (t.n == 0 || t.s[0] == '.' || t.s[0] == '-')
		return set_err(err, errlen, ERR_FORMAT ": invalid tag");
	for (i = 0; i < t.n; i++)
		if (!is_alnum((unsigned char)t.s[i]) && t.s[i] != '_' &&
		    t.s[i] != '.' && t.s[i] != '-')
			return set_err(err, errlen, ERR_FORMAT ": invalid tag");
	if (t.n > IMAGE_TAG_MAX)
		return set_err(err, errlen, ERR_FORMAT ": tag longer than 128");
	return 0;
}

/*
 * The reference grammar's digest (algorithm components [A-Za-z][A-Za-z0-9]*
 * joined by one of "-_+.", then ':' and 32 or more hex digits), then what
 * go-digest's Parse adds: a registered algorithm, its exact length, and
 * lower-case hex only.
 */
static int
check_digest(struct image_span d, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		size_t hexlen;
	} algs[] = {
	    {"sha256", 64},
	    {"sha384", 96},
	    {"sha512", 128},
	};
	struct image_span alg, hex;
	size_t i;
	int want_alpha = 1;

	for (i = 0; i < d.n && d.s[i] != ':'; i++) {
		char c = d.s[i];

		if (want_alpha &&
		    !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			goto bad;
		if (!want_alpha && !is_alnum((unsigned char)c) && c != '-' &&
		    c != '_' && c != '+' && c != '.')
			goto bad;
		want_alpha = !is_alnum((unsigned char)c);
	}
	if (i == d.n || want_alpha)
		goto bad;
	alg.s = d.s;
	alg.n = i;
	hex.s = d.s + i + 1;
	hex.n = d.n - i - 1;
	if (hex.n < 32)
		goto bad;
	for (i = 0; i < hex.n; i++)
		if (!is_xdigit((unsigned char)hex.s[i]))
			goto bad;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (span_eq(alg, algs[i].name))
			break;
	if (i == sizeof(algs) / sizeof(algs[0]))
		return set_err(err, errlen, span_has_upper(alg) ?
		    "invalid checksum digest format" :
		    "unsupported digest algorithm");
	if (hex.n != algs[i].hexlen)
		return set_err(err, errlen, "invalid checksum digest length");
	for (i = 0; i < hex.n; i++)
		if (hex.s[i] >= 'A' && hex.s[i] <= 'F')
			return set_err(
			    err, errlen, "invalid checksum digest format");
	return 0;
bad:
	return set_err(err, errlen, ERR_FORMAT ": invalid digest");
}

/* Validate every part of a split reference, in distribution's order. */
static int
check_split(const struct image_split *sp, char *err, size_t errlen)
{
	if (!valid_domain(sp->domain))
		return set_err(err, errlen, ERR_FORMAT ": invalid domain");
	if (!valid_path(sp->path))
		return set_err(
		    err, errlen, ERR_FORMAT ": invalid repository name");
	if (sp->has_tag && check_tag(sp->tag, err, errlen) == -1)
		return -1;
	if (sp->has_digest && sp->digest.n == 0)
		return set_err(err, errlen, ERR_FORMAT ": invalid digest");
	/* distribution since v0.6.0: the limit is on the path, not the host */
	if ((sp->library ? IMAGE_LIBRARY_LEN : 0) + sp->path.n >
	    IMAGE_NAME_MAX)
		return set_err(err, errlen,
		    "repository name must not be more than 255 characters");
	if (sp->has_digest && check_digest(sp->digest, err, errlen) == -1)
		return -1;
	return 0;
}

/*
 * Append one NUL-terminated field (optional prefix, then span) at *pos in
 * out->buf; returns the field's start, or NULL if it would not fit.
 */
static const char *
put_field(struct image_ref *out, size_t *pos, const char *prefix,
    struct image_span sp)
{
	size_t plen = prefix != NULL ? strlen(prefix) : 0;
	char *start = out->buf + *pos;

	if (plen + sp.n + 1 > sizeof(out->buf) - *pos)
		return NULL;
	if (plen > 0)
		memcpy(start, prefix, plen);
	if (sp.n > 0)
		memcpy(start + plen, sp.s, sp.n);
	start[plen + sp.n] = '\0';
	*pos += plen + sp.n + 1;
	return start;
}

static void
image_clear(struct image_ref *out)
{
	out->buf[0] = '\0';
	out->domain = out->path = out->tag = out->digest = out->buf;
}

int
image_parse(const char *ref, struct image_ref *out, char *err, size_t errlen)
{
	struct image_split sp;
	const char *f[4];
	size_t len, pos = 0;

	if (out == NULL)
		return set_err(err, errlen, ERR_FORMAT ": no output");
	image_clear(out);
	if (ref == NULL || ref[0] == '\0')
		return set_err(err, errlen, ERR_FORMAT ": empty reference");
	len = strnlen(ref, IMAGE_REF_MAX + 1);
	if (len > IMAGE_REF_MAX)
		return set_err(err, errlen, "reference longer than 4096");
	if (is_identifier(ref, len))
		return set_err(err, errlen,
		    "invalid repository name "
		    "(64 hex chars), cannot specify 64-byte hexadecimal "
		    "strings");

	split_reference(ref, len, &sp);
	if (span_has_upper(remote_name(sp.rest)))
		return set_err(err, errlen,
		    ERR_FORMAT ": repository name must be lowercase");
	if (check_split(&sp, err, errlen) == -1)
		return -1;

	f[0] = put_field(out, &pos, NULL, sp.domain);
	f[1] = put_field(out, &pos, sp.library ? IMAGE_LIBRARY : NULL, sp.path);
	f[2] = put_field(out, &pos, NULL, sp.tag);
	f[3] = put_field(out, &pos, NULL, sp.digest);
	if (f[0] == NULL || f[1] == NULL || f[2] == NULL || f[3] == NULL) {
		image_clear(out);
		return set_err(err, errlen, "reference longer than 4096");
	}
	out->domain = f[0];
	out->path = f[1];
	out->tag = f[2];
	out->digest = f[3];
	return 0;
}

size_t
image_format(const struct image_ref *ref, char *buf, size_t buflen)
{
	const char *domain = "", *path = "", *tag = "", *digest = "";
	char scratch[1];
	int n;

	if (ref != NULL) {
		domain = ref->domain != NULL ? ref->domain : "";
		path = ref->path != NULL ? ref->path : "";
		tag = ref->tag != NULL ? ref->tag : "";
		digest = ref->digest != NULL ? ref->digest : "";
	}
	if (buf == NULL) {
		buf = scratch;
		buflen = sizeof(scratch);
	}
	n = snprintf(buf, buflen, "%s/%s%s%s%s%s", domain, path,
	    tag[0] != '\0' ? ":" : "", tag, digest[0] != '\0' ? "@" : "",
	    digest);
	return n < 0 ? 0 : (size_t)n;
}
