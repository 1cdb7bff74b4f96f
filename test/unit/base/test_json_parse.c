/*
 * test_json_parse.c - webhook/base/json_parse.c against its contract and
 * against cJSON: every value type, escapes, numbers (valueint saturation,
 * -0, strtod rounding), each refusal with its exact message and offset,
 * the skip paths, the depth and memory bounds, cJSON's link shape, trees
 * equal to cJSON_ParseWithLengthOpts's for a corpus (test/data/reviews too:
 * run from the repository root), and a heap left as it was found.
 */
#include "base/json_parse.h"

#include <dirent.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json_same.h"
#include "unit.h"

#define S(x)		x, sizeof(x) - 1	/* a literal with its NULs */
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define REVIEWS_DIR	"test/data/reviews"
#define BAD_DIR		"test/data/reviews-bad"

static const char *const review_skip[] = {
	"request/oldObject",
	"request/object/metadata/managedFields",
	NULL
};

/*
 * json_parse on an exact-size heap copy of in[0..len), so that a read
 * past the end is an ASan report, and so that the tree is shown not to
 * borrow from the input (the copy is gone when this returns).
 */
static int
parse(const char *in, size_t len, const struct json_parse_opts *o,
    struct json_doc *doc, char *err, size_t errlen)
{
	char	*copy;
	int	 rc;

	if ((copy = malloc(len > 0 ? len : 1)) == NULL)
		abort();
	memcpy(copy, in, len);
	err[0] = '\0';
	rc = json_parse(copy, len, o, doc, err, errlen);
	memset(copy, 'X', len);
	free(copy);
	return rc;
}

/*
 * cJSON's links: next runs first to last and ends in NULL, each prev is
 * the one before, and the first child's prev is the last child. Array
 * elements have no key; object members all have one.
 */
static int
shape_ok(const cJSON *n, int in_object)
{
	const cJSON	*c, *last;

	if (n->prev == NULL && n->string == NULL && in_object)
		return 0;
	if ((n->type & 0xff) != cJSON_Array && (n->type & 0xff) != cJSON_Object)
		return n->child == NULL;
	if (n->child == NULL)
		return 1;
	for (c = n->child, last = NULL; c != NULL; last = c, c = c->next) {
		if (c != n->child && c->prev != last)
			return 0;
		if (((n->type & 0xff) == cJSON_Object) != (c->string != NULL))
			return 0;
		if (!shape_ok(c, (n->type & 0xff) == cJSON_Object))
			return 0;
	}
	return n->child->prev == last;
}

/*
 * cJSON's parse of all of in[0..len): cJSON_ParseWithLength stops after
 * the first value, so what follows it must be JSON whitespace.
 */
static cJSON *
cjson_parse_all(const char *in, size_t len)
{
	const char	*end = NULL;
	cJSON		*c;

	if ((c = cJSON_ParseWithLengthOpts(in, len, &end, 0)) == NULL)
		return NULL;
	for (; end < in + len; end++)
		if (*end != ' ' && *end != '\t' && *end != '\n' &&
		    *end != '\r') {
			cJSON_Delete(c);
			return NULL;
		}
	return c;
}

/* Nesting depth of the tree at n (a scalar is 0). */
static int
depth_of(const cJSON *n)
{
	const cJSON	*c;
	int		 d, max = 0;

	for (c = n->child; c != NULL; c = c->next)
		if ((d = depth_of(c)) > max)
			max = d;
	return n->child != NULL || (n->type & 0xff) == cJSON_Array ||
	    (n->type & 0xff) == cJSON_Object ? max + 1 : 0;
}

/*
 * Parse in with json_parse and with cJSON; both must accept, and give
 * the same tree in cJSON's shape. Returns 1 when all of that held.
 */
