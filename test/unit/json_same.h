/*
 * json_same.h - exact equality of two cJSON-shaped trees, for the JSON
 * parser's unit test and its differential fuzzer: siblings in order (so
 * duplicates and key order count; cJSON_Compare looks keys up), numbers
 * exactly (cJSON_Compare's epsilon test is false for infinities and blind
 * to the sign of zero), valueint included.
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

#endif
