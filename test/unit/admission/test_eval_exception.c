/*
 * test_eval_exception.c - PolicyExceptions in webhook/admission/eval.c and
 * verdict.c: which findings an exception lifts (namespace, kind, name,
 * images: two containers where only one image is excepted), the expiry
 * boundary (the last second holds, the next does not), RULE_ERROR never
 * lifted, a policy the exception does not name still denying, and what
 * a lifted finding becomes (warning, annotation, exceptions list), also
 * when the findings table is full; match.kinds in GROUP/Kind spelling.
 */
#include "admission/eval.h"
#include "policy/policy_set.h"
#include "rules/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admission/verdict.h"
#include "fixture.h"
#include "unit.h"

#define T_EXPIRES	1801440000LL	/* 2027-02-01T00:00:00Z */
#define T_BEFORE	1800403200LL	/* 2027-01-20T00:00:00Z */
#define T_NOON		1801396800LL	/* 2027-01-31T12:00:00Z */

static const char policies[] =
    "apiVersion: gitgate.io/v1alpha1\n"
    "kind: ImagePolicy\n"
    "metadata: {name: immutable-images}\n"
    "spec: {denyLatest: true, requireTag: true, message: pin it}\n"
    "---\n"
    "apiVersion: gitgate.io/v1alpha1\n"
    "kind: ImagePolicy\n"
    "metadata: {name: registries}\n"
    "spec: {denyLatest: false, requireTag: false,\n"
    "  allowedRegistries: [ghcr.io, registry.example.com]}\n"
    "---\n"
    "apiVersion: gitgate.io/v1alpha1\n"
    "kind: PolicyException\n"
    "metadata: {name: report-image}\n"
    "spec:\n"
    "  policies: [immutable-images]\n"
    "  match:\n"
    "    namespaces: [legacy-*]\n"
    "    kinds: [Deployment]\n"
    "    names: [web*]\n"
    "    images: [registry.example.com/legacy/*]\n"
    "  reason: vendor ships latest only\n"
    "  ticket: OPS-1\n"
    "  expires: \"2027-01-31\"\n"
    "---\n"
    "apiVersion: gitgate.io/v1alpha1\n"
    "kind: PolicyException\n"
    "metadata: {name: whole-policy}\n"
    "spec:\n"
    "  policies: [immutable-images]\n"
    "  match: {namespaces: [whole]}\n"
    "  reason: migration\n"
    "  ticket: OPS-2\n"
    "  expires: \"2027-01-31T12:00:00Z\"\n";

struct xcase {
	const char	*what;
	long long	 now;
	const char	*ns, *name;
	const char	*containers;	/* JSON, ' for " */
	int		 allowed;
	size_t		 lifted;
	const char	*exceptions;	/* verdict's list */
	const char	*message;	/* exact denial, or NULL */
};

#define C1(img)		"[{'name':'a','image':'" img "'}]"
#define C2(i1, i2)	"[{'name':'a','image':'" i1 "'},{'name':'b','image':'" \
			i2 "'}]"
#define C9(i8, i9)	"[" C8(i8) ",{'name':'i','image':'" i9 "'}]"
#define C8(i)		CI('a', i) "," CI('b', i) "," CI('c', i) "," \
			CI('d', i) "," CI('e', i) "," CI('f', i) "," \
			CI('g', i) "," CI('h', i)
#define CI(n, i)	"{'name':" #n ",'image':'" i "'}"
#define REPORT		"registry.example.com/legacy/report:latest"
#define OTHER		"ghcr.io/acme/upload:latest"

