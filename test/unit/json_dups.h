/*
 * json_dups.h - does a cJSON tree hold an object with a key twice? cJSON
 * keeps both members; gitgate's parser refuses such a body (400), so the
 * differential fuzzers leave those inputs to that check.
 */
#ifndef GITGATE_TEST_JSON_DUPS_H
#define GITGATE_TEST_JSON_DUPS_H

#include <string.h>

#include <cjson/cJSON.h>

static inline int
json_has_dup_keys(const cJSON *n)
{
	const cJSON	*a, *b;

	for (; n != NULL; n = n->next) {
		if (cJSON_IsObject(n))
			for (a = n->child; a != NULL; a = a->next)
				for (b = a->next; b != NULL; b = b->next)
					if (a->string != NULL &&
					    b->string != NULL &&
					    strcmp(a->string, b->string) == 0)
						return 1;
		if (json_has_dup_keys(n->child))
			return 1;
	}
	return 0;
}

#endif
