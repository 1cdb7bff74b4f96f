/*
 * diag.h - a list of diagnostics ("file:line:col: message"), so a
 * loader can report every problem, not just the first. Bounded: after
 * DIAG_MAX entries further ones are counted but not stored.
 */
#ifndef GITGATE_DIAG_H
#define GITGATE_DIAG_H

#include <stddef.h>

#define DIAG_MAX	200
#define DIAG_LINE_MAX	512

enum diag_level { DIAG_ERROR, DIAG_WARNING };

struct diag_entry {
	enum diag_level	 level;
	/* "file:line:col: message"; warnings "...: warning: ..." */
	char		*text;
};

struct diag {
	struct diag_entry	*v;
	size_t			 n;	/* stored */
	size_t			 cap;	/* slots of v; grows by doubling */
	size_t			 errors;	/* counted, stored or not */
	size_t			 warnings;
	size_t			 dropped;
};

/* A zeroed struct diag is empty and valid. */
void	diag_init(struct diag *d);
/*
 * Add one entry. file may be NULL (then no location is printed); line and
 * col are 1-based, 0 means unknown. Out of memory drops the text but still
 * counts the entry, so an error is never lost from the counts.
 */
void	diag_add(struct diag *d, enum diag_level level, const char *file,
	    int line, int col, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));
/* Frees the entries; the struct can be reused after diag_init(). */
void	diag_free(struct diag *d);

#endif
