/*
 * test_verdict.c - webhook/admission/verdict.c: a decision rendered into
 * the denial message ("[policy] a, b - hint; [other] c"), warnings (one
 * per audit finding, cut to 120 bytes on a UTF-8 boundary), audit
 * annotations (one per policy, "mode: a; b"), the policy list, "cannot
 * evaluate", "(and N more)", and a message too long for its buffer.
 */
#include <stdio.h>
#include <string.h>

#include "admission/verdict.h"
#include "fixture.h"
#include "unit.h"

static char		n_images[] = "immutable-images";
static char		n_source[] = "git-source";
static char		n_tags[] = "semver-tags";
static char		h_images[] = "pin a release tag or digest";
static struct policy	images = { .name = n_images, .hint = h_images };
static struct policy	source = { .name = n_source };
static struct policy	tags = { .name = n_tags };

static struct eval_decision	d;
static struct verdict		v;

static void
add(struct policy *p, enum policy_mode mode, enum rule_verdict verdict,
    const char *text)
{
	struct eval_finding	*f = &d.v[d.n++];

	f->policy = p;
	f->mode = mode;
	f->verdict = verdict;
	snprintf(f->text, sizeof(f->text), "%s", text);
	if (mode == POLICY_ENFORCE)
		d.allowed = 0;
}

static void
reset(void)
{
	memset(&d, 0, sizeof(d));
	d.allowed = 1;
}

static void
test_deny(void)
{
	const struct review_response	*r = &v.resp;

	reset();
	add(&images, POLICY_ENFORCE, RULE_FAIL, "container app: nginx:latest");
	add(&source, POLICY_ENFORCE, RULE_FAIL, "no Git-source marker");
	add(&images, POLICY_ENFORCE, RULE_FAIL, "container side: redis");
	add(&tags, POLICY_AUDIT, RULE_FAIL, "nginx:1.25-alpine is not semver");
	verdict_render(&d, &v);
	CHECK_INT(r->allowed, 0);
	CHECK_INT(r->code, 403);
	CHECK_STR(r->reason, "Forbidden");
	CHECK_STR(r->message, "[immutable-images] container app: "
	    "nginx:latest, container side: redis - pin a release tag or "
	    "digest; [git-source] no Git-source marker");
	CHECK_INT(r->n_warnings, 1);
	if (r->n_warnings == 1)
		CHECK_STR(r->warnings[0],
		    "[semver-tags] nginx:1.25-alpine is not semver");
	CHECK_INT(r->n_annotations, 3);
	if (r->n_annotations == 3) {
		CHECK_STR(r->annotation_keys[0], "immutable-images");
		CHECK_STR(r->annotation_values[0], "enforce: container app: "
		    "nginx:latest; container side: redis");
		CHECK_STR(r->annotation_keys[1], "git-source");
		CHECK_STR(r->annotation_values[1],
		    "enforce: no Git-source marker");
		CHECK_STR(r->annotation_keys[2], "semver-tags");
		CHECK_STR(r->annotation_values[2],
		    "audit: nginx:1.25-alpine is not semver");
	}
	CHECK_STR(v.policies, "immutable-images,git-source,semver-tags");
}

static void
test_audit_and_error(void)
{
	const struct review_response	*r = &v.resp;

	reset();
	add(&images, POLICY_AUDIT, RULE_ERROR, "regex match limit");
	verdict_render(&d, &v);
	CHECK_INT(r->allowed, 1);
	CHECK(r->message == NULL);
	CHECK_INT(r->code, 0);
	CHECK_INT(r->n_warnings, 1);
	CHECK_STR(r->warnings[0],
	    "[immutable-images] cannot evaluate: regex match limit");
	reset();
	add(&source, POLICY_ENFORCE, RULE_ERROR, "bad object");
	d.dropped = 3;
	verdict_render(&d, &v);
	CHECK_STR(r->message,
	    "[git-source] cannot evaluate: bad object (and 3 more)");
	CHECK_INT(r->n_warnings, 0);
	/* nothing found: nothing said */
	reset();
	verdict_render(&d, &v);
	CHECK_INT(r->allowed, 1);
	CHECK_INT(r->n_warnings, 0);
	CHECK_INT(r->n_annotations, 0);
	CHECK_STR(v.policies, "");
}

/* Warnings cut to 120 bytes, never inside a UTF-8 sequence. */
static void
test_cut(void)
{
	char	text[RULE_TEXT_MAX];
	size_t	i, k;

	for (k = 0; k < 4; k++) {
		/* "é" (2 bytes) or "😀" (4) across the cut, at each offset */
		for (i = 0; i < k; i++)
			text[i] = 'x';
		for (; i + 4 < sizeof(text); i += 4)
			memcpy(text + i, k % 2 ? "\xc3\xa9\xc3\xa9" :
			    "\xf0\x9f\x98\x80", 4);
		text[i] = '\0';
		reset();
		add(&tags, POLICY_AUDIT, RULE_FAIL, text);
		verdict_render(&d, &v);
		CHECK(strlen(v.resp.warnings[0]) <= VERDICT_WARNING_MAX);
		CHECK(strlen(v.resp.warnings[0]) >= VERDICT_WARNING_MAX - 6);
		CHECK(fixture_utf8_whole(v.resp.warnings[0]));
		CHECK(strcmp(v.resp.warnings[0] + strlen(v.resp.warnings[0])
		    - 3, "...") == 0);
	}
}

/* A message longer than its buffer ends in "..." and stays UTF-8. */
static void
test_long_message(void)
{
	char	text[RULE_TEXT_MAX];
	size_t	i, len;

	memset(text, 'm', sizeof(text) - 3);
	memcpy(text + sizeof(text) - 3, "\xc3\xa9", 3);
	reset();
	for (i = 0; i < EVAL_FINDINGS_MAX; i++)
		add(&images, POLICY_ENFORCE, RULE_FAIL, text);
	verdict_render(&d, &v);
	len = strlen(v.message);
	CHECK_INT(len, VERDICT_MESSAGE_MAX - 1);
	CHECK(strcmp(v.message + len - 3, "...") == 0);
	CHECK(fixture_utf8_whole(v.message));
	CHECK(strncmp(v.message, "[immutable-images] mmm", 22) == 0);
	CHECK_INT(v.resp.n_annotations, 1);
	CHECK(strlen(v.aval[0]) < VERDICT_ANNOTATION_MAX);
}

int
main(void)
{
	test_deny();
	test_audit_and_error();
	test_cut();
	test_long_message();
	return unit_done("verdict");
}
