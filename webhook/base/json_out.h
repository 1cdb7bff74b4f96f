/*
 * json_out.h - a small JSON text writer into one malloc'd buffer: strings
 * escaped per RFC 8259, no tree, no allocation per value. For answers on
 * the request path, which outlive the review's parse blocks.
 */
#ifndef GITGATE_JSON_OUT_H
#define GITGATE_JSON_OUT_H

#include <stddef.h>

struct json_out {
	char	*buf;		/* malloc'd, NUL-terminated; NULL after OOM */
	size_t	 len;
	size_t	 cap;
};

/* Start with room for hint bytes. Returns 0 or -1 (out of memory). */
int	json_out_init(struct json_out *o, size_t hint);
/* Append raw text (already JSON). */
void	json_out_raw(struct json_out *o, const char *s);
/* Append s as a JSON string literal, quotes included. */
void	json_out_str(struct json_out *o, const char *s);
/* Append an integer. */
void	json_out_int(struct json_out *o, long long v);
/* Take the buffer (caller frees with free()); NULL if anything failed. */
char	*json_out_take(struct json_out *o, size_t *len);

#endif
