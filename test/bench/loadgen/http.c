/*
 * http.c - frame one HTTP/1.x answer in a byte buffer: status line, the
 * two headers that delimit the body (Content-Length, Transfer-Encoding:
 * chunked), the body. Pure: no I/O, no allocation. It does not interpret
 * any other header and does not handle 1xx answers (a webhook sends none).
 */
#include "loadgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HTTP_HEAD_MAX	(64 << 10)

/*
 * The line starting at p: returns its end (CR excluded) and sets *next past
 * its LF; NULL if the LF has not arrived yet.
 */
static const char *
http_line(const char *p, const char *end, const char **next)
{
	const char	*q;

	if ((q = memchr(p, '\n', (size_t)(end - p))) == NULL)
		return NULL;
	*next = q + 1;
	return q > p && q[-1] == '\r' ? q - 1 : q;
}

/* Whether the header line [p, e) is "name: ..."; the value start in *v. */
static int
http_header_is(const char *p, const char *e, const char *name,
    const char **v)
{
	size_t	n;

	n = strlen(name);
	if ((size_t)(e - p) <= n || strncasecmp(p, name, n) != 0 ||
	    p[n] != ':')
		return 0;
	for (p += n + 1; p < e && (*p == ' ' || *p == '\t'); p++)
		;
	*v = p;
	return 1;
}

/* Parse a number in base 10 or 16 from [p, e); -1 if none or too large. */
static long long
http_number(const char *p, const char *e, int base)
{
	long long	 n;
	int		 d, any;

	n = 0;
	any = 0;
	for (; p < e; p++) {
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		if (n > LG_RESP_MAX)
			return -1;
		n = n * base + d;
		any = 1;
	}
	return any ? n : -1;
}

/*
 * A chunked body starting at p: 1 when complete (decoded in place, length
 * in r->bodylen, r->consumed set), 0 when more is needed, -1 malformed.
 */
static int
http_chunked(char *buf, char *p, const char *end, struct http_resp *r,
    char *err, size_t errlen)
{
	char		*dst;
	const char	*q, *e, *next;
	long long	 n;
	int		 pass;

	/* pass 0 checks that it is all there, pass 1 decodes in place */
	for (pass = 0; pass < 2; pass++) {
		q = p;
		dst = p;
		for (;;) {
			if ((e = http_line(q, end, &next)) == NULL)
				return 0;
			if ((n = http_number(q, e, 16)) < 0) {
				snprintf(err, errlen, "bad chunk size");
				return -1;
			}
			q = next;
			if (n == 0)
				break;
			if (end - q < n + 2)
				return 0;
			if (pass == 1)
				memmove(dst, q, (size_t)n);
			dst += n;
			q += n + 2;
		}
		/* no trailers: the final empty line */
		if ((e = http_line(q, end, &next)) == NULL)
			return 0;
		if (e != q) {
			snprintf(err, errlen, "chunked trailers");
			return -1;
		}
		q = next;
	}
	r->body = p;
	r->bodylen = (size_t)(dst - p);
	r->consumed = (size_t)(q - buf);
	return 1;
}

int
http_parse(char *buf, size_t len, struct http_resp *r, char *err,
    size_t errlen)
{
	const char	*end = buf + len, *p, *e, *v, *next;
	long long	 length = -1;
	int		 chunked = 0;

	if ((e = http_line(buf, end, &next)) == NULL)
		goto more;
	if (e - buf < 12 || strncmp(buf, "HTTP/1.", 7) != 0 ||
	    (r->code = (int)http_number(buf + 9, buf + 12, 10)) < 100) {
		snprintf(err, errlen, "bad status line");
		return -1;
	}
	for (;;) {
		p = next;
		if ((e = http_line(p, end, &next)) == NULL)
			goto more;
		if (e == p)
			break;
		if (http_header_is(p, e, "content-length", &v) &&
		    (length = http_number(v, e, 10)) < 0) {
			snprintf(err, errlen, "bad Content-Length");
			return -1;
		}
		if (http_header_is(p, e, "transfer-encoding", &v) &&
		    memmem(v, (size_t)(e - v), "chunked", 7) != NULL)
			chunked = 1;
	}
	if (chunked)
		return http_chunked(buf, buf + (next - buf), end, r, err,
		    errlen);
	if (length < 0) {
		snprintf(err, errlen, "no Content-Length");
		return -1;
	}
	if (end - next < length)
		return 0;
	r->body = next;
	r->bodylen = (size_t)length;
	r->consumed = (size_t)(next - buf) + (size_t)length;
	return 1;
more:
	if (len > HTTP_HEAD_MAX && memmem(buf, len, "\r\n\r\n", 4) == NULL) {
		snprintf(err, errlen, "header too large");
		return -1;
	}
	return 0;
}
