/*
 * rule_flux_url.c - is a Flux source URL in plain form? A URL a glob
 * accepts must fetch what the glob says: no control bytes or spaces, no
 * backslash, no dot segments (also percent-encoded), no encoded slash,
 * no userinfo but ssh's user name. It does not resolve or fetch anything.
 * And the glob match that keeps a '*' in the host from reaching the path.
 */
#include "rules/rule_flux_source.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/match.h"

#define SCHEME_MAX	16	/* "https", with room to spare */

/* 1 if s[0..len) is "." or "..", spelled with '.' or "%2e". */
static int
dot_segment(const char *s, size_t len)
{
	size_t	i = 0, dots = 0;

	while (i < len) {
		if (s[i] == '.') {
			i++;
		} else if (len - i >= 3 && strncasecmp(s + i, "%2e", 3) == 0) {
			i += 3;
		} else {
			return 0;
		}
		dots++;
	}
	return dots == 1 || dots == 2;
}

/* 1 if s holds the 3-byte escape esc ("%2f"), in either case. */
static int
has_escape(const char *s, const char *esc)
{
	for (; (s = strchr(s, '%')) != NULL; s++)
		if (strncasecmp(s, esc, 3) == 0)
			return 1;
	return 0;
}

/* The characters no plain URL or endpoint holds; NULL if none. */
static const char *
bad_bytes(const char *s)
{
	const unsigned char	*u;

	for (u = (const unsigned char *)s; *u != '\0'; u++) {
		if (*u < 0x20 || *u == 0x7f)
			return "has a control character";
		if (*u == ' ')
			return "has a space";
		if (*u == '\\')
			return "has a backslash";
	}
	if (has_escape(s, "%2f") || has_escape(s, "%5c"))
		return "has an encoded slash";
	if (has_escape(s, "%00"))
		return "has an encoded NUL";
	return NULL;
}

/*
 * The authority (between "://" and the path): user@ only for ssh; ASCII
 * with no escapes, since clients map Unicode and decode %XX in a host
 * (IDNA maps U+FF0F, a full-width slash, to a slash) after the glob
 * has seen it.
 */
static const char *
authority_problem(const char *a, size_t len, const char *scheme)
{
	const char	*at = memchr(a, '@', len);
	size_t		 ulen, i;

	for (i = 0; i < len; i++) {
		if ((unsigned char)a[i] >= 0x80)
			return "has a non-ASCII host (write it in punycode, "
			    "xn--)";
		if (a[i] == '%')
			return "has '%' in the host";
	}
	if (at == NULL)
		return len == 0 ? "has no host" : NULL;
	if (strcmp(scheme, "ssh") != 0)
		return "has a user name before '@' (only ssh:// takes one)";
	ulen = (size_t)(at - a);
	if (ulen == 0 || strspn(a, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != ulen)
		return "has a user part that is not a plain user name";
	if (memchr(at + 1, '@', len - ulen - 1) != NULL)
		return "has '@' twice";
	if ((size_t)(at + 1 - a) == len)
		return "has no host";
	return NULL;
}

/* Path, query and fragment: no dot segment, no '@'. */
static const char *
path_problem(const char *p)
{
	const char	*seg, *end;

	if (strchr(p, '@') != NULL)
		return "has '@' after the host";
	for (seg = p; *seg != '\0'; seg = end + (*end != '\0')) {
		if (*seg == '/')
			seg++;
		end = seg + strcspn(seg, "/?#");
		if (dot_segment(seg, (size_t)(end - seg)))
			return "has a dot segment";
		if (*end == '?' || *end == '#')
			break;
	}
	return NULL;
}

const char *
rule_flux_url_problem(const char *url, const char *const *schemes,
    char *scheme, size_t schemelen)
{
	const char	*why, *sep, *auth, *path;
	size_t		 slen;

	if (schemelen > 0)
		scheme[0] = '\0';
	if (strlen(url) > FLUX_URL_MAX)
		return "is too long";
	if ((why = bad_bytes(url)) != NULL)
		return why;
	if ((sep = strstr(url, "://")) == NULL)
		return "has no scheme";
	slen = (size_t)(sep - url);
	if (slen == 0 || slen >= SCHEME_MAX)
		return "has no scheme";
	snprintf(scheme, schemelen, "%.*s", (int)slen, url);
	for (; *schemes != NULL; schemes++)
		if (strlen(*schemes) == slen &&
		    strncasecmp(*schemes, url, slen) == 0)
			break;
	if (*schemes == NULL)
		return "has a scheme this kind does not fetch";
	auth = sep + 3;
	path = auth + strcspn(auth, "/?#");
	if ((why = authority_problem(auth, (size_t)(path - auth),
	    *schemes)) != NULL)
		return why;
	return path_problem(path);
}

const char *
rule_flux_url_endpoint_problem(const char *endpoint,
    const char *const *schemes, char *scheme, size_t schemelen)
{
	const char	*sep;
	size_t		 len = strlen(endpoint), slen;

	if (schemelen > 0)
		scheme[0] = '\0';
	if (len == 0)
		return "is empty";
	if (len > FLUX_URL_MAX)
		return "is too long";
	if ((sep = strstr(endpoint, "://")) != NULL) {
		slen = (size_t)(sep - endpoint);
		for (; schemes != NULL && *schemes != NULL; schemes++)
			if (strlen(*schemes) == slen &&
			    strncmp(*schemes, endpoint, slen) == 0)
				break;
		if (schemes == NULL || *schemes == NULL)
			return "has a scheme (an endpoint is host[:port])";
		snprintf(scheme, schemelen, "%s", *schemes);
		endpoint = sep + 3;
		len -= slen + 3;
	}
	if (len == 0 || strspn(endpoint, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") != len)
		return "is not host[:port]";
	return NULL;
}

/* Where s's authority ends (after "://"); NULL if s has no "://". */
static const char *
authority_end(const char *s)
{
	const char	*sep = strstr(s, "://");

	if (sep == NULL)
		return NULL;
	sep += 3;
	return sep + strcspn(sep, "/?#");
}

int
rule_flux_url_glob(const char *pattern, const char *url)
{
	char		 pa[FLUX_URL_MAX + 1], ua[FLUX_URL_MAX + 1];
	const char	*pe, *ue;
	size_t		 plen, ulen;

	if ((pe = authority_end(pattern)) == NULL ||
	    (ue = authority_end(url)) == NULL)
		return match_glob(pattern, url);
	plen = (size_t)(pe - pattern);
	ulen = (size_t)(ue - url);
	if (plen > FLUX_URL_MAX || ulen > FLUX_URL_MAX)
		return 0;
	memcpy(pa, pattern, plen);
	pa[plen] = '\0';
	memcpy(ua, url, ulen);
	ua[ulen] = '\0';
	return match_glob(pa, ua) && match_glob(pe, ue);
}
