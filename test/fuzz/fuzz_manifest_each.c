/*
 * fuzz_manifest_each.c - libFuzzer harness for manifest_each(), the
 * streaming reader of `gitgate check`: any bytes must be read or reported
 * without leaks or undefined behaviour, and whenever manifest_decode()
 * accepts the input whole, manifest_each() must hand over the same
 * objects at the same positions with no error.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/manifest.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	const struct manifest	*m;
	size_t			 n;
	int			 differ;
};

static void
each_one(void *arg, struct manifest_obj *mo, const char *skip)
{
	struct seen	*s = arg;
	char		*a, *b;

	if (skip != NULL || s->m == NULL)
		return;
	if (s->n >= s->m->n || mo->line != s->m->v[s->n].line ||
	    mo->col != s->m->v[s->n].col || mo->item != s->m->v[s->n].item) {
		s->differ = 1;
		s->n++;
		return;
	}
	a = cJSON_PrintUnformatted(mo->obj);
	b = cJSON_PrintUnformatted(s->m->v[s->n].obj);
	if (a != NULL && b != NULL && strcmp(a, b) != 0)
		s->differ = 1;
	free(a);
	free(b);
	s->n++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct manifest	m;
	struct diag	d, e;
	struct seen	s = { NULL, 0, 0 };
	size_t		errors;

	diag_init(&d);
	diag_init(&e);
	if (manifest_decode("fuzz", (const char *)data, size, &m, &d) == 0)
		s.m = &m;
	errors = manifest_each("fuzz", (const char *)data, size, each_one, &s,
	    &e);
	if (s.m != NULL && (errors != 0 || s.differ || s.n != m.n))
		abort();	/* streaming disagrees with the whole read */
	if (s.m != NULL)
		manifest_free(&m);
	diag_free(&d);
	diag_free(&e);
	return 0;
}
