/*
 * fuzz_review.c - libFuzzer harness for the whole request path: any bytes
 * as an AdmissionReview body through admission_handle() (decode, evaluate
 * under the shipped policies/, render the verdict, encode), enforcing and
 * then in audit mode. Every answer must be JSON in valid UTF-8 with a
 * known status; policies are loaded once (run from the repository root).
 */
#include "admission.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "policy.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct policy_set	*set;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct diag	d;

	(void)argc;
	(void)argv;
	log_set_level(LOG_ERROR);
	diag_init(&d);
	set = policy_set_load("policies", &d);
	diag_free(&d);
	if (set == NULL) {
		fprintf(stderr, "fuzz_review: cannot load policies/ (run from "
		    "the repository root)\n");
		abort();
	}
	return 0;
}

/* 1 if s[0..len) is UTF-8 (RFC 3629: no overlongs, no surrogates). */
static int
utf8_ok(const unsigned char *s, size_t len)
{
	size_t	i = 0, n, k;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			n = 2;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			n = 3;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			n = 4;
		else
			return 0;
		if (len - i < n ||
		    (s[i] == 0xe0 && s[i + 1] < 0xa0) ||
		    (s[i] == 0xed && s[i + 1] > 0x9f) ||
		    (s[i] == 0xf0 && s[i + 1] < 0x90) ||
		    (s[i] == 0xf4 && s[i + 1] > 0x8f))
			return 0;
		for (k = 1; k < n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		i += n;
	}
	return 1;
}

static void
check(const struct admission_reply *rep)
{
	cJSON	*root;

	if (rep->status != 200 && rep->status != 400)
		abort();
	if (rep->body == NULL || strlen(rep->body) != rep->len ||
	    !utf8_ok((const unsigned char *)rep->body, rep->len))
		abort();
	if ((root = cJSON_ParseWithLength(rep->body, rep->len)) == NULL)
		abort();
	cJSON_Delete(root);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct admission_reply	rep;
	int			audit;

	for (audit = 0; audit <= 1; audit++) {
		admission_handle(set, audit, 0, (const char *)data, size, &rep);
		check(&rep);
		free(rep.body);
	}
	return 0;
}
