/*
 * test_diag.c - webhook/base/diag.c: the "file:line:col: message" forms
 * (no file, no line, col 0, warnings), counts, the DIAG_MAX bound (more
 * are counted and dropped, never stored), long messages cut at
 * DIAG_LINE_MAX, and free/reuse.
 */
#include <stdio.h>
#include <string.h>

#include "base/diag.h"
#include "unit.h"

static const struct {
	enum diag_level	 level;
	const char	*file;
	int		 line, col;
	const char	*want;
} forms[] = {
	{ DIAG_ERROR, "p.yaml", 3, 7, "p.yaml:3:7: bad 42" },
	{ DIAG_ERROR, "p.yaml", 3, 0, "p.yaml:3:1: bad 42" },
	{ DIAG_ERROR, "p.yaml", 0, 5, "p.yaml: bad 42" },
	{ DIAG_ERROR, NULL, 3, 7, "bad 42" },
	{ DIAG_WARNING, "p.yaml", 1, 2, "p.yaml:1:2: warning: bad 42" },
	{ DIAG_WARNING, "dir", -1, 0, "dir: warning: bad 42" },
	{ DIAG_WARNING, NULL, 0, 0, "warning: bad 42" },
};

static void
test_forms(void)
{
	struct diag	d;
	size_t		i, n = sizeof(forms) / sizeof(forms[0]);

	diag_init(&d);
	for (i = 0; i < n; i++)
		diag_add(&d, forms[i].level, forms[i].file, forms[i].line,
		    forms[i].col, "bad %d", 42);
	CHECK_INT(d.n, n);
	CHECK_INT(d.errors, 4);
	CHECK_INT(d.warnings, 3);
	CHECK_INT(d.dropped, 0);
	for (i = 0; i < n && i < d.n; i++) {
		CHECK_STR(d.v[i].text, forms[i].want);
		CHECK_INT(d.v[i].level, forms[i].level);
	}
	diag_free(&d);
	CHECK(d.v == NULL && d.n == 0 && d.errors == 0);
	diag_free(NULL);
}

static void
test_bound(void)
{
	struct diag	d;
	char		want[64];
	size_t		i, ok = 0;

	diag_init(&d);
	for (i = 0; i < DIAG_MAX + 50; i++)
		diag_add(&d, i % 2 ? DIAG_WARNING : DIAG_ERROR, "f", (int)i + 1,
		    1, "n%zu", i);
	CHECK_INT(d.n, DIAG_MAX);
	CHECK_INT(d.dropped, 50);
	CHECK_INT(d.errors + d.warnings, DIAG_MAX + 50);
	CHECK_INT(d.cap, DIAG_MAX);	/* doubling stops at the bound */
	for (i = 0; i < d.n; i++) {
		snprintf(want, sizeof(want), "f:%zu:1: %sn%zu", i + 1,
		    i % 2 ? "warning: " : "", i);
		ok += strcmp(d.v[i].text, want) == 0;
	}
	CHECK_INT(ok, DIAG_MAX);	/* in order, none lost below the bound */
	diag_free(&d);
}

static void
test_long(void)
{
	struct diag	d;
	char		big[DIAG_LINE_MAX * 2];

	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	diag_init(&d);
	diag_add(&d, DIAG_ERROR, "f", 1, 1, "%s", big);
	CHECK_INT(d.n, 1);
	CHECK_INT(strlen(d.v[0].text), DIAG_LINE_MAX - 1);
	CHECK(strncmp(d.v[0].text, "f:1:1: zzz", 10) == 0);
	diag_free(&d);
	/* reusable after free */
	diag_add(&d, DIAG_ERROR, NULL, 0, 0, "again");
	CHECK_INT(d.n, 1);
	CHECK_STR(d.v[0].text, "again");
	diag_free(&d);
}

int
main(void)
{
	test_forms();
	test_bound();
	test_long();
	return unit_done("diag");
}
