/*
 * dynbuf.c - a bounded growable buffer. Capacity doubles, so n appends
 * cost O(n) copies; it never passes max + 1 bytes (the NUL). The first
 * failure frees the bytes and sticks: there is no half-written output.
 */
#include "base/dynbuf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DYNBUF_FIRST	256	/* the first allocation, if max allows */

void
dynbuf_init(struct dynbuf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

static int
dynbuf_fail(struct dynbuf *b, enum dynbuf_error e)
{
	free(b->buf);
	b->buf = NULL;
	b->len = 0;
	b->cap = 0;
	b->error = e;
	return -1;
}

int
dynbuf_reserve(struct dynbuf *b, size_t n)
{
	size_t	 need, cap;
	char	*nb;

	if (b->error != DYNBUF_OK)
		return -1;
	if (n > b->max - b->len)
		return dynbuf_fail(b, DYNBUF_TOO_LARGE);
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap == 0 ? DYNBUF_FIRST : b->cap;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	if ((nb = realloc(b->buf, cap)) == NULL)
		return dynbuf_fail(b, DYNBUF_NO_MEMORY);
	if (b->buf == NULL)
		nb[0] = '\0';
	b->buf = nb;
	b->cap = cap;
	return 0;
}

int
dynbuf_add(struct dynbuf *b, const void *p, size_t n)
{
	if (dynbuf_reserve(b, n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->buf + b->len, p, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return 0;
}

int
dynbuf_add_str(struct dynbuf *b, const char *s)
{
	return dynbuf_add(b, s, strlen(s));
}

int
dynbuf_vaddf(struct dynbuf *b, const char *fmt, va_list ap)
{
	va_list	again;
	int	n;

	if (dynbuf_reserve(b, 0) == -1)
		return -1;
	va_copy(again, ap);
	n = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
	if (n >= 0 && (size_t)n >= b->cap - b->len) {
		if (dynbuf_reserve(b, (size_t)n) == -1) {
			va_end(again);
			return -1;
		}
		(void)vsnprintf(b->buf + b->len, b->cap - b->len, fmt, again);
	}
	va_end(again);
	if (n < 0)
		return dynbuf_fail(b, DYNBUF_NO_MEMORY);
	b->len += (size_t)n;
	return 0;
}

int
dynbuf_addf(struct dynbuf *b, const char *fmt, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, fmt);
	rc = dynbuf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

char *
dynbuf_take(struct dynbuf *b, size_t *len)
{
	char	*out;

	if (len != NULL)
		*len = 0;
	if (b->error != DYNBUF_OK || dynbuf_reserve(b, 0) == -1)
		return NULL;
	out = b->buf;
	if (len != NULL)
		*len = b->len;
	b->buf = NULL;
	b->len = 0;
	b->cap = 0;
	return out;
}

void
dynbuf_free(struct dynbuf *b)
{
	if (b == NULL)
		return;
	free(b->buf);
	dynbuf_init(b, b->max);
}
