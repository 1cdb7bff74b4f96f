/*
 * utf8.h - the UTF-8 facts the text-producing modules share: how long a
 * valid sequence is (RFC 3629: no overlongs, no surrogates, <= U+10FFFF)
 * and where a string may be cut. Pure, no allocation.
 */
#ifndef GITGATE_UTF8_H
#define GITGATE_UTF8_H

#include <stddef.h>

/* Length (1-4) of the valid sequence at s, of which n bytes exist; 0 if
 * it is not one. */
size_t	utf8_seq_len(const unsigned char *s, size_t n);

/*
 * The largest m <= n at which s may be cut without splitting a sequence
 * (s[n] must be readable: it is looked at). For "cut to n bytes".
 */
size_t	utf8_boundary(const char *s, size_t n);

/* Drop an incomplete or invalid last sequence of s (after a cut). */
void	utf8_drop_partial(char *s);

#endif
