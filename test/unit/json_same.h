/*
 * json_same.h - exact equality of two cJSON-shaped trees, for the JSON
 * parser's unit test and its differential fuzzer: siblings in order (so
 * duplicates and key order count; cJSON_Compare looks keys up), numbers
 * exactly (cJSON_Compare's epsilon test is false for infinities and blind
 * to the sign of zero), valueint included; and equality but for the
 * values at the review skip paths, which must be nulls.
 */
#ifndef GITGATE_TEST_JSON_SAME_H
#define GITGATE_TEST_JSON_SAME_H

#include <math.h>
#include <string.h>

#include <cjson/cJSON.h>

static int	tree_same(const cJSON *a, const cJSON *b);

static int
str_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* 1 if the two nodes are the same, children included. */
static int
node_same(const cJSON *a, const cJSON *b)
{
	if ((a->type & 0xff) != (b->type & 0xff) ||
	    !str_same(a->string, b->string))
		return 0;
	if ((a->type & 0xff) != cJSON_String && a->valuestring != NULL)
		return 0;
	switch (a->type & 0xff) {
	case cJSON_Number:
		return a->valueint == b->valueint &&
		    a->valuedouble == b->valuedouble &&
		    !signbit(a->valuedouble) == !signbit(b->valuedouble);
	case cJSON_String:
		return str_same(a->valuestring, b->valuestring);
	case cJSON_Array:
	case cJSON_Object:
		return tree_same(a->child, b->child);
	default:
		return 1;
	}
}

/* 1 if the sibling lists are the same, in order. */
static int
tree_same(const cJSON *a, const cJSON *b)
{
	for (; a != NULL && b != NULL; a = a->next, b = b->next)
		if (!node_same(a, b))
			return 0;
	return a == NULL && b == NULL;
}

/*
 * The trees are equal but that each value at a review skip path is a
 * null in skipped. path: 1 while the keys so far are a prefix of
 * request/oldObject (bit 0) or request/object/metadata/managedFields
 * (bit 1), through objects only.
 */
static int
skip_nulls(const cJSON *a, const cJSON *b, int depth, int path)
{
	static const char *const	 p0[] = { "request", "oldObject" };
	static const char *const	 p1[] = { "request", "object",
		"metadata", "managedFields" };
	int				 m;

	for (; a != NULL && b != NULL; a = a->next, b = b->next) {
		m = 0;
		if (a->string != NULL && (path & 1) && depth < 2 &&
		    strcmp(a->string, p0[depth]) == 0)
			m |= 1;
		if (a->string != NULL && (path & 2) && depth < 4 &&
		    strcmp(a->string, p1[depth]) == 0)
			m |= 2;
		if (((m & 1) && depth == 1) || ((m & 2) && depth == 3)) {
			if ((b->type & 0xff) != cJSON_NULL ||
			    !str_same(a->string, b->string))
				return 0;
			continue;
		}
		if ((a->type & 0xff) == cJSON_Object && m != 0) {
			if ((b->type & 0xff) != cJSON_Object ||
			    !str_same(a->string, b->string) ||
			    !skip_nulls(a->child, b->child, depth + 1, m))
				return 0;
		} else if (!node_same(a, b))
			return 0;
	}
	return a == NULL && b == NULL;
}

static int
skip_same(const cJSON *a, const cJSON *b)
{
	if ((a->type & 0xff) != cJSON_Object)
		return node_same(a, b);
	return (b->type & 0xff) == cJSON_Object &&
	    skip_nulls(a->child, b->child, 0, 3);
}

#endif
