/*
 * unit.h - the whole unit-test harness: CHECK macros that count, and a
 * summary line "unit NAME: N passed, N failed" that test/run parses.
 * A test program returns unit_done(): 0 when nothing failed.
 */
#ifndef GITGATE_UNIT_H
#define GITGATE_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed;

#define CHECK(cond) do {						\
	if (cond) {							\
		unit_passed++;						\
	} else {							\
		unit_failed++;						\
		fprintf(stderr, "%s:%d: CHECK failed: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
	}								\
} while (0)

#define CHECK_STR(got, want) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0) {		\
		unit_passed++;						\
	} else {							\
		unit_failed++;						\
		fprintf(stderr, "%s:%d: %s: got \"%s\", want \"%s\"\n",	\
		    __FILE__, __LINE__, #got, g_ ? g_ : "(null)",	\
		    w_ ? w_ : "(null)");				\
	}								\
} while (0)

#define CHECK_INT(got, want) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	if (g_ == w_) {							\
		unit_passed++;						\
	} else {							\
		unit_failed++;						\
		fprintf(stderr, "%s:%d: %s: got %lld, want %lld\n",	\
		    __FILE__, __LINE__, #got, g_, w_);			\
	}								\
} while (0)

static int
unit_done(const char *name)
{
	printf("unit %s: %d passed, %d failed\n", name, unit_passed,
	    unit_failed);
	return unit_failed == 0 ? 0 : 1;
}

#endif
