/*
 * test_json_out.c - webhook/base/json_out.c: strings escaped per RFC 8259
 * (each escape, control characters as \u00XX, UTF-8 passed through),
 * integers, raw text, the output read back by cJSON, and the
 * JSON_OUT_MAX bound (past it take returns NULL).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/json_out.h"
#include "unit.h"

static const struct {
	const char	*in, *want;
} strs[] = {
	{ "", "\"\"" },
	{ "plain", "\"plain\"" },
	{ "a\"b", "\"a\\\"b\"" },
	{ "a\\b", "\"a\\\\b\"" },
	{ "l1\nl2\tt\rr", "\"l1\\nl2\\tt\\rr\"" },
	{ "\x01\x1f", "\"\\u0001\\u001f\"" },
	{ "\b\f", "\"\\u0008\\u000c\"" },
	{ "caf\xc3\xa9 \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"" },
	{ "/", "\"/\"" },
	{ "\x7f", "\"\x7f\"" },
};

static void
test_strings(void)
{
	struct json_out	 o;
	cJSON		*j;
	char		*s;
	size_t		 i, len;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		CHECK_INT(json_out_init(&o, 0), 0);
		json_out_str(&o, strs[i].in);
		s = json_out_take(&o, &len);
		CHECK_STR(s, strs[i].want);
		CHECK_INT(len, s != NULL ? strlen(s) : 0);
		/* what cJSON reads back is the input */
		j = s != NULL ? cJSON_Parse(s) : NULL;
		CHECK(j != NULL && cJSON_IsString(j) &&
		    strcmp(j->valuestring, strs[i].in) == 0);
		cJSON_Delete(j);
		free(s);
	}
}

static const struct {
	long long	 v;
	const char	*want;
} ints[] = {
	{ 0, "0" },
	{ -1, "-1" },
	{ 403, "403" },
	{ LLONG_MAX, "9223372036854775807" },
	{ LLONG_MIN, "-9223372036854775808" },
};

static void
test_document(void)
{
	struct json_out	 o;
	char		*s;
	size_t		 i, len;

	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		CHECK_INT(json_out_init(&o, 16), 0);
		json_out_int(&o, ints[i].v);
		s = json_out_take(&o, NULL);
		CHECK_STR(s, ints[i].want);
		free(s);
	}
	CHECK_INT(json_out_init(&o, 4), 0);
	json_out_raw(&o, "{\"uid\":");
	json_out_str(&o, "u-1");
	json_out_raw(&o, ",\"code\":");
	json_out_int(&o, 403);
	json_out_raw(&o, "}");
	s = json_out_take(&o, &len);
	CHECK_STR(s, "{\"uid\":\"u-1\",\"code\":403}");
	CHECK_INT(len, 24);
	free(s);
}

static void
test_bound(void)
{
	struct json_out	 o;
	char		*chunk, *s;
	size_t		 i, n = 1024 * 1024;
	size_t		 len = 1;

	if ((chunk = malloc(n + 1)) == NULL)
		return;
	memset(chunk, 'q', n);
	chunk[n] = '\0';
	/* JSON_OUT_MAX exactly: fine */
	CHECK_INT(json_out_init(&o, 0), 0);
	for (i = 0; i < JSON_OUT_MAX / n; i++)
		json_out_raw(&o, chunk);
	s = json_out_take(&o, &len);
	CHECK(s != NULL);
	CHECK_INT(len, JSON_OUT_MAX);
	free(s);
	/* one byte more: the writer is poisoned, take says so once */
	CHECK_INT(json_out_init(&o, 0), 0);
	for (i = 0; i < JSON_OUT_MAX / n; i++)
		json_out_raw(&o, chunk);
	json_out_raw(&o, "x");
	json_out_raw(&o, "}");
	s = json_out_take(&o, &len);
	CHECK(s == NULL);
	CHECK_INT(len, 0);
	free(chunk);
}

int
main(void)
{
	test_strings();
	test_document();
	test_bound();
	return unit_done("json_out");
}
