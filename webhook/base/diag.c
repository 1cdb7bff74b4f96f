/*
 * diag.c - a bounded list of diagnostics. Formatting happens here, once,
 * so every loader prints "file:line:col: message" the same way.
 */
#include "base/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
diag_init(struct diag *d)
{
	memset(d, 0, sizeof(*d));
}

void
diag_add(struct diag *d, enum diag_level level, const char *file, int line,
    int col, const char *fmt, ...)
{
	char			 msg[DIAG_LINE_MAX], text[DIAG_LINE_MAX];
	struct diag_entry	*nv;
	const char		*sev = level == DIAG_WARNING ? "warning: " : "";
	size_t			 cap;
	va_list			 ap;

	if (level == DIAG_ERROR)
		d->errors++;
	else
		d->warnings++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (file == NULL)
		snprintf(text, sizeof(text), "%s%s", sev, msg);
	else if (line <= 0)
		snprintf(text, sizeof(text), "%s: %s%s", file, sev, msg);
	else
		snprintf(text, sizeof(text), "%s:%d:%d: %s%s", file, line,
		    col > 0 ? col : 1, sev, msg);
	if (d->n >= DIAG_MAX) {
		d->dropped++;
		return;
	}
	if (d->n == d->cap) {
		cap = d->cap == 0 ? 8 : d->cap * 2;
		if (cap > DIAG_MAX)
			cap = DIAG_MAX;
		if ((nv = reallocarray(d->v, cap, sizeof(*nv))) == NULL) {
			d->dropped++;
			return;
		}
		d->v = nv;
		d->cap = cap;
	}
	d->v[d->n].level = level;
	if ((d->v[d->n].text = strdup(text)) == NULL) {
		d->dropped++;
		return;
	}
	d->n++;
}

void
diag_free(struct diag *d)
{
	size_t	i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++)
		free(d->v[i].text);
	free(d->v);
	diag_init(d);
}
