/*
 * fixture.h - the builders the rule and eval tests share: JSON written
 * with ' for " (readable in C strings), and string lists for policies
 * made by hand, and a structural UTF-8 check for the texts they produce.
 * Header-only, static inline, for test programs only.
 */
#ifndef GITGATE_FIXTURE_H
#define GITGATE_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

/* Copy s into buf with every ' turned into "; returns buf. */
static inline const char *
fixture_json(char *buf, size_t size, const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0' && i < size - 1; i++)
		buf[i] = s[i] == '\'' ? '"' : s[i];
	buf[i] = '\0';
	return buf;
}

/* Fill l with copies of the n strings of v. */
static inline void
fixture_list_set(struct strlist *l, const char *const *v, size_t n)
{
	size_t	i;

	l->v = n ? calloc(n, sizeof(*l->v)) : NULL;
	l->n = l->v != NULL ? n : 0;
	for (i = 0; i < l->n; i++)
		l->v[i] = strdup(v[i]);
}

/* Free what fixture_list_set() made; l is left empty. */
static inline void
fixture_list_free(struct strlist *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/*
 * 1 if s is whole UTF-8 sequences (lead byte, then the continuation bytes
 * it announces): no sequence cut short. Independent of webhook/base/utf8.c on
 * purpose, so that the tests check the product's cutting, not reuse it.
 */
static inline int
fixture_utf8_whole(const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 n, i;

	while (*u != '\0') {
		n = *u < 0x80 ? 1 : (*u & 0xe0) == 0xc0 ? 2 :
		    (*u & 0xf0) == 0xe0 ? 3 : (*u & 0xf8) == 0xf0 ? 4 : 0;
		if (n == 0)
			return 0;
		for (i = 1; i < n; i++)
			if ((u[i] & 0xc0) != 0x80)
				return 0;
		u += n;
	}
	return 1;
}

#endif
