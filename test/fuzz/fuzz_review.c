/*
 * fuzz_review.c - libFuzzer harness for the whole request path: any bytes
 * as an AdmissionReview body through admission_handle() (scan, decode,
 * evaluate under the shipped policies/, render the verdict, encode),
 * enforcing and then in audit mode. Every answer must be JSON in valid
 * UTF-8 with a known status. A second oracle: the decision on the body as
 * review_decode() parses it (oldObject and managedFields skipped; the
 * actor rule decodes oldObject from its text when it must) must
 * equal the decision on a full cJSON parse of the same bytes; a third:
 * parsing in place (serve's path) answers byte for byte the same. Policies are
 * loaded once (run from the repository root). test/fuzz/fuzz_json_parse.c
 * compares the parser with cJSON on its own.
 */
#include "admission/admission.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "admission/eval.h"
#include "base/log.h"
#include "policy/policy_set.h"
#include "rules/rules.h"
#include "wire/review.h"
#include "admission/verdict.h"

#include "../unit/json_dups.h"

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
	set = policy_set_load("policies", rules_kinds, &d);
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

/* Decide rv and render it into v. */
static void
decide(const struct review *rv, int audit, struct eval_decision *d,
    struct verdict *v)
{
	eval_review(set, rv, audit, 0, d);
	verdict_render(d, v);
}

/*
 * What review_decode() skips must not change a decision: when the body
 * decodes and a full parse of the same bytes succeeds, that decodes too
 * and decides the same (allowed, findings, message, annotations).
 */
static void
differential(const uint8_t *data, size_t size)
{
	static struct verdict	 va, vb;
	struct eval_decision	 da, db;
	struct review		 a, b;
	char			 err[256];
	cJSON			*root;
	size_t			 i;

	if (review_decode((const char *)data, size, &a, err,
	    sizeof(err)) == -1)
		return;
	/* Malformed inside a skipped value: only the full parse sees it. */
	if ((root = cJSON_ParseWithLength((const char *)data, size)) == NULL) {
		review_free(&a);
		return;
	}
	/*
	 * A key twice inside a skipped value (oldObject): cJSON keeps the
	 * first, gitgate refuses it when it decodes that value. Not comparable.
	 */
	if (json_has_dup_keys(root)) {
		cJSON_Delete(root);
		review_free(&a);
		return;
	}
	if (review_decode_json(root, &b, err, sizeof(err)) == -1)
		abort();
	decide(&a, 0, &da, &va);
	decide(&b, 0, &db, &vb);
	if (da.allowed != db.allowed || da.n != db.n ||
	    da.dropped != db.dropped ||
	    strcmp(va.message, vb.message) != 0 ||
	    va.resp.n_annotations != vb.resp.n_annotations)
		abort();
	for (i = 0; i < va.resp.n_annotations; i++)
		if (strcmp(va.resp.annotation_values[i],
		    vb.resp.annotation_values[i]) != 0)
			abort();
	review_free(&a);
	review_free(&b);
}

/* serve's path (parse in the body buffer) answers byte for byte alike. */
static void
in_place_same(const uint8_t *data, size_t size,
    const struct admission_reply *want)
{
	struct admission_reply	 rep;
	char			*buf;

	if ((buf = malloc(size + ADMISSION_BODY_PAD)) == NULL)
		return;
	memcpy(buf, data, size);
	admission_handle_in_place(set, NULL, buf, size, &rep);
	if (rep.status != want->status || rep.len != want->len ||
	    (rep.len > 0 && memcmp(rep.body, want->body, rep.len) != 0)) {
		fprintf(stderr, "in place: %d %.*s\ncopy: %d %.*s\n",
		    rep.status, (int)rep.len, rep.body, want->status,
		    (int)want->len, want->body);
		abort();
	}
	free(rep.body);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct admission_opts	opts = { 0 };
	struct admission_reply	rep;

	for (opts.force_audit = 0; opts.force_audit <= 1; opts.force_audit++) {
		admission_handle(set, &opts, (const char *)data, size, &rep);
		check(&rep);
		if (opts.force_audit == 0)
			in_place_same(data, size, &rep);
		free(rep.body);
	}
	differential(data, size);
	return 0;
}
