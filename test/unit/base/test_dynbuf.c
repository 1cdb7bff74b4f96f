/*
 * test_dynbuf.c - webhook/base/dynbuf.c: appends up to the maximum and not
 * one byte past it, growth by doubling, printf appends that need a second
 * pass, the sticky failure (freed, later appends refused, take NULL), take
 * and reuse, and a maximum of 0.
 */
#include <stdlib.h>
#include <string.h>

#include "base/dynbuf.h"
#include "unit.h"

/* (max, appends of these lengths) -> the error after each */
static const struct {
	size_t			 max;
	size_t			 n[4];
	enum dynbuf_error	 want[4];
	size_t			 len;		/* held at the end */
} cases[] = {
	{ 10, { 4, 6, 0, 0 }, { DYNBUF_OK, DYNBUF_OK, DYNBUF_OK, DYNBUF_OK },
	    10 },
	{ 10, { 4, 7, 1, 0 }, { DYNBUF_OK, DYNBUF_TOO_LARGE,
	    DYNBUF_TOO_LARGE, DYNBUF_TOO_LARGE }, 0 },
	{ 0, { 0, 1, 0, 0 }, { DYNBUF_OK, DYNBUF_TOO_LARGE, DYNBUF_TOO_LARGE,
	    DYNBUF_TOO_LARGE }, 0 },
	{ 100000, { 300, 5000, 60000, 30000 }, { DYNBUF_OK, DYNBUF_OK,
	    DYNBUF_OK, DYNBUF_OK }, 95300 },
	{ 100000, { 300, 5000, 60000, 40000 }, { DYNBUF_OK, DYNBUF_OK,
	    DYNBUF_OK, DYNBUF_TOO_LARGE }, 0 },
};

static void
test_limits(void)
{
	static char	src[100000];
	struct dynbuf	b;
	size_t		i, k, held;
	int		rc;

	memset(src, 'x', sizeof(src));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dynbuf_init(&b, cases[i].max);
		for (k = 0, held = 0; k < 4; k++) {
			rc = dynbuf_add(&b, src, cases[i].n[k]);
			CHECK_INT(b.error, cases[i].want[k]);
			CHECK_INT(rc, cases[i].want[k] == DYNBUF_OK ? 0 : -1);
			if (rc == 0)
				held += cases[i].n[k];
			CHECK(b.len <= cases[i].max);
			CHECK(b.buf == NULL || b.cap <= cases[i].max + 1);
		}
		CHECK_INT(b.len, cases[i].len);
		if (cases[i].want[3] == DYNBUF_OK) {
			CHECK_INT(held, cases[i].len);
			CHECK_INT(b.buf[b.len], '\0');
		} else
			CHECK(b.buf == NULL);	/* freed at the failure */
		dynbuf_free(&b);
	}
}

static void
test_doubling(void)
{
	struct dynbuf	b;
	size_t		i, grows = 0, cap = 0;

	dynbuf_init(&b, 1 << 20);
	for (i = 0; i < 100000; i++) {
		if (dynbuf_add(&b, "a", 1) == -1)
			break;
		if (b.cap != cap) {
			grows++;
			CHECK(cap == 0 || b.cap >= 2 * cap);
			cap = b.cap;
		}
	}
	CHECK(grows <= 12);		/* 256 .. 128 KiB */
	CHECK_INT(b.len, 100000);
	dynbuf_free(&b);
	CHECK(b.buf == NULL);
	CHECK_INT(b.max, 1 << 20);
}

static void
test_printf(void)
{
	struct dynbuf	 b;
	char		 big[1000], *s;
	size_t		 len;

	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	dynbuf_init(&b, 4096);
	CHECK_INT(dynbuf_addf(&b, "%s=%d;", "a", 42), 0);
	CHECK_INT(dynbuf_addf(&b, "[%s]", big), 0);	/* past 256: again */
	CHECK_INT(dynbuf_add_str(&b, "end"), 0);
	CHECK_INT(b.len, 5 + 1001 + 3);
	CHECK(strncmp(b.buf, "a=42;[yyy", 9) == 0);
	CHECK(strcmp(b.buf + b.len - 4, "]end") == 0);
	s = dynbuf_take(&b, &len);
	CHECK_INT(len, 1009);
	CHECK(s != NULL && strlen(s) == 1009);
	free(s);
	/* taken: empty again, same max, reusable */
	CHECK(b.buf == NULL && b.len == 0 && b.max == 4096);
	s = dynbuf_take(&b, &len);
	CHECK(s != NULL && s[0] == '\0' && len == 0);
	free(s);
	/* printf past the maximum fails and sticks */
	dynbuf_init(&b, 100);
	CHECK_INT(dynbuf_addf(&b, "%s", big), -1);
	CHECK_INT(b.error, DYNBUF_TOO_LARGE);
	CHECK_INT(dynbuf_add(&b, "a", 1), -1);
	CHECK(dynbuf_take(&b, &len) == NULL);
	CHECK_INT(len, 0);
	dynbuf_free(&b);
	CHECK_INT(b.error, DYNBUF_OK);			/* free resets */
	CHECK_INT(dynbuf_add(&b, "a", 1), 0);
	dynbuf_free(&b);
	dynbuf_free(NULL);
}

static void
test_reserve(void)
{
	struct dynbuf	b;

	dynbuf_init(&b, 1000);
	CHECK_INT(dynbuf_reserve(&b, 600), 0);
	CHECK(b.cap >= 601 && b.cap <= 1001);
	CHECK_INT(b.len, 0);
	CHECK_INT(b.buf[0], '\0');
	CHECK_INT(dynbuf_reserve(&b, 1001), -1);
	CHECK_INT(b.error, DYNBUF_TOO_LARGE);
	dynbuf_free(&b);
}

int
main(void)
{
	test_limits();
	test_doubling();
	test_printf();
	test_reserve();
	return unit_done("dynbuf");
}
