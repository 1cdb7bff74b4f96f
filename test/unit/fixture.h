/*
 * fixture.h - the builders the rule and eval tests share: JSON written
 * with ' for " (readable in C strings), and string lists for policies
 * made by hand. Header-only, static inline, for test programs only.
 */
#ifndef GITGATE_FIXTURE_H
#define GITGATE_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "policy.h"

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

#endif