static const struct xcase cases[] = {
	{ "excepted image, before expiry", T_BEFORE, "legacy-a", "web",
	    C1(REPORT), 1, 1, "report-image", NULL },
	{ "last second of the expiry day", T_EXPIRES - 1, "legacy-a", "web",
	    C1(REPORT), 1, 1, "report-image", NULL },
	{ "first second after it", T_EXPIRES, "legacy-a", "web", C1(REPORT),
	    0, 0, "", "[immutable-images] container \"a\" image \""
	    REPORT "\" uses the mutable tag \"latest\" - pin it" },
	{ "two containers, one excepted", T_BEFORE, "legacy-a", "web",
	    C2(REPORT, OTHER), 0, 1, "report-image",
	    "[immutable-images] container \"b\" image \"" OTHER "\" uses the "
	    "mutable tag \"latest\" - pin it" },
	{ "namespace not matched", T_BEFORE, "apps", "web", C1(REPORT), 0, 0,
	    "", NULL },
	{ "name not matched", T_BEFORE, "legacy-a", "api", C1(REPORT), 0, 0,
	    "", NULL },
	{ "no images: every finding of the policy", T_BEFORE, "whole", "x",
	    C2(REPORT, OTHER), 1, 2, "whole-policy", NULL },
	{ "RFC 3339 expiry: an hour before", T_NOON - 3600, "whole", "x",
	    C1(OTHER), 1, 1, "whole-policy", NULL },
	{ "RFC 3339 expiry: at it", T_NOON, "whole", "x", C1(OTHER), 0, 0, "",
	    NULL },
	{ "a policy it does not name still denies", T_BEFORE, "whole", "x",
	    C1("nginx:latest"), 0, 1, "whole-policy",
	    "[registries] container \"a\" image \"nginx:latest\": registry "
	    "\"docker.io\" is not allowed" },
	{ "9 containers, 8 itemized and excepted, the 9th not: denied, "
	    "naming the policy", T_BEFORE, "legacy-a", "web", C9(REPORT, OTHER),
	    0, 8, "report-image", "[immutable-images] 1 more finding(s) not "
	    "itemized, which no exception can lift - pin it" },
	{ "RULE_ERROR is never lifted", T_BEFORE, "whole", "x", "'oops'", 0, 0,
	    "", "[immutable-images] cannot evaluate: pod spec containers is "
	    "not a list - pin it; [registries] cannot evaluate: pod spec "
	    "containers is not a list" },
};

static int
decode(const struct xcase *c, struct review *rv)
{
	static char	tmpl[4096], body[4096];
	char		err[256];

	snprintf(tmpl, sizeof(tmpl), "{'apiVersion':'admission.k8s.io/v1',"
	    "'kind':'AdmissionReview','request':{'uid':'u','kind':{"
	    "'group':'apps','version':'v1','kind':'Deployment'},'resource':{"
	    "'group':'apps','version':'v1','resource':'deployments'},"
	    "'name':'%s','namespace':'%s','operation':'CREATE',"
	    "'userInfo':{'username':'alice'},'object':{'apiVersion':'apps/v1',"
	    "'kind':'Deployment','metadata':{'name':'%s','namespace':'%s'},"
	    "'spec':{'template':{'spec':{'containers':%s}}}},"
	    "'oldObject':null}}", c->name, c->ns, c->name, c->ns,
	    c->containers);
	fixture_json(body, sizeof(body), tmpl);
	if (review_decode(body, strlen(body), rv, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", c->what, err);
		return -1;
	}
	return 0;
}

static void
check_lifted_texts(const struct xcase *c, const struct eval_decision *d,
    const struct verdict *v)
{
	size_t	i, n = 0;
	char	head[128];

	for (i = 0; i < d->n; i++) {
		if (d->v[i].exception == NULL)
			continue;
		CHECK_INT(d->v[i].verdict, RULE_FAIL);
		snprintf(head, sizeof(head), "[%s] excepted (%s, expires %s): ",
		    d->v[i].exception->name, d->v[i].exception->ticket,
		    d->v[i].exception->expires_text);
		n++;
	}
	CHECK_INT(n, c->lifted);
	for (i = 0; c->lifted > 0 && i < v->resp.n_warnings; i++)
		if (strncmp(v->resp.warnings[i], head, strlen(head)) == 0)
			break;
	if (c->lifted > 0) {
		CHECK(i < v->resp.n_warnings);
		if (i < v->resp.n_warnings)
			CHECK(strlen(v->resp.warnings[i]) <=
			    VERDICT_WARNING_MAX);
	}
	for (i = 0; i < v->resp.n_annotations; i++)
		if (strcmp(v->resp.annotation_keys[i], c->exceptions) == 0)
			break;
	if (c->lifted > 0)
		CHECK(i < v->resp.n_annotations &&
		    strncmp(v->resp.annotation_values[i], "excepted (", 10) ==
		    0);
}

static void
test_cases(struct policy_set *set)
{
	static struct verdict	v;
	struct eval_decision	d;
	struct review		rv;
	size_t			i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct xcase *c = &cases[i];

		if (decode(c, &rv) == -1) {
			CHECK(0);
			continue;
		}
		eval_review(set, &rv, 0, c->now, &d);
		verdict_render(&d, &v);
		if (d.allowed != c->allowed || d.lifted != c->lifted)
			fprintf(stderr, "case: %s\n", c->what);
		CHECK_INT(d.allowed, c->allowed);
		CHECK_INT(d.lifted, c->lifted);
		CHECK_STR(v.exceptions, c->exceptions);
		if (c->message != NULL)
			CHECK_STR(v.message, c->message);
		check_lifted_texts(c, &d, &v);
		/* serve --audit: allowed, lifted findings still excepted */
		eval_review(set, &rv, 1, c->now, &d);
		CHECK_INT(d.allowed, 1);
		CHECK_INT(d.lifted, c->lifted);
		review_free(&rv);
	}
}

