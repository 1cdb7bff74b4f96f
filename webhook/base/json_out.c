/*
 * json_out.c - append-only JSON text. The buffer doubles when full; any
 * failure poisons the writer (buf = NULL) so callers check once, at take.
 */
#include "base/json_out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
json_out_init(struct json_out *o, size_t hint)
{
	o->cap = hint < 256 ? 256 : hint;
	o->len = 0;
	if ((o->buf = malloc(o->cap)) == NULL)
		return -1;
	o->buf[0] = '\0';
	return 0;
}

static void
put(struct json_out *o, const char *s, size_t n)
{
	char	*nb;
	size_t	 cap;

	if (o->buf == NULL)
		return;
	if (o->len + n + 1 > o->cap) {
		cap = o->cap;
		while (o->len + n + 1 > cap)
			cap *= 2;
		if ((nb = realloc(o->buf, cap)) == NULL) {
			free(o->buf);
			o->buf = NULL;
			return;
		}
		o->buf = nb;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

void
json_out_raw(struct json_out *o, const char *s)
{
	put(o, s, strlen(s));
}

void
json_out_str(struct json_out *o, const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	const unsigned char	*run;
	char			 esc[8];

	put(o, "\"", 1);
	while (*u != '\0') {
		for (run = u; *u >= 0x20 && *u != '"' && *u != '\\'; u++)
			;
		put(o, (const char *)run, (size_t)(u - run));
		if (*u == '\0')
			break;
		switch (*u) {
		case '"':
			put(o, "\\\"", 2);
			break;
		case '\\':
			put(o, "\\\\", 2);
			break;
		case '\n':
			put(o, "\\n", 2);
			break;
		case '\t':
			put(o, "\\t", 2);
			break;
		case '\r':
			put(o, "\\r", 2);
			break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04x", *u);
			put(o, esc, 6);
			break;
		}
		u++;
	}
	put(o, "\"", 1);
}

void
json_out_int(struct json_out *o, long long v)
{
	char	num[32];
	int	n;

	n = snprintf(num, sizeof(num), "%lld", v);
	put(o, num, (size_t)n);
}

char *
json_out_take(struct json_out *o, size_t *len)
{
	char	*b = o->buf;

	if (len != NULL)
		*len = b != NULL ? o->len : 0;
	o->buf = NULL;
	o->len = 0;
	o->cap = 0;
	return b;
}
