/*
 * test_utf8.c - webhook/base/utf8.c: sequence lengths per RFC 3629 (the
 * edges: overlongs, surrogates, past U+10FFFF, truncated, bad
 * continuations), cut points that never split a sequence, and dropping a
 * partial last sequence.
 */
#include <string.h>

#include "base/utf8.h"
#include "unit.h"

static const struct {
	const char	*bytes;
	size_t		 n;		/* bytes given */
	size_t		 want;		/* 0: not a valid sequence */
} seqs[] = {
	{ "A", 1, 1 },
	{ "\x7f", 1, 1 },
	{ "", 0, 0 },
	{ "\x80", 1, 0 },			/* lone continuation */
	{ "\xc0\x80", 2, 0 },			/* overlong NUL */
	{ "\xc1\xbf", 2, 0 },			/* overlong */
	{ "\xc2\x80", 2, 2 },			/* U+0080 */
	{ "\xdf\xbf", 2, 2 },			/* U+07FF */
	{ "\xc3\xa9", 1, 0 },			/* truncated */
	{ "\xc3\x28", 2, 0 },			/* bad continuation */
	{ "\xe0\x9f\xbf", 3, 0 },		/* overlong 3-byte */
	{ "\xe0\xa0\x80", 3, 3 },		/* U+0800 */
	{ "\xe2\x82\xac", 3, 3 },		/* euro sign */
	{ "\xed\x9f\xbf", 3, 3 },		/* U+D7FF */
	{ "\xed\xa0\x80", 3, 0 },		/* U+D800, a surrogate */
	{ "\xed\xbf\xbf", 3, 0 },		/* U+DFFF */
	{ "\xef\xbf\xbf", 3, 3 },		/* U+FFFF */
	{ "\xe2\x82", 2, 0 },			/* truncated */
	{ "\xe2\x82\x41", 3, 0 },
	{ "\xf0\x8f\xbf\xbf", 4, 0 },		/* overlong 4-byte */
	{ "\xf0\x90\x80\x80", 4, 4 },		/* U+10000 */
	{ "\xf0\x9f\x98\x80", 4, 4 },		/* an emoji */
	{ "\xf4\x8f\xbf\xbf", 4, 4 },		/* U+10FFFF */
	{ "\xf4\x90\x80\x80", 4, 0 },		/* U+110000 */
	{ "\xf5\x80\x80\x80", 4, 0 },
	{ "\xff", 1, 0 },
	{ "\xf0\x9f\x98", 3, 0 },		/* truncated */
};

static void
test_seq_len(void)
{
	size_t	i;

	for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++)
		CHECK_INT(utf8_seq_len((const unsigned char *)seqs[i].bytes,
		    seqs[i].n), seqs[i].want);
}

/* "aé€😀" = a(1) é(2) €(3) 😀(4): the cut points at or below n */
static const size_t boundary_want[] = { 0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10 };

static void
test_boundary(void)
{
	const char	*s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	size_t		 n;

	for (n = 0; n <= 10; n++)
		CHECK_INT(utf8_boundary(s, n), boundary_want[n]);
}

static const struct {
	const char	*in, *out;
} drops[] = {
	{ "", "" },
	{ "abc", "abc" },
	{ "ab\xc3\xa9", "ab\xc3\xa9" },
	{ "ab\xc3", "ab" },
	{ "ab\xe2\x82", "ab" },
	{ "ab\xf0\x9f\x98", "ab" },
	{ "ab\xf0\x9f\x98\x80", "ab\xf0\x9f\x98\x80" },
	{ "\xc3", "" },
};

static void
test_drop_partial(void)
{
	char	buf[32];
	size_t	i;

	for (i = 0; i < sizeof(drops) / sizeof(drops[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", drops[i].in);
		utf8_drop_partial(buf);
		CHECK_STR(buf, drops[i].out);
	}
}

int
main(void)
{
	test_seq_len();
	test_boundary();
	test_drop_partial();
	return unit_done("utf8");
}