/* A set without exceptions ignores the time. */
static void
test_no_exceptions(void)
{
	static const char	one[] = "apiVersion: gitgate.io/v1alpha1\n"
	    "kind: ImagePolicy\nmetadata: {name: i}\nspec: {}\n";
	struct policy_set	*set;
	struct eval_decision	 d;
	struct review		 rv;
	struct diag		 dg;

	diag_init(&dg);
	set = policy_set_load_buffer("one.yaml", one, strlen(one),
	    rules_kinds, &dg);
	CHECK(set != NULL && set->n_exceptions == 0);
	if (set != NULL && decode(&cases[0], &rv) == 0) {
		eval_review(set, &rv, 0, 0, &d);
		CHECK_INT(d.allowed, 0);
		CHECK_INT(d.lifted, 0);
		review_free(&rv);
	}
	policy_set_unref(set);
	diag_free(&dg);
}

/*
 * A full findings table (4 audit policies x 8 findings) before the policy
 * an exception lifts: the lifted findings take the last audit slots, so
 * the request it lets through still names it (they were dropped, and the
 * allowed request carried no trace of the exception).
 */
static void
test_table_full(void)
{
	static char		 yaml[4096], containers[1024];
	static struct verdict	 v;
	struct policy_set	*set;
	struct eval_decision	 d;
	struct review		 rv;
	struct diag		 dg;
	struct xcase		 c = { "full table", T_BEFORE, "ns", "web",
				    containers, 1, 8, "flood", NULL };
	size_t			 i, n = 0, len = 0;

	for (i = 0; i < 4; i++)
		len += (size_t)snprintf(yaml + len, sizeof(yaml) - len,
		    "apiVersion: gitgate.io/v1alpha1\nkind: ImagePolicy\n"
		    "metadata: {name: audit%zu}\nspec: {mode: audit}\n---\n", i);
	snprintf(yaml + len, sizeof(yaml) - len, "apiVersion: "
	    "gitgate.io/v1alpha1\nkind: ImagePolicy\nmetadata: {name: "
	    "immutable-images}\nspec: {}\n---\napiVersion: "
	    "gitgate.io/v1alpha1\nkind: PolicyException\nmetadata: {name: "
	    "flood}\nspec: {policies: [immutable-images], reason: r, "
	    "ticket: OPS-3, expires: \"2027-01-31\"}\n");
	len = 0;
	for (i = 0; i < 8; i++)
		len += (size_t)snprintf(containers + len, sizeof(containers) -
		    len, "%s{'name':'c%zu','image':'nginx:latest'}",
		    i == 0 ? "[" : ",", i);
	snprintf(containers + len, sizeof(containers) - len, "]");
	diag_init(&dg);
	set = policy_set_load_buffer("full.yaml", yaml, strlen(yaml),
	    rules_kinds, &dg);
	CHECK(set != NULL);
	if (set != NULL && decode(&c, &rv) == 0) {
		eval_review(set, &rv, 0, c.now, &d);
		verdict_render(&d, &v);
		CHECK_INT(d.allowed, 1);
		CHECK_INT(d.lifted, 8);
		CHECK_INT(d.n, EVAL_FINDINGS_MAX);
		CHECK_INT(d.dropped, 8);
		CHECK_STR(v.exceptions, "flood");
		for (i = 0; i < v.resp.n_warnings; i++)
			n += strncmp(v.resp.warnings[i], "[flood] excepted ",
			    17) == 0;
		CHECK_INT(n, 8);
		review_free(&rv);
	}
	policy_set_unref(set);
	diag_free(&dg);
}

