/*
 * json_out.h - a small JSON text writer into one bounded buffer: strings
 * escaped per RFC 8259, no tree, no allocation per value. For answers on
 * the request path, which outlive the review's parse blocks.
 */
#ifndef GITGATE_JSON_OUT_H
#define GITGATE_JSON_OUT_H

#include <stddef.h>

#include "base/dynbuf.h"

#define JSON_OUT_MAX	(16u * 1024 * 1024)	/* longer text: take fails */

struct json_out {
	struct dynbuf	b;	/* at most JSON_OUT_MAX bytes */
};

/* Start with room for hint bytes. Returns 0 or -1 (out of memory). */
int	json_out_init(struct json_out *o, size_t hint);
/* Append raw text (already JSON). */
void	json_out_raw(struct json_out *o, const char *s);
/* Append s as a JSON string literal, quotes included. */
void	json_out_str(struct json_out *o, const char *s);
/* Append an integer. */
void	json_out_int(struct json_out *o, long long v);
/*
 * Take the buffer (caller frees with free()); NULL if anything failed (out
 * of memory, or longer than JSON_OUT_MAX).
 */
char	*json_out_take(struct json_out *o, size_t *len);

#endif