static int
same_as_cjson(const char *what, const char *in, size_t len)
{
	struct json_doc	 doc;
	cJSON		*theirs, *again;
	char		 err[256], *pa, *pb;
	int		 ok = 1;

	if (parse(in, len, NULL, &doc, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: json_parse: %s\n", what, err);
		CHECK(!"json_parse accepts");
		return 0;
	}
	if ((theirs = cjson_parse_all(in, len)) == NULL) {
		fprintf(stderr, "%s: cJSON refuses\n", what);
		CHECK(!"cJSON accepts");
		json_doc_free(&doc);
		return 0;
	}
	if (!tree_same(doc.root, theirs)) {
		fprintf(stderr, "%s: trees differ\n", what);
		ok = 0;
	}
	/*
	 * cJSON_Compare is false for duplicate keys and infinities even on
	 * one tree, and exponential in the depth of objects.
	 */
	again = depth_of(theirs) <= 12 ? cJSON_ParseWithLength(in, len) :
	    NULL;
	if (again != NULL && cJSON_Compare(again, theirs, 1) &&
	    !cJSON_Compare(doc.root, theirs, 1)) {
		fprintf(stderr, "%s: cJSON_Compare false\n", what);
		ok = 0;
	}
	cJSON_Delete(again);
	if (!shape_ok(doc.root, 0)) {
		fprintf(stderr, "%s: links not as cJSON's\n", what);
		ok = 0;
	}
	pa = cJSON_PrintUnformatted(doc.root);
	pb = cJSON_PrintUnformatted(theirs);
	if (pa == NULL || pb == NULL || strcmp(pa, pb) != 0) {
		fprintf(stderr, "%s: printed differently\n", what);
		ok = 0;
	}
	free(pa);
	free(pb);
	CHECK(ok);
	cJSON_Delete(theirs);
	json_doc_free(&doc);
	return ok;
}

/* --- valid documents --- */

static const struct {
	const char	*in;
	size_t		 len;
} valid[] = {
	{ S("null") }, { S("true") }, { S("false") }, { S("0") },
	{ S("\"\"") }, { S("\"x\"") }, { S("{}") }, { S("[]") },
	{ S(" \t\r\n[ 1 , 2 ]\r\n\t ") },
	{ S("[null,true,false,0,-1,\"s\",{},[]]") },
	{ S("{\"a\":null,\"b\":true,\"c\":false,\"d\":1.5,\"e\":\"s\","
	    "\"f\":{\"g\":[]},\"h\":[{}]}") },
	{ S("{\"\":1}") },
	{ S("[[[[[[[[[[]]]]]]]]]]") },
	{ S("[{\"a\":[{\"b\":[1,{\"c\":null}]}]},2]") },
	{ S("{\"a\":1,\"b\":2,\"c\":{\"a\":3}}") },	/* a key per object */
	{ S("{\"b\":1,\"a\":2}") },			/* order kept */
	{ S("[1,[2,[3]],4]") },
	{ S("{\"k\\u00e9y\\n\":\"v\\\"\\\\\\/\\b\\f\\n\\r\\t\"}") },
	{ S("\"\\ud83d\\ude00 \\uD83D\\uDE00 \\udbff\\udfff \\uffff\"") },
	{ S("\"\\u0001\\u001f\\u007f\\u0080\\u07ff\\u0800\\ud7ff\\ue000\"") },
	{ S("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf "
	    "\xef\xbf\xbf \x7f\"") },
	{ S("[0,-0,0.0,-0.0,1e0,1E0,1e+0,1e-0,0e5,-0e-5,123.456e-7]") },
	{ S("[2147483647,2147483648,-2147483648,-2147483649,1e300,-1e300]") },
	{ S("[1e400,-1e400,1e-400,4.9e-324,2.2250738585072014e-308]") },
	{ S("[9007199254740991,9007199254740992,9007199254740993,"
	    "9999999999999999,-9999999999999999,99999999999999999]") },
	{ S("[0.1,0.2,0.30000000000000004,1.7976931348623157e308]") },
	{ S("[123456789012345678901234567890,1.00000000000000011102230246251565]") },
	{ S("{\"a\":[],\"b\":{},\"c\":[[]],\"d\":[{}]}") },
};

static void
test_valid(void)
{
	size_t	i;
	char	what[32];

	for (i = 0; i < NELEM(valid); i++) {
		snprintf(what, sizeof(what), "valid[%zu]", i);
		same_as_cjson(what, valid[i].in, valid[i].len);
	}
}

/* Big enough to need more than one block, and long strings. */
static void
test_large(void)
{
	size_t	 n = 200000, i, off;
	char	*b;

	if ((b = malloc(n * 16 + 64)) == NULL)
		abort();
	off = 0;
	b[off++] = '[';
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(b + off, 16, "%s{\"k\":%zu}",
		    i ? "," : "", i % 1000);
	b[off++] = ']';
	same_as_cjson("large array", b, off);
	b[0] = '"';
	memset(b + 1, 'a', n * 4);
	memcpy(b + 1 + n * 2, "\\u00e9", 6);
	b[n * 4 + 1] = '"';
	same_as_cjson("long string", b, n * 4 + 2);
	free(b);
}

/* --- strings and numbers, value by value --- */

static const struct {
	const char	*in;
	const char	*want;
} strings[] = {
	{ "\"\"", "" },
	{ "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t" },
	{ "\"a\\u0062c\"", "abc" },
	{ "\"\\u0041\\u00e9\\u20AC\"", "A\xc3\xa9\xe2\x82\xac" },
	{ "\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80" },
	{ "\"\\uD834\\uDD1E\"", "\xf0\x9d\x84\x9e" },
	{ "\"\\ud800\\udc00\"", "\xf0\x90\x80\x80" },
	{ "\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf" },
	{ "\"\\uffff\\u0800\\u07ff\\u0080\\u007f\"",
	  "\xef\xbf\xbf\xe0\xa0\x80\xdf\xbf\xc2\x80\x7f" },
	{ "\"\\u0001\"", "\x01" },
	{ "\"x\\ud83d\\ude00y\\u00e9\"", "x\xf0\x9f\x98\x80y\xc3\xa9" },
	{ "\"\xc3\xa9\\n\xf0\x9f\x98\x80\"", "\xc3\xa9\n\xf0\x9f\x98\x80" },
};

static void
test_strings(void)
{
	struct json_doc	doc;
	char		err[256];
	size_t		i;

	for (i = 0; i < NELEM(strings); i++) {
		if (parse(strings[i].in, strlen(strings[i].in), NULL, &doc,
		    err, sizeof(err)) == -1) {
			fprintf(stderr, "strings[%zu]: %s\n", i, err);
			CHECK(!"string accepted");
			continue;
		}
		CHECK_INT(doc.root->type & 0xff, cJSON_String);
		CHECK_STR(doc.root->valuestring, strings[i].want);
		CHECK(doc.root->string == NULL);
		json_doc_free(&doc);
		same_as_cjson(strings[i].in, strings[i].in,
		    strlen(strings[i].in));
	}
}

static const struct {
	const char	*in;
	int		 valueint;
	double		 valuedouble;
} numbers[] = {
	{ "0", 0, 0.0 },
	{ "7", 7, 7.0 },
	{ "-7", -7, -7.0 },
	{ "1.5", 1, 1.5 },
	{ "-1.5", -1, -1.5 },
	{ "0.999", 0, 0.999 },
	{ "1e3", 1000, 1000.0 },
	{ "1E+2", 100, 100.0 },
	{ "25e-1", 2, 2.5 },
	{ "1e-2", 0, 0.01 },
	{ "2147483646", 2147483646, 2147483646.0 },
	{ "2147483647", INT_MAX, 2147483647.0 },
	{ "2147483648", INT_MAX, 2147483648.0 },
	{ "-2147483647", -2147483647, -2147483647.0 },
	{ "-2147483648", INT_MIN, -2147483648.0 },
	{ "-2147483649", INT_MIN, -2147483649.0 },
	{ "2147483647.5", INT_MAX, 2147483647.5 },
	{ "1e300", INT_MAX, 1e300 },
	{ "-1e300", INT_MIN, -1e300 },
	{ "1e400", INT_MAX, HUGE_VAL },
	{ "-1e400", INT_MIN, -HUGE_VAL },
	{ "1e-400", 0, 0.0 },
	{ "4.9e-324", 0, 4.9e-324 },
	{ "9007199254740993", INT_MAX, 9007199254740992.0 },
	{ "9999999999999999", INT_MAX, 1e16 },
	{ "-9007199254740993", INT_MIN, -9007199254740992.0 },
	{ "0.1", 0, 0.1 },
	{ "123456789012345678901234567890", INT_MAX,
	  123456789012345678901234567890.0 },
	/* longer than upstream cJSON's 63-byte number buffer */
	{ "0.00000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000001", 0, 1e-92 },
	{ "1000000000000000000000000000000000000000000000000000000000000000"
	  "0000000000000000000000000000000000000", INT_MAX, 1e100 },
};

/*
 * 1 if this cJSON reads numbers longer than 63 bytes (Debian's build
 * does; upstream 1.7.15 stops at its 64-byte buffer and refuses).
 */
static int
cjson_long_numbers(void)
{
	char	 probe[80];
	cJSON	*c;
	int	 ok;

	memset(probe, '1', sizeof(probe));
	c = cJSON_ParseWithLength(probe, sizeof(probe));
	ok = c != NULL && c->valuedouble > 1e79;
	cJSON_Delete(c);
	return ok;
}

static void
test_numbers(void)
{
	struct json_doc	 doc;
	char		 err[256];
	size_t		 i;
	const cJSON	*r;

	for (i = 0; i < NELEM(numbers); i++) {
		if (parse(numbers[i].in, strlen(numbers[i].in), NULL, &doc,
		    err, sizeof(err)) == -1) {
			fprintf(stderr, "numbers[%zu]: %s\n", i, err);
			CHECK(!"number accepted");
			continue;
		}
		r = doc.root;
		CHECK_INT(r->type & 0xff, cJSON_Number);
		CHECK_INT(r->valueint, numbers[i].valueint);
		CHECK(r->valuedouble == numbers[i].valuedouble);
		CHECK(r->valuedouble == strtod(numbers[i].in, NULL));
		CHECK(r->valuestring == NULL);
		json_doc_free(&doc);
		if (strlen(numbers[i].in) < 64 || cjson_long_numbers())
			same_as_cjson(numbers[i].in, numbers[i].in,
			    strlen(numbers[i].in));
	}
	/* -0: a negative zero, as strtod gives */
	if (parse(S("-0"), NULL, &doc, err, sizeof(err)) == 0) {
		CHECK(doc.root->valuedouble == 0.0);
		CHECK(signbit(doc.root->valuedouble));
		CHECK_INT(doc.root->valueint, 0);
		json_doc_free(&doc);
	} else
		CHECK(!"-0 accepted");
}

/* --- refusals --- */

static const struct {
	const char	*in;
	size_t		 len;
	const char	*err;
} bad[] = {
	/* syntax */
	{ S(""), "malformed JSON near byte 0" },
	{ S(" \n"), "malformed JSON near byte 2" },
	{ S("["), "malformed JSON near byte 1" },
	{ S("[1"), "malformed JSON near byte 2" },
	{ S("[1,"), "malformed JSON near byte 3" },
	{ S("[1,]"), "malformed JSON near byte 3" },
	{ S("[,1]"), "malformed JSON near byte 1" },
	{ S("[1 2]"), "malformed JSON near byte 3" },
	{ S("[1}"), "malformed JSON near byte 2" },
	{ S("{"), "malformed JSON near byte 1" },
	{ S("{,}"), "malformed JSON near byte 1" },
	{ S("{\"a\"}"), "malformed JSON near byte 4" },
	{ S("{\"a\":}"), "malformed JSON near byte 5" },
	{ S("{\"a\" 1}"), "malformed JSON near byte 5" },
	{ S("{\"a\":1,}"), "malformed JSON near byte 7" },
	{ S("{\"a\":1]"), "malformed JSON near byte 6" },
	{ S("{1:2}"), "malformed JSON near byte 1" },
	{ S("{a:2}"), "malformed JSON near byte 1" },
	{ S("{'a':2}"), "malformed JSON near byte 1" },
	{ S("{\"a\"::1}"), "malformed JSON near byte 5" },
	{ S("]"), "malformed JSON near byte 0" },
	{ S("tru"), "malformed JSON near byte 0" },
	{ S("True"), "malformed JSON near byte 0" },
	{ S("nul"), "malformed JSON near byte 0" },
	{ S("[fals]"), "malformed JSON near byte 1" },
	{ S("undefined"), "malformed JSON near byte 0" },
	{ S("\"abc"), "malformed JSON near byte 4" },
	{ S("\"abc\\"), "malformed JSON near byte 4" },
	{ S("'a'"), "malformed JSON near byte 0" },
	/* escapes */
	{ S("\"\\x\""), "malformed JSON near byte 1" },
	{ S("\"\\U0041\""), "malformed JSON near byte 1" },
	{ S("\"\\u12\""), "malformed JSON near byte 1" },
	{ S("\"\\u12G4\""), "malformed JSON near byte 1" },
	{ S("\"ab\\u004"), "malformed JSON near byte 3" },
	{ S("\"\\ud800\""), "malformed JSON near byte 1" },
	{ S("\"\\udc00\""), "malformed JSON near byte 1" },
	{ S("\"\\udfff\\ud800\""), "malformed JSON near byte 1" },
	{ S("\"\\ud800\\u0041\""), "malformed JSON near byte 1" },
	{ S("\"\\ud800\\ud800\""), "malformed JSON near byte 1" },
	{ S("\"\\ud800x\\udc00\""), "malformed JSON near byte 1" },
	{ S("\"\\ud800\\n\""), "malformed JSON near byte 1" },
	{ S("[\"x\",\"\\ud83d\"]"), "malformed JSON near byte 6" },
	{ S("{\"\\ud83d\":1}"), "malformed JSON near byte 2" },
	/* numbers, strictly by the RFC's grammar */
	{ S("01"), "malformed JSON: trailing data at byte 1" },
	{ S("[01]"), "malformed JSON near byte 2" },
	{ S("-01"), "malformed JSON: trailing data at byte 2" },
	{ S("00"), "malformed JSON: trailing data at byte 1" },
	{ S("1."), "malformed JSON near byte 2" },
	{ S("[1.]"), "malformed JSON near byte 3" },
	{ S("1.e5"), "malformed JSON near byte 2" },
	{ S(".5"), "malformed JSON near byte 0" },
	{ S("+1"), "malformed JSON near byte 0" },
	{ S("-"), "malformed JSON near byte 1" },
	{ S("-a"), "malformed JSON near byte 1" },
	{ S("--1"), "malformed JSON near byte 1" },
	{ S("- 1"), "malformed JSON near byte 1" },
	{ S("1e"), "malformed JSON near byte 2" },
	{ S("1e+"), "malformed JSON near byte 3" },
	{ S("1E-x"), "malformed JSON near byte 3" },
	{ S("[1e]"), "malformed JSON near byte 3" },
	{ S("0x10"), "malformed JSON: trailing data at byte 1" },
	{ S("1.5.3"), "malformed JSON: trailing data at byte 3" },
	{ S("Infinity"), "malformed JSON near byte 0" },
	{ S("-Infinity"), "malformed JSON near byte 1" },
	{ S("NaN"), "malformed JSON near byte 0" },
	/* whitespace is four bytes only, and no BOM */
	{ S("\f1"), "malformed JSON near byte 0" },
	{ S("[1,\v2]"), "malformed JSON near byte 3" },
	{ S("\x00"), "malformed JSON near byte 0" },
	{ S("\xc2\xa0" "1"), "malformed JSON near byte 0" },
	{ S("\xef\xbb\xbf{}"), "malformed JSON near byte 0" },
	/* trailing data */
	{ S("{} x"), "malformed JSON: trailing data at byte 3" },
	{ S("[]]"), "malformed JSON: trailing data at byte 2" },
	{ S("1 2"), "malformed JSON: trailing data at byte 2" },
	{ S("{}{}"), "malformed JSON: trailing data at byte 2" },
	{ S("nulll"), "malformed JSON: trailing data at byte 4" },
	{ S("1\x00"), "malformed JSON: trailing data at byte 1" },
	{ S("\"a\"\"b\""), "malformed JSON: trailing data at byte 3" },
	{ S("[1]\xc3\xa9"), "malformed JSON: trailing data at byte 3" },
	/* raw control characters in strings (DEL is allowed) */
	{ S("\"a\tb\""), "control character in a JSON string at byte 2" },
	{ S("\"\x1f\""), "control character in a JSON string at byte 1" },
	{ S("\"\x00\""), "control character in a JSON string at byte 1" },
	{ S("\"\n\""), "control character in a JSON string at byte 1" },
	{ S("{\"a\nb\":1}"), "control character in a JSON string at byte 3" },
	{ S("[\"ok\",\"x\x01\"]"),
	  "control character in a JSON string at byte 8" },
	/* \u0000: a C string would end there */
	{ S("\"\\u0000\""), "\\u0000 in a JSON string at byte 1" },
	{ S("[\"ab\\u0000\"]"), "\\u0000 in a JSON string at byte 4" },
	{ S("{\"\\u0000\":1}"), "\\u0000 in a JSON string at byte 2" },
	{ S("{\"a\":\"x\\n\\u0000\"}"), "\\u0000 in a JSON string at byte 9" },
	/* UTF-8 per RFC 3629, in strings and out */
	{ S("\"\xc3(\""), "invalid UTF-8 at byte 1" },
	{ S("\"\xc0\xaf\""), "invalid UTF-8 at byte 1" },
	{ S("\"\xc1\xbf\""), "invalid UTF-8 at byte 1" },
	{ S("\"\xe0\x80\xaf\""), "invalid UTF-8 at byte 1" },
	{ S("\"\xe0\x9f\xbf\""), "invalid UTF-8 at byte 1" },
	{ S("\"\xf0\x80\x80\xaf\""), "invalid UTF-8 at byte 1" },
	{ S("\"\xf0\x8f\xbf\xbf\""), "invalid UTF-8 at byte 1" },
	{ S("\"\xed\xa0\x80\""), "invalid UTF-8 at byte 1" },
	{ S("\"\xed\xbf\xbf\""), "invalid UTF-8 at byte 1" },
	{ S("\"\xed\xa0\xbd\xed\xb8\x80\""), "invalid UTF-8 at byte 1" },
	{ S("\"\xf4\x90\x80\x80\""), "invalid UTF-8 at byte 1" },
	{ S("\"\xf5\x80\x80\x80\""), "invalid UTF-8 at byte 1" },
	{ S("\"\xf8\x88\x80\x80\x80\""), "invalid UTF-8 at byte 1" },
	{ S("\"\xfe\""), "invalid UTF-8 at byte 1" },
	{ S("\"\xff\""), "invalid UTF-8 at byte 1" },
	{ S("\"\x80\""), "invalid UTF-8 at byte 1" },
	{ S("\"ab\xbf\""), "invalid UTF-8 at byte 3" },
	{ S("\"\xe2\x82\""), "invalid UTF-8 at byte 1" },
	{ S("\"ab\xe2\x82"), "invalid UTF-8 at byte 3" },
	{ S("\"\xf0\x9f\x98\""), "invalid UTF-8 at byte 1" },
	{ S("\"\xc3\xa9\xc3\""), "invalid UTF-8 at byte 3" },
	{ S("{\"k\xff\":1}"), "invalid UTF-8 at byte 3" },
	{ S("\xff"), "invalid UTF-8 at byte 0" },
	{ S("\xef\xbb"), "invalid UTF-8 at byte 0" },
	{ S("[\xe0\x80\x80]"), "invalid UTF-8 at byte 1" },
	{ S("{\xff:1}"), "invalid UTF-8 at byte 1" },
	{ S("[1]\xff"), "invalid UTF-8 at byte 3" },
	{ S("[1,\xc3\xa9]"), "malformed JSON near byte 3" },
	{ S("-\xff"), "invalid UTF-8 at byte 1" },
	{ S("{\"a\":1,\"a\":2,\"a\":{\"a\":3}}"),
	  "duplicate key \"a\" near byte 10" },
	/* a key twice in one object (Go keeps the last) */
	{ S("{\"image\":\"x:1.0\",\"image\":\"x:latest\"}"),
	  "duplicate key \"image\" near byte 24" },
	{ S("{\"a\":{\"b\":1,\"c\":2,\"b\":3}}"),
	  "duplicate key \"b\" near byte 21" },
	{ S("{\"ab\":1,\"a\\u0062\":2}"),	/* the same once decoded */
	  "duplicate key \"ab\" near byte 17" },
	{ S("{\"\":1,\"\":2}"), "duplicate key \"\" near byte 8" },
	{ S("[{\"k\":1,\"l\":2,\"k\":[]}]"),
	  "duplicate key \"k\" near byte 17" },
};

static void
test_bad(void)
{
	struct json_doc	 doc;
	char		 err[256];
	size_t		 i;
	int		 rc;

	for (i = 0; i < NELEM(bad); i++) {
		memset(&doc, 0xa5, sizeof(doc));
		rc = parse(bad[i].in, bad[i].len, NULL, &doc, err, sizeof(err));
		if (rc != -1 || strcmp(err, bad[i].err) != 0)
			fprintf(stderr, "bad[%zu]\n", i);
		CHECK_INT(rc, -1);
		CHECK_STR(err, bad[i].err);
		if (rc == 0) {
			json_doc_free(&doc);
			continue;
		}
		/* nothing left to free, and freeing it anyway is harmless */
		CHECK(doc.root == NULL && doc.blocks == NULL);
		json_doc_free(&doc);
	}
}

/*
 * Duplicate keys in big objects: many keys of one length (the filter hits
 * on each) are checked whole once the document is read, so a duplicate
 * far in is found; the same keys in sibling objects are fine.
 */
static void
test_dup_keys(void)
{
	struct json_doc	 doc;
	char		 err[256], *b;
	size_t		 len, cap = 64 * 1024, i;
	int		 rc;

	if ((b = malloc(cap)) == NULL)
		return;
	for (int dup = 0; dup < 2; dup++) {
		len = (size_t)snprintf(b, cap, "{");
		for (i = 0; i < 2000; i++)
			len += (size_t)snprintf(b + len, cap - len,
			    "\"k%04zu\":%zu,", i, i);
		len += (size_t)snprintf(b + len, cap - len, "\"k%04d\":0}",
		    dup ? 1999 : 2000);
		rc = parse(b, len, NULL, &doc, err, sizeof(err));
		CHECK_INT(rc, dup ? -1 : 0);
		if (dup)
			CHECK(strstr(err, "duplicate key \"k1999\"") != NULL);
		if (rc == 0)
			json_doc_free(&doc);
	}
	len = (size_t)snprintf(b, cap, "[{\"a\":1,\"b\":2},{\"a\":1,\"b\":2},"
	    "{\"name\":\"x\",\"kind\":\"y\",\"spec\":{\"name\":1}}]");
	CHECK_INT(parse(b, len, NULL, &doc, err, sizeof(err)), 0);
	json_doc_free(&doc);
	free(b);
}

/* Short error buffers: truncated, terminated, never overrun. */
static void
test_errlen(void)
{
	struct json_doc	doc;
	char		err[16];

	memset(err, 'Z', sizeof(err));
	CHECK_INT(parse(S("[1,2,3,4,5,6,7,8,9,10,11,"), NULL, &doc, err, 8),
	    -1);
	CHECK_STR(err, "malform");
	CHECK(err[8] == 'Z');
	json_doc_free(NULL);
}

/* --- skip paths --- */

static const struct {
	const char		*in;
	const char		*want;		/* as cJSON would parse it */
	const char *const	*skip;		/* NULL: review_skip */
} skips[] = {
	{ "{\"request\":{\"uid\":\"1\",\"oldObject\":{\"a\":[1,2]}}}",
	  "{\"request\":{\"uid\":\"1\",\"oldObject\":null}}", NULL },
	{ "{\"request\":{\"object\":{\"metadata\":{\"name\":\"x\","
	  "\"managedFields\":[{\"m\":1}],\"labels\":{\"a\":\"b\"}},"
	  "\"spec\":{}},\"oldObject\":{\"b\":2},\"uid\":\"u\"},\"z\":1}",
	  "{\"request\":{\"object\":{\"metadata\":{\"name\":\"x\","
	  "\"managedFields\":null,\"labels\":{\"a\":\"b\"}},"
	  "\"spec\":{}},\"oldObject\":null,\"uid\":\"u\"},\"z\":1}", NULL },
	/* scalars, strings and nulls at a skip path */
	{ "{\"request\":{\"oldObject\":5,\"uid\":\"u\"}}",
	  "{\"request\":{\"oldObject\":null,\"uid\":\"u\"}}", NULL },
	{ "{\"request\":{\"oldObject\":\"s\",\"uid\":\"u\"}}",
	  "{\"request\":{\"oldObject\":null,\"uid\":\"u\"}}", NULL },
	{ "{\"request\":{\"oldObject\":true,\"uid\":\"u\"}}",
	  "{\"request\":{\"oldObject\":null,\"uid\":\"u\"}}", NULL },
	{ "{\"request\":{\"oldObject\":null,\"uid\":\"u\"}}",
	  "{\"request\":{\"oldObject\":null,\"uid\":\"u\"}}", NULL },
	{ "{\"request\":{\"oldObject\":[1,{\"x\":[]}],\"uid\":\"u\"}}",
	  "{\"request\":{\"oldObject\":null,\"uid\":\"u\"}}", NULL },
	/* empty containers at a skip path, then more members */
	{ "{\"request\":{\"oldObject\":{},\"uid\":\"u\"}}",
	  "{\"request\":{\"oldObject\":null,\"uid\":\"u\"}}", NULL },
	{ "{\"request\":{\"oldObject\":[],\"uid\":\"u\"}}",
	  "{\"request\":{\"oldObject\":null,\"uid\":\"u\"}}", NULL },
	{ "{\"request\":{\"object\":{\"metadata\":{\"managedFields\":[],"
	  "\"name\":\"x\"}},\"uid\":\"u\"}}",
	  "{\"request\":{\"object\":{\"metadata\":{\"managedFields\":null,"
	  "\"name\":\"x\"}},\"uid\":\"u\"}}", NULL },
	{ "{\"request\":{\"oldObject\":{\"a\":{}},\"uid\":\"u\"}}",
	  "{\"request\":{\"oldObject\":null,\"uid\":\"u\"}}", NULL },
	/* the same key names elsewhere are kept */
	{ "{\"oldObject\":{\"a\":1},\"request\":{\"object\":{\"oldObject\":"
	  "{\"a\":1},\"managedFields\":[2]},\"x\":{\"oldObject\":3}}}",
	  "{\"oldObject\":{\"a\":1},\"request\":{\"object\":{\"oldObject\":"
	  "{\"a\":1},\"managedFields\":[2]},\"x\":{\"oldObject\":3}}}", NULL },
	{ "{\"request\":{\"oldObjectX\":1,\"oldObjec\":2,\"object\":"
	  "{\"metadata\":{\"managedFieldsX\":3}}}}",
	  "{\"request\":{\"oldObjectX\":1,\"oldObjec\":2,\"object\":"
	  "{\"metadata\":{\"managedFieldsX\":3}}}}", NULL },
	/* through objects only: not inside arrays */
	{ "{\"request\":[{\"oldObject\":{\"a\":1}}]}",
	  "{\"request\":[{\"oldObject\":{\"a\":1}}]}", NULL },
	{ "[{\"request\":{\"oldObject\":1}}]",
	  "[{\"request\":{\"oldObject\":1}}]", NULL },
	{ "{\"request\":[{\"metadata\":{\"managedFields\":[1]}}]}",
	  "{\"request\":[{\"metadata\":{\"managedFields\":[1]}}]}", NULL },
	{ "{\"request\":{\"object\":[{\"managedFields\":1}]}}",
	  "{\"request\":{\"object\":[{\"managedFields\":1}]}}", NULL },
	{ "{\"request\":{\"object\":[[{\"managedFields\":1}]]}}",
	  "{\"request\":{\"object\":[[{\"managedFields\":1}]]}}", NULL },
	/* keys match decoded */
	{ "{\"request\":{\"old\\u004fbject\":{\"a\":1}}}",
	  "{\"request\":{\"oldObject\":null}}", NULL },
	/* a path whose prefix is a scalar */
	{ "{\"request\":5}", "{\"request\":5}", NULL },
	{ "{\"request\":{\"object\":null}}", "{\"request\":{\"object\":null}}",
	  NULL },
};

static const char *const skip_a[] = { "a", NULL };
static const char *const skip_abc[] = { "a/b/c", NULL };

static const struct {
	const char		*in;
	const char		*want;
	const char *const	*skip;
} skips_custom[] = {
	{ "{\"a\":1,\"b\":2}", "{\"a\":null,\"b\":2}", skip_a },
	{ "{\"a\":{\"a\":1},\"b\":{\"a\":2}}", "{\"a\":null,\"b\":{\"a\":2}}",
	  skip_a },
	{ "[{\"a\":1}]", "[{\"a\":1}]", skip_a },
	{ "{\"a\":[{\"c\":1}]}", "{\"a\":[{\"c\":1}]}", skip_abc },
	{ "{\"a\":[{\"b\":{\"c\":1}}]}", "{\"a\":[{\"b\":{\"c\":1}}]}", skip_abc },
	{ "{\"a\":{\"b\":{\"c\":1,\"d\":2}}}",
	  "{\"a\":{\"b\":{\"c\":null,\"d\":2}}}", skip_abc },
};

/* o->skip = paths, compiled into c. */
static void
set_skip(struct json_parse_opts *o, struct json_skip *c,
    const char *const *paths)
{
	if (json_skip_compile(paths, c) == -1)
		CHECK(!"skip paths compile");
	o->skip = c;
}

static void
skip_one(const char *what, const char *in, const char *want,
    const char *const *skip)
{
	struct json_skip	 sk;
	struct json_parse_opts	 o;
	struct json_doc		 doc;
	cJSON			*w;
	char			 err[256];

	memset(&o, 0, sizeof(o));
	set_skip(&o, &sk, skip);
	if (parse(in, strlen(in), &o, &doc, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", what, err);
		CHECK(!"accepted with skip paths");
		return;
	}
	if ((w = cJSON_Parse(want)) == NULL)
		abort();
	if (!tree_same(doc.root, w) || !shape_ok(doc.root, 0)) {
		char	*got = cJSON_PrintUnformatted(doc.root);

		fprintf(stderr, "%s: got %s\n  want %s\n", what, got, want);
		free(got);
		CHECK(!"skip result");
	} else
		CHECK(1);
	cJSON_Delete(w);
	json_doc_free(&doc);
}

/* Errors inside skipped values: the same refusal as without skipping. */
static const struct {
	const char	*in;
	size_t		 len;
	const char	*err;
} skip_bad[] = {
	/* a skipped key twice: refused like any duplicate key */
	{ S("{\"request\":{\"oldObject\":1,\"uid\":\"u\",\"oldObject\":"
	  "{\"x\":2}}}"), "duplicate key \"oldObject\" near byte 47" },
	{ S("{\"request\":{\"oldObject\":1},\"request\":{\"oldObject\":[2]}}"),
	  "duplicate key \"request\" near byte 36" },
	{ S("{\"request\":{\"oldObject\":{\"a\":\"\x01\"}}}"),
	  "control character in a JSON string at byte 30" },
	{ S("{\"request\":{\"oldObject\":[1,]}}"),
	  "malformed JSON near byte 27" },
	{ S("{\"request\":{\"oldObject\":\"\xff\"}}"),
	  "invalid UTF-8 at byte 25" },
	{ S("{\"request\":{\"oldObject\":\"\\u0000\"}}"),
	  "\\u0000 in a JSON string at byte 25" },
	{ S("{\"request\":{\"oldObject\":[\"\\ud800\"]}}"),
	  "malformed JSON near byte 26" },
	{ S("{\"request\":{\"oldObject\":01}}"),
	  "malformed JSON near byte 25" },
	{ S("{\"request\":{\"oldObject\":1.}}"),
	  "malformed JSON near byte 26" },
	{ S("{\"request\":{\"oldObject\":tru}}"),
	  "malformed JSON near byte 24" },
	{ S("{\"request\":{\"oldObject\":{\"a\" 1}}}"),
	  "malformed JSON near byte 29" },
	{ S("{\"request\":{\"oldObject\":{\"\xc0\x80\":1}}}"),
	  "invalid UTF-8 at byte 26" },
	{ S("{\"request\":{\"oldObject\":{\"a\":1}]}"),
	  "malformed JSON near byte 31" },
	{ S("{\"request\":{\"oldObject\":{\"a\":1}"),
	  "malformed JSON near byte 31" },
	{ S("{\"request\":{\"object\":{\"metadata\":{\"managedFields\":"
	    "[{\"m\":\"\t\"}]}}}}"),
	  "control character in a JSON string at byte 57" },
	{ S("{\"request\":{\"oldObject\":{}}} x"),
	  "malformed JSON: trailing data at byte 29" },
};

static void
test_skip(void)
{
	struct json_skip	 sk;
	struct json_parse_opts	 o;
	struct json_doc		 doc;
	char			 what[32], err[256], err2[256];
	size_t			 i;

	for (i = 0; i < NELEM(skips); i++) {
		snprintf(what, sizeof(what), "skips[%zu]", i);
		skip_one(what, skips[i].in, skips[i].want,
		    skips[i].skip != NULL ? skips[i].skip : review_skip);
	}
	for (i = 0; i < NELEM(skips_custom); i++) {
		snprintf(what, sizeof(what), "skips_custom[%zu]", i);
		skip_one(what, skips_custom[i].in, skips_custom[i].want,
		    skips_custom[i].skip);
	}
	memset(&o, 0, sizeof(o));
	set_skip(&o, &sk, review_skip);
	for (i = 0; i < NELEM(skip_bad); i++) {
		if (parse(skip_bad[i].in, skip_bad[i].len, &o, &doc, err,
		    sizeof(err)) == 0) {
			fprintf(stderr, "skip_bad[%zu] accepted\n", i);
			CHECK(!"refused with skip paths");
			json_doc_free(&doc);
			continue;
		}
		CHECK_STR(err, skip_bad[i].err);
		CHECK_INT(parse(skip_bad[i].in, skip_bad[i].len, NULL, &doc,
		    err2, sizeof(err2)), -1);
		CHECK_STR(err2, err);
	}
}

/* --- nesting --- */

/* n '[' then n ']' (or {"a": ... } when obj), into a new string. */
static char *
nest(unsigned n, int obj, size_t *len)
{
	char		*b;
	size_t		 off = 0;
	unsigned	 i;

	if ((b = malloc((size_t)n * 6 + 2)) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		if (obj) {
			memcpy(b + off, "{\"a\":", 5);
			off += 5;
		} else
			b[off++] = '[';
	}
	if (obj && n > 0)
		b[off++] = '1';
	for (i = 0; i < n; i++)
		b[off++] = obj ? '}' : ']';
	b[off] = '\0';
	*len = off;
	return b;
}

static void
depth_one(unsigned depth, unsigned max, int obj)
{
	struct json_parse_opts	 o;
	struct json_doc		 doc;
	char			 err[256], want[96], *b;
	size_t			 len;
	int			 rc;
	cJSON			*theirs;

	memset(&o, 0, sizeof(o));
	o.max_depth = max;
	b = nest(depth, obj, &len);
	rc = parse(b, len, &o, &doc, err, sizeof(err));
	if (depth <= (max ? max : JSON_PARSE_DEPTH_MAX)) {
		if (rc != 0)
			fprintf(stderr, "depth %u max %u: %s\n", depth, max,
			    err);
		CHECK_INT(rc, 0);
	} else {
		snprintf(want, sizeof(want), "JSON nested deeper than %u at "
		    "byte %u", max ? max : JSON_PARSE_DEPTH_MAX,
		    (max ? max : JSON_PARSE_DEPTH_MAX) * (obj ? 5 : 1));
		CHECK_INT(rc, -1);
		CHECK_STR(err, want);
	}
	if (rc == 0)
		json_doc_free(&doc);
	/* cJSON's own limit is the same, 1000 */
	if (max == 0) {
		theirs = cjson_parse_all(b, len);
		CHECK((theirs != NULL) == (rc == 0));
		cJSON_Delete(theirs);
		if (rc == 0)
			same_as_cjson("nest", b, len);
	}
	free(b);
}

static void
test_depth(void)
{
	struct json_skip	 sk;
	struct json_parse_opts	 o;
	struct json_doc		 doc;
	char			 err[256];
	int			 obj;

	for (obj = 0; obj <= 1; obj++) {
		depth_one(1, 1, obj);
		depth_one(2, 1, obj);
		depth_one(3, 3, obj);
		depth_one(4, 3, obj);
		depth_one(64, 64, obj);
		depth_one(65, 64, obj);
		depth_one(JSON_PARSE_DEPTH_MAX, 0, obj);
		depth_one(JSON_PARSE_DEPTH_MAX + 1, 0, obj);
		depth_one(JSON_PARSE_DEPTH_MAX * 3, 0, obj);
	}
	memset(&o, 0, sizeof(o));
	o.max_depth = 1;
	/* scalars are not a level */
	CHECK_INT(parse(S("1"), &o, &doc, err, sizeof(err)), 0);
	json_doc_free(&doc);
	CHECK_INT(parse(S("[1,\"x\",null]"), &o, &doc, err, sizeof(err)), 0);
	json_doc_free(&doc);
	CHECK_INT(parse(S("[1,{}]"), &o, &doc, err, sizeof(err)), -1);
	CHECK_STR(err, "JSON nested deeper than 1 at byte 3");
	/* depth is bounded inside skipped values too */
	o.max_depth = 3;
	set_skip(&o, &sk, review_skip);
	CHECK_INT(parse(S("{\"request\":{\"oldObject\":[]}}"), &o, &doc, err,
	    sizeof(err)), 0);
	json_doc_free(&doc);
	CHECK_INT(parse(S("{\"request\":{\"oldObject\":[[]]}}"), &o, &doc, err,
	    sizeof(err)), -1);
	CHECK_STR(err, "JSON nested deeper than 3 at byte 25");
	/* siblings do not add up */
	o.max_depth = 2;
	o.skip = NULL;
	CHECK_INT(parse(S("[[],[],{},[1,2],{\"a\":1}]"), &o, &doc, err,
	    sizeof(err)), 0);
	json_doc_free(&doc);
}

/* --- memory --- */

static char *
array_of(size_t n, size_t *len)
{
	char	*b;
	size_t	 off = 0, i;

	if ((b = malloc(n * 2 + 2)) == NULL)
		abort();
	b[off++] = '[';
	for (i = 0; i < n; i++) {
		if (i)
			b[off++] = ',';
		b[off++] = '7';
	}
	b[off++] = ']';
	*len = off;
	return b;
}

static void
mem_one(const char *what, size_t n, size_t max_mem, unsigned max_depth,
    int want_rc)
{
	struct json_parse_opts	 o;
	struct json_doc		 doc;
	char			 err[256], *b;
	size_t			 len;
	int			 rc;

	memset(&o, 0, sizeof(o));
	o.max_mem = max_mem;
	o.max_depth = max_depth;
	b = array_of(n, &len);
	rc = parse(b, len, &o, &doc, err, sizeof(err));
	if (rc != want_rc)
		fprintf(stderr, "%s: rc %d (%s)\n", what, rc, err);
	CHECK_INT(rc, want_rc);
	if (rc == 0) {
		if (doc.mem > max_mem)
			fprintf(stderr, "%s: holds %zu bytes, max_mem %zu\n",
			    what, doc.mem, max_mem);
		CHECK(doc.mem <= max_mem);
		CHECK_INT(cJSON_GetArraySize(doc.root), (long long)n);
		json_doc_free(&doc);
	} else
		CHECK(err[0] != '\0');
	free(b);
}

static void
test_mem(void)
{
	mem_one("1 byte", 0, 1, 4, -1);
	mem_one("16K for 100000 values", 100000, 16 * 1024, 4, -1);
	mem_one("16K for 500 values", 500, 16 * 1024, 4, -1);
	mem_one("1M for 1000 values", 1000, 1024 * 1024, 4, 0);
	mem_one("64M for 200000 values", 200000, 64 * 1024 * 1024, 0, 0);
	mem_one("1M for 200000 values", 200000, 1024 * 1024, 0, -1);
}

/* --- the test data --- */

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*b;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (b = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	*len = fread(b, 1, (size_t)n, f);
	fclose(f);
	return b;
}

/*
 * json_parse_in_place on an exact-size copy with JSON_PARSE_PAD spare
 * bytes (ASan sees any write past them) gives what json_parse gave.
 */
static void
in_place_same(const char *b, size_t len, const struct json_parse_opts *o,
    int want_rc, const cJSON *want, const char *want_err)
{
	struct json_doc	 doc;
	char		*buf, err[256];
	int		 rc;

	if ((buf = malloc(len + JSON_PARSE_PAD)) == NULL)
		return;
	memcpy(buf, b, len);
	rc = json_parse_in_place(buf, len, o, &doc, err, sizeof(err));
	CHECK_INT(rc, want_rc);
	if (rc == 0 && want != NULL)
		CHECK(tree_same(doc.root, want));
	else if (rc != 0 && want_rc != 0)
		CHECK_STR(err, want_err);
	if (rc == 0)
		json_doc_free(&doc);
	free(buf);
}

static void
test_dir(const char *dir, int *n_ok, int *n_bad)
{
	struct json_skip	 sk;
	struct json_parse_opts	 o;
	struct json_doc		 doc, sdoc;
	DIR			*dp;
	struct dirent		*de;
	char			 path[512], err[256], err2[256], *b;
	size_t			 len;
	cJSON			*theirs;
	int			 rc, rc2;

	if ((dp = opendir(dir)) == NULL) {
		fprintf(stderr, "%s: cannot open (run from the repository "
		    "root)\n", dir);
		CHECK(!"test data found");
		return;
	}
	memset(&o, 0, sizeof(o));
	set_skip(&o, &sk, review_skip);
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.' || strstr(de->d_name, ".args") ||
		    strstr(de->d_name, ".preset"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((b = slurp(path, &len)) == NULL)
			continue;
		rc = parse(b, len, NULL, &doc, err, sizeof(err));
		theirs = cjson_parse_all(b, len);
		if ((rc == 0) != (theirs != NULL))
			fprintf(stderr, "%s: json_parse %d (%s), cJSON %s\n",
			    path, rc, err, theirs ? "accepts" : "refuses");
		CHECK((rc == 0) == (theirs != NULL));
		if (rc == 0) {
			same_as_cjson(path, b, len);
			(*n_ok)++;
		} else
			(*n_bad)++;
		rc2 = parse(b, len, &o, &sdoc, err2, sizeof(err2));
		CHECK_INT(rc2, rc);
		if (rc == 0 && rc2 == 0) {
			if (!skip_same(doc.root, sdoc.root))
				fprintf(stderr, "%s: skip paths\n", path);
			CHECK(skip_same(doc.root, sdoc.root));
		} else if (rc != 0 && rc2 != 0)
			CHECK_STR(err2, err);
		in_place_same(b, len, &o, rc2, rc2 == 0 ? sdoc.root : NULL,
		    err2);
		if (rc == 0)
			json_doc_free(&doc);
		if (rc2 == 0)
			json_doc_free(&sdoc);
		cJSON_Delete(theirs);
		free(b);
	}
	closedir(dp);
}

static void
test_data(void)
{
	int	ok = 0, nbad = 0;

	test_dir(REVIEWS_DIR, &ok, &nbad);
	CHECK(ok >= 40);
	CHECK_INT(nbad, 0);
	ok = nbad = 0;
	test_dir(BAD_DIR, &ok, &nbad);
	CHECK(nbad >= 3);
}

/* --- the heap --- */

static size_t
heap_used(void)
{
	struct mallinfo2	mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static void
cycle(const char *in, size_t len, const struct json_parse_opts *o)
{
	struct json_doc	doc;
	char		err[256];

	if (json_parse(in, len, o, &doc, err, sizeof(err)) == 0)
		json_doc_free(&doc);
}

static void *
thread_parse(void *arg)
{
	(void)arg;
	cycle(S("{\"a\":[1,2,\"x\"]}"), NULL);
	return NULL;
}

/*
 * After one warm-up (a thread may keep a block for its next document),
 * parse and free cycles of every kind leave the heap as it was. Under
 * ASan mallinfo2 sees nothing and LeakSanitizer does the checking, also
 * of the block a finished thread kept.
 */
static void
test_heap(void)
{
	struct json_skip	 sk;
	struct json_parse_opts	 o;
	pthread_t		 t;
	size_t			 before, after, len, i;
	char			*big, *deep;

	memset(&o, 0, sizeof(o));
	set_skip(&o, &sk, review_skip);
	big = array_of(300000, &len);
	deep = nest(JSON_PARSE_DEPTH_MAX + 1, 0, &i);
	cycle(S("[1]"), NULL);
	before = heap_used();
	for (i = 0; i < 3; i++) {
		cycle(S("{\"a\":[1,2,\"x\"]}"), NULL);
		cycle(S("{\"request\":{\"oldObject\":{\"a\":[1]}}}"), &o);
		cycle(S("[1,2,\"\\u0000\"]"), NULL);
		cycle(S("{\"a\":[1,2,"), &o);
		cycle(big, len, NULL);
		cycle(big, len - 1, NULL);
		cycle(deep, strlen(deep), NULL);
	}
	after = heap_used();
	if (after != before)
		fprintf(stderr, "heap: %zu bytes before, %zu after\n", before,
		    after);
	CHECK(after == before);
	free(big);
	free(deep);
	CHECK_INT(pthread_create(&t, NULL, thread_parse, NULL), 0);
	CHECK_INT(pthread_join(t, NULL), 0);
}

int
main(void)
{
	test_valid();
	test_large();
	test_strings();
	test_numbers();
	test_bad();
	test_dup_keys();
	test_errlen();
	test_skip();
	test_depth();
	test_mem();
	test_data();
	test_heap();
	return unit_done("json_parse");
}
