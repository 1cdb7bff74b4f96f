/*
 * json_out.c - append-only JSON text in a dynbuf: it doubles when full,
 * and any failure poisons the writer so callers check once, at take.
 */
#include "base/json_out.h"

#include <stdio.h>
#include <string.h>

int
json_out_init(struct json_out *o, size_t hint)
{
	dynbuf_init(&o->b, JSON_OUT_MAX);
	return dynbuf_reserve(&o->b, hint < 256 ? 256 : hint);
}

/*
 * dynbuf_add(), with the common case inline: room is already there. Safe
 * by dynbuf's invariants: cap never passes max + 1, buf is NULL after a
 * failure.
 */
static inline void
put(struct json_out *o, const char *s, size_t n)
{
	struct dynbuf	*b = &o->b;

	if (b->buf != NULL && n < b->cap - b->len) {
		memcpy(b->buf + b->len, s, n);
		b->len += n;
		b->buf[b->len] = '\0';
		return;
	}
	(void)dynbuf_add(b, s, n);
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
	return dynbuf_take(&o->b, len);
}