/*
 * match.kinds in GROUP/Kind spelling, as policies write it: apps/Deployment
 * and the whole apps group lift a Deployment's findings (they matched
 * nothing: the entry was a glob on the bare kind), batch/Deployment and
 * core/Deployment do not; a bare glob still matches the kind.
 */
static void
test_group_kinds(void)
{
	static const struct {
		const char	*kinds;
		size_t		 lifted;
	} k[] = {
		{ "[apps/Deployment]", 1 }, { "[apps/*]", 1 },
		{ "[Deploy*]", 1 }, { "[batch/Deployment]", 0 },
		{ "[core/Deployment]", 0 }, { "[CronJob, apps/StatefulSet]", 0 },
	};
	static char		 yaml[1024];
	struct xcase		 c = { "group kinds", T_BEFORE, "ns", "web",
				    C1("nginx:latest"), 0, 0, "", NULL };
	struct policy_set	*set;
	struct eval_decision	 d;
	struct review		 rv;
	struct diag		 dg;
	size_t			 i;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		snprintf(yaml, sizeof(yaml), "apiVersion: gitgate.io/v1alpha1\n"
		    "kind: ImagePolicy\nmetadata: {name: i}\nspec: {}\n---\n"
		    "apiVersion: gitgate.io/v1alpha1\nkind: PolicyException\n"
		    "metadata: {name: e}\nspec: {policies: [i], match: {kinds: "
		    "%s}, reason: r, ticket: OPS-4, expires: \"2027-01-31\"}\n",
		    k[i].kinds);
		diag_init(&dg);
		set = policy_set_load_buffer("k.yaml", yaml, strlen(yaml),
		    rules_kinds, &dg);
		CHECK(set != NULL);
		if (set != NULL && decode(&c, &rv) == 0) {
			eval_review(set, &rv, 0, c.now, &d);
			if (d.lifted != k[i].lifted)
				fprintf(stderr, "kinds %s\n", k[i].kinds);
			CHECK_INT(d.lifted, k[i].lifted);
			CHECK_INT(d.allowed, k[i].lifted);
			review_free(&rv);
		}
		policy_set_unref(set);
		diag_free(&dg);
	}
}

int
main(void)
{
	struct policy_set	*set;
	struct diag		 d;
	size_t			 i;

	diag_init(&d);
	set = policy_set_load_buffer("x.yaml", policies, strlen(policies),
	    rules_kinds, &d);
	for (i = 0; i < d.n; i++)
		fprintf(stderr, "diag: %s\n", d.v[i].text);
	CHECK(set != NULL);
	if (set != NULL) {
		CHECK_INT(set->n_policies, 2);
		CHECK_INT(set->n_exceptions, 2);
		CHECK_INT(set->exceptions[0].expires, T_EXPIRES);
		CHECK_INT(set->exceptions[1].expires, T_NOON);
		CHECK_INT(set->exceptions[0].n_lifts, 1);
		test_cases(set);
	}
	policy_set_unref(set);
	diag_free(&d);
	test_no_exceptions();
	test_table_full();
	test_group_kinds();
	return unit_done("eval_exception");
}
