/*
 * test_rule_image.c - webhook/rules/rule_image.c: hand-built ImagePolicy
 * values against reviews decoded from JSON. Tags, digests, allowed tags,
 * registries, exemptions, every container list and workload pod-spec path,
 * malformed specs (RULE_ERROR), skipped requests, and hostile names.
 */
#include "rules/rule_image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/kube.h"
#include "base/match.h"
#include "fixture.h"
#include "unit.h"

#define DIGEST	"sha256:" \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* An ImagePolicy with the shipped defaults: denyLatest, requireTag. */
static void
image_policy(struct policy *p)
{
	static char	name[] = "test-images";

	memset(p, 0, sizeof(*p));
	p->name = name;
	p->kind = &rule_image_kind;
	p->params = calloc(1, sizeof(struct rule_image));
	p->match.ops = KUBE_OP_CREATE | KUBE_OP_UPDATE;
	RULE_IMAGE(p)->deny_latest = 1;
	RULE_IMAGE(p)->require_tag = 1;
}

static void
image_policy_free(struct policy *p)
{
	size_t	i;

	for (i = 0; i < RULE_IMAGE(p)->n_allowed_tags; i++)
		match_regex_free(RULE_IMAGE(p)->allowed_tags[i]);
	free(RULE_IMAGE(p)->allowed_tags);
	fixture_list_free(&RULE_IMAGE(p)->denied_tags);
	fixture_list_free(&RULE_IMAGE(p)->allowed_registries);
	fixture_list_free(&RULE_IMAGE(p)->exempt_images);
	free(p->params);
	p->params = NULL;
}

static void
add_tag_regex(struct policy *p, const char *pattern)
{
	struct match_regex	*re, **v;
	char			 err[128];

	re = match_regex_new(pattern, err, sizeof(err));
	CHECK(re != NULL);
	if (re == NULL)
		return;
	v = realloc(RULE_IMAGE(p)->allowed_tags,
	    (RULE_IMAGE(p)->n_allowed_tags + 1) * sizeof(*v));
	if (v == NULL) {
		match_regex_free(re);
		return;
	}
	v[RULE_IMAGE(p)->n_allowed_tags++] = re;
	RULE_IMAGE(p)->allowed_tags = v;
}

/*
 * Evaluate p against a review of kind (resource) with op, subresource
 * and object (JSON with ', or "null"). Returns -1 if the review does not
 * decode (a test bug).
 */
static int
eval_obj(const struct policy *p, const char *kind, const char *resource,
    const char *op, const char *sub, const char *object,
    struct rule_result *r)
{
	static char	tmpl[1 << 17], body[1 << 17];
	struct review	rv;
	char		err[128];

	snprintf(tmpl, sizeof(tmpl), "{'apiVersion':'admission.k8s.io/v1',"
	    "'kind':'AdmissionReview','request':{'uid':'u1','kind':{"
	    "'group':'apps','version':'v1','kind':'%s'},'resource':{"
	    "'resource':'%s'},'subResource':'%s','name':'web',"
	    "'namespace':'default','operation':'%s','userInfo':{"
	    "'username':'alice'},'object':%s}}", kind, resource, sub, op,
	    object);
	fixture_json(body, sizeof(body), tmpl);
	if (review_decode(body, strlen(body), &rv, err, sizeof(err)) != 0) {
		fprintf(stderr, "review_decode: %s\n%.200s\n", err, body);
		CHECK(0);
		rule_result_init(r);
		return -1;
	}
	rule_image_kind.eval(p, &rv, r);
	review_free(&rv);
	return 0;
}

/* A Deployment whose pod spec is spec (JSON with '). */
static int
eval_spec(const struct policy *p, const char *spec, struct rule_result *r)
{
	static char	obj[1 << 17];

	snprintf(obj, sizeof(obj), "{'kind':'Deployment','metadata':{"
	    "'name':'web'},'spec':{'template':{'spec':%s}}}", spec);
	return eval_obj(p, "Deployment", "deployments", "CREATE", "", obj, r);
}

/* A Deployment with one container "app" running image. */
static int
eval_image(const struct policy *p, const char *image, struct rule_result *r)
{
	char	spec[8192];

	snprintf(spec, sizeof(spec), "{'containers':[{'name':'app',"
	    "'image':'%s'}]}", image);
	return eval_spec(p, spec, r);
}

struct image_case {
	const char		*image;
	enum rule_verdict	 want;
	const char		*text;	/* exact first finding, or NULL */
};

static void
run_cases(const struct policy *p, const struct image_case *c, size_t n)
{
	struct rule_result	r;
	size_t			i;

	for (i = 0; i < n; i++) {
		if (eval_image(p, c[i].image, &r) != 0)
			continue;
		if (r.verdict != c[i].want)
			fprintf(stderr, "image %s: verdict %d, want %d (%s)\n",
			    c[i].image, r.verdict, c[i].want,
			    r.n ? r.text[0] : "");
		CHECK_INT(r.verdict, c[i].want);
		CHECK_INT(r.n, c[i].want == RULE_PASS ? 0 : 1);
		if (c[i].text != NULL && r.n > 0)
			CHECK_STR(r.text[0], c[i].text);
	}
}

static void
test_defaults(void)
{
	static const struct image_case cases[] = {
		{ "nginx:latest", RULE_FAIL, "container \"app\" image "
		  "\"nginx:latest\" uses the mutable tag \"latest\"" },
		{ "docker.io/library/nginx:latest", RULE_FAIL, NULL },
		{ "nginx", RULE_FAIL, "container \"app\" image \"nginx\" has "
		  "no tag (means :latest)" },
		{ "localhost:5000/app", RULE_FAIL, "container \"app\" image "
		  "\"localhost:5000/app\" has no tag (means :latest)" },
		{ "ghcr.io/team/app", RULE_FAIL, NULL },
		{ "localhost:5000/app:1.0", RULE_PASS, NULL },
		{ "nginx:1.25-alpine", RULE_PASS, NULL },
		{ "nginx:1.2.3", RULE_PASS, NULL },
		{ "nginx:Latest", RULE_PASS, NULL },	/* tags are exact */
		{ "nginx:latest@" DIGEST, RULE_PASS, NULL },
		{ "nginx@" DIGEST, RULE_PASS, NULL },
		{ "localhost:5000/app@" DIGEST, RULE_PASS, NULL },
		{ "NGINX:1.0", RULE_FAIL, NULL },	/* invalid reference */
		{ "nginx@sha256:abc", RULE_FAIL, NULL },
		{ "", RULE_FAIL, NULL },
	};
	struct policy		p;
	struct rule_result	r;

	image_policy(&p);
	run_cases(&p, cases, sizeof(cases) / sizeof(cases[0]));
	if (eval_image(&p, "NGINX:1.0", &r) == 0 && r.n == 1)
		CHECK(strncmp(r.text[0], "container \"app\" image \"NGINX:1.0\" "
		    "is not a valid reference: ", 59) == 0);
	/* denyLatest off: latest passes, a missing tag still fails. */
	RULE_IMAGE(&p)->deny_latest = 0;
	if (eval_image(&p, "nginx:latest", &r) == 0)
		CHECK_INT(r.verdict, RULE_PASS);
	if (eval_image(&p, "nginx", &r) == 0)
		CHECK_INT(r.verdict, RULE_FAIL);
	/* requireTag off: no tag passes, latest is denied again. */
	RULE_IMAGE(&p)->deny_latest = 1;
	RULE_IMAGE(&p)->require_tag = 0;
	if (eval_image(&p, "nginx", &r) == 0)
		CHECK_INT(r.verdict, RULE_PASS);
	if (eval_image(&p, "nginx:latest", &r) == 0)
		CHECK_INT(r.verdict, RULE_FAIL);
	image_policy_free(&p);
}

static void
test_require_digest(void)
{
	static const struct image_case cases[] = {
		{ "nginx:1.2.3", RULE_FAIL, "container \"app\" image "
		  "\"nginx:1.2.3\" is not pinned by digest" },
		{ "nginx", RULE_FAIL, "container \"app\" image \"nginx\" is "
		  "not pinned by digest" },
		{ "nginx@" DIGEST, RULE_PASS, NULL },
		{ "nginx:latest@" DIGEST, RULE_PASS, NULL },
	};
	struct policy	p;

	image_policy(&p);
	RULE_IMAGE(&p)->require_digest = 1;
	run_cases(&p, cases, sizeof(cases) / sizeof(cases[0]));
	image_policy_free(&p);
}

static void
test_allowed_tags(void)
{
	static const struct image_case cases[] = {
		{ "nginx:1.2.3", RULE_PASS, NULL },
		{ "nginx:v2.0.0-rc.1", RULE_PASS, NULL },
		{ "app:0123abc", RULE_PASS, NULL },	/* git SHA */
		{ "nginx:1.25-alpine", RULE_FAIL, "container \"app\" image "
		  "\"nginx:1.25-alpine\": tag \"1.25-alpine\" is not a "
		  "release tag" },
		{ "app:main", RULE_FAIL, NULL },
		{ "nginx:01.2.3", RULE_FAIL, NULL },
		{ "nginx:1.25-alpine@" DIGEST, RULE_PASS, NULL },
		{ "nginx", RULE_PASS, NULL },		/* requireTag off */
		{ "nginx:latest", RULE_FAIL, NULL },	/* not a release */
	};
	struct policy	p;

	image_policy(&p);
	RULE_IMAGE(&p)->deny_latest = 0;
	RULE_IMAGE(&p)->require_tag = 0;
	add_tag_regex(&p, "^v?(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)"
	    "(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$");
	add_tag_regex(&p, "^[0-9a-f]{7,40}$");
	run_cases(&p, cases, sizeof(cases) / sizeof(cases[0]));
	image_policy_free(&p);
}

/*
 * deniedTags: globs over the tag, refused even where allowedTags takes
 * it (1.4.0-SNAPSHOT is a semantic version); case-sensitive unless
 * deniedTagsIgnoreCase; a digest still pins.
 */
static void
test_denied_tags(void)
{
	static const char *const denied[] = { "stable", "main", "edge",
		"nightly", "*-SNAPSHOT", "latest" };
	static const struct image_case exact[] = {
		{ "app:main", RULE_FAIL, "container \"app\" image \"app:main\": "
		  "tag \"main\" is a moving name (deniedTags \"main\")" },
		{ "app:1.4.0-SNAPSHOT", RULE_FAIL, "container \"app\" image "
		  "\"app:1.4.0-SNAPSHOT\": tag \"1.4.0-SNAPSHOT\" is a moving "
		  "name (deniedTags \"*-SNAPSHOT\")" },
		{ "app:1.4.0-snapshot", RULE_PASS, NULL },	/* case counts */
		{ "app:LATEST", RULE_PASS, NULL },
		{ "app:Stable", RULE_PASS, NULL },
		{ "app:mainline", RULE_PASS, NULL },		/* whole tag */
		{ "app:1.4.0", RULE_PASS, NULL },
		{ "app:nightly@" DIGEST, RULE_PASS, NULL },	/* pinned */
		/* denyLatest speaks first, with its own words */
		{ "app:latest", RULE_FAIL, "container \"app\" image "
		  "\"app:latest\" uses the mutable tag \"latest\"" },
	};
	static const struct image_case nocase[] = {
		{ "app:LATEST", RULE_FAIL, "container \"app\" image "
		  "\"app:LATEST\": tag \"LATEST\" is a moving name (deniedTags "
		  "\"latest\")" },
		{ "app:Stable", RULE_FAIL, NULL },
		{ "app:1.4.0-snapshot", RULE_FAIL, NULL },
		{ "app:EDGE", RULE_FAIL, NULL },
		{ "app:1.4.0", RULE_PASS, NULL },
		{ "app:edge-1.4.0", RULE_PASS, NULL },
	};
	struct policy		p;
	struct rule_result	r;

	image_policy(&p);
	fixture_list_set(&RULE_IMAGE(&p)->denied_tags, denied, 6);
	run_cases(&p, exact, sizeof(exact) / sizeof(exact[0]));
	RULE_IMAGE(&p)->denied_tags_nocase = 1;
	run_cases(&p, nocase, sizeof(nocase) / sizeof(nocase[0]));
	/*
	 * Refused even where allowedTags takes it; a tag allowedTags refuses
	 * gets its words (one finding per image).
	 */
	add_tag_regex(&p, "^v?\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.-]+)?$");
	run_cases(&p, nocase + 2, 1);
	if (eval_image(&p, "app:Stable", &r) == 0) {
		CHECK_INT(r.n, 1);
		CHECK_STR(r.text[0], "container \"app\" image \"app:Stable\": "
		    "tag \"Stable\" is not a release tag");
	}
	image_policy_free(&p);
}

static void
test_registries(void)
{
	static const char *const regs[] = { "ghcr.io",
		"*.dkr.ecr.*.amazonaws.com", "localhost:*" };
	static const struct image_case cases[] = {
		{ "ghcr.io/team/app:1.0", RULE_PASS, NULL },
		{ "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.0",
		  RULE_PASS, NULL },
		{ "localhost:5000/app:1.0", RULE_PASS, NULL },
		{ "nginx:1.0", RULE_FAIL, "container \"app\" image "
		  "\"nginx:1.0\": registry \"docker.io\" is not allowed" },
		{ "ghcr.io.evil.com/app:1.0", RULE_FAIL, NULL },
		{ "quay.io/ghcr.io/app:1.0", RULE_FAIL, NULL },
		/* Digest does not exempt from the registry check. */
		{ "quay.io/app@" DIGEST, RULE_FAIL, NULL },
	};
	struct policy		p;
	struct rule_result	r;

	image_policy(&p);
	fixture_list_set(&RULE_IMAGE(&p)->allowed_registries, regs, 3);
	run_cases(&p, cases, sizeof(cases) / sizeof(cases[0]));
	/* Both findings: wrong registry and latest. */
	if (eval_image(&p, "quay.io/app:latest", &r) == 0) {
		CHECK_INT(r.verdict, RULE_FAIL);
		CHECK_INT(r.n, 2);
	}
	image_policy_free(&p);
}

static void
test_exempt(void)
{
	static const char *const ex[] = { "docker.io/istio/proxyv2:*",
		"sidecar:*", "cr.l5d.io/linkerd/proxy" };
	static const struct image_case cases[] = {
		/* Normalized name matches. */
		{ "istio/proxyv2:latest", RULE_PASS, NULL },
		{ "docker.io/istio/proxyv2:latest", RULE_PASS, NULL },
		/* Raw name matches (normalized would be docker.io/library). */
		{ "sidecar:latest", RULE_PASS, NULL },
		{ "cr.l5d.io/linkerd/proxy", RULE_PASS, NULL },
		{ "sidecar2:latest", RULE_FAIL, NULL },
		{ "istio/pilot:latest", RULE_FAIL, NULL },
		{ "cr.l5d.io/linkerd/proxy:latest", RULE_FAIL, NULL },
	};
	struct policy	p;

	image_policy(&p);
	fixture_list_set(&RULE_IMAGE(&p)->exempt_images, ex, 3);
	run_cases(&p, cases, sizeof(cases) / sizeof(cases[0]));
	image_policy_free(&p);
}

static void
test_container_lists(void)
{
	struct policy		p;
	struct rule_result	r;
	char			spec[8192];
	size_t			i;

	image_policy(&p);
	if (eval_spec(&p, "{'initContainers':[{'name':'init','image':"
	    "'busybox'}],'containers':[{'name':'app','image':'app:1.0'}]}",
	    &r) == 0) {
		CHECK_INT(r.verdict, RULE_FAIL);
		CHECK_INT(r.n, 1);
		CHECK_STR(r.text[0], "container \"init\" image \"busybox\" has "
		    "no tag (means :latest)");
	}
	if (eval_spec(&p, "{'containers':[{'name':'app','image':'app:1.0'}],"
	    "'ephemeralContainers':[{'name':'debug','image':"
	    "'busybox:latest'}]}", &r) == 0) {
		CHECK_INT(r.verdict, RULE_FAIL);
		CHECK_INT(r.n, 1);
		CHECK(strstr(r.text[0], "\"debug\"") != NULL);
	}
	/* All three lists, one finding each, in a stable order. */
	if (eval_spec(&p, "{'initContainers':[{'name':'i','image':'a'}],"
	    "'containers':[{'name':'c','image':'b'}],"
	    "'ephemeralContainers':[{'name':'e','image':'c'}]}", &r) == 0) {
		CHECK_INT(r.n, 3);
		CHECK(strncmp(r.text[0], "container \"i\"", 13) == 0);
		CHECK(strncmp(r.text[1], "container \"c\"", 13) == 0);
		CHECK(strncmp(r.text[2], "container \"e\"", 13) == 0);
	}
	/* Absent and null lists are fine. */
	if (eval_spec(&p, "{'containers':[],'initContainers':null}", &r) == 0)
		CHECK_INT(r.verdict, RULE_PASS);
	if (eval_spec(&p, "{}", &r) == 0)
		CHECK_INT(r.verdict, RULE_PASS);
	/* More findings than RULE_FINDINGS_MAX are counted. */
	strcpy(spec, "{'containers':[");
	for (i = 0; i < RULE_FINDINGS_MAX + 3; i++)
		snprintf(spec + strlen(spec), sizeof(spec) - strlen(spec),
		    "%s{'name':'c%zu','image':'x:latest'}", i ? "," : "", i);
	strcat(spec, "]}");
	if (eval_spec(&p, spec, &r) == 0) {
		CHECK_INT(r.verdict, RULE_FAIL);
		CHECK_INT(r.n, RULE_FINDINGS_MAX);
		CHECK_INT(r.more, 3);
	}
	image_policy_free(&p);
}

static void
test_workload_paths(void)
{
	static const char pod_spec[] =
	    "{'containers':[{'name':'app','image':'nginx:latest'}]}";
	static const struct {
		const char	*kind, *resource;
		const char	*good;	/* %s: pod spec at the right path */
		const char	*bad;	/* %s: pod spec at a wrong path */
	} cases[] = {
		{ "Pod", "pods", "{'spec':%s}", "{'template':{'spec':%s}}" },
		{ "Deployment", "deployments", "{'spec':{'template':{'spec':%s}}}",
		  "{'spec':%s}" },
		{ "StatefulSet", "statefulsets",
		  "{'spec':{'template':{'spec':%s}}}", "{'spec':%s}" },
		{ "DaemonSet", "daemonsets", "{'spec':{'template':{'spec':%s}}}",
		  "{'spec':{'template':%s}}" },
		{ "ReplicaSet", "replicasets",
		  "{'spec':{'template':{'spec':%s}}}", "{'spec':%s}" },
		{ "Job", "jobs", "{'spec':{'template':{'spec':%s}}}",
		  "{'spec':%s}" },
		{ "ReplicationController", "replicationcontrollers",
		  "{'spec':{'template':{'spec':%s}}}", "{'spec':%s}" },
		{ "CronJob", "cronjobs", "{'spec':{'jobTemplate':{'spec':{"
		  "'template':{'spec':%s}}}}}",
		  "{'spec':{'template':{'spec':%s}}}" },
	};
	struct policy		p;
	struct rule_result	r;
	char			obj[4096];
	size_t			i;

	image_policy(&p);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(obj, sizeof(obj), cases[i].good, pod_spec);
		if (eval_obj(&p, cases[i].kind, cases[i].resource, "CREATE",
		    "", obj, &r) == 0) {
			if (r.verdict != RULE_FAIL)
				fprintf(stderr, "%s good: %s\n", cases[i].kind,
				    r.n ? r.text[0] : "(pass)");
			CHECK_INT(r.verdict, RULE_FAIL);
			CHECK_INT(r.n, 1);
			CHECK(r.n == 1 && strstr(r.text[0], "\"latest\"") !=
			    NULL);
		}
		/* UPDATE is checked the same way. */
		if (eval_obj(&p, cases[i].kind, cases[i].resource, "UPDATE",
		    "", obj, &r) == 0)
			CHECK_INT(r.verdict, RULE_FAIL);
		snprintf(obj, sizeof(obj), cases[i].bad, pod_spec);
		if (eval_obj(&p, cases[i].kind, cases[i].resource, "CREATE",
		    "", obj, &r) == 0) {
			if (r.verdict != RULE_ERROR)
				fprintf(stderr, "%s bad: %s\n", cases[i].kind,
				    r.n ? r.text[0] : "(pass)");
			CHECK_INT(r.verdict, RULE_ERROR);
		}
	}
	image_policy_free(&p);
}

static void
test_malformed_and_skipped(void)
{
	static const struct {
		const char		*kind, *resource, *op, *sub, *obj;
		enum rule_verdict	 want;
		const char		*text;
	} cases[] = {
		{ "Deployment", "deployments", "CREATE", "",
		  "{'spec':{'template':{'spec':{'containers':{'name':'a'}}}}}",
		  RULE_ERROR, "pod spec containers is not a list" },
		{ "Deployment", "deployments", "CREATE", "",
		  "{'spec':{'template':{'spec':{'containers':'nginx'}}}}",
		  RULE_ERROR, "pod spec containers is not a list" },
		{ "Deployment", "deployments", "CREATE", "",
		  "{'spec':{'replicas':1}}", RULE_ERROR,
		  "Deployment spec.template is missing or not an object" },
		{ "Deployment", "deployments", "CREATE", "",
		  "{'metadata':{}}", RULE_ERROR,
		  "Deployment spec is missing or not an object" },
		{ "Deployment", "deployments", "CREATE", "",
		  "{'spec':{'template':{'spec':[]}}}", RULE_ERROR,
		  "Deployment spec.template.spec is missing or not an object" },
		{ "CronJob", "cronjobs", "CREATE", "",
		  "{'spec':{'jobTemplate':{'spec':{}}}}", RULE_ERROR,
		  "CronJob spec.jobTemplate.spec.template is missing or not an "
		  "object" },
		{ "Pod", "pods", "CREATE", "",
		  "{'spec':{'containers':[{'name':'x'}]}}", RULE_ERROR,
		  "containers entry \"x\" has no image" },
		{ "Pod", "pods", "CREATE", "",
		  "{'spec':{'containers':[{'name':'x','image':5}]}}",
		  RULE_ERROR, "containers entry \"x\" has no image" },
		{ "Pod", "pods", "CREATE", "", "null", RULE_ERROR,
		  "request carries no object" },
		/* Skipped: DELETE, any subresource, kinds without pods. */
		{ "Deployment", "deployments", "DELETE", "", "null", RULE_PASS,
		  NULL },
		{ "Deployment", "deployments", "DELETE", "",
		  "{'spec':{'template':{'spec':{'containers':[{'name':'a',"
		  "'image':'nginx'}]}}}}", RULE_PASS, NULL },
		{ "Scale", "deployments", "UPDATE", "scale",
		  "{'kind':'Scale','spec':{'replicas':3}}", RULE_PASS, NULL },
		{ "Scale", "deployments", "UPDATE", "scale", "null", RULE_PASS,
		  NULL },
		{ "Pod", "pods", "UPDATE", "status",
		  "{'spec':{'containers':[{'name':'a','image':'nginx'}]}}",
		  RULE_PASS, NULL },
		{ "Service", "services", "CREATE", "",
		  "{'spec':{'containers':'x'}}", RULE_PASS, NULL },
	};
	struct policy		p;
	struct rule_result	r;
	size_t			i;

	image_policy(&p);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (eval_obj(&p, cases[i].kind, cases[i].resource, cases[i].op,
		    cases[i].sub, cases[i].obj, &r) != 0)
			continue;
		if (r.verdict != cases[i].want)
			fprintf(stderr, "case %zu: verdict %d (%s)\n", i,
			    r.verdict, r.n ? r.text[0] : "");
		CHECK_INT(r.verdict, cases[i].want);
		if (cases[i].text != NULL) {
			CHECK_INT(r.n, 1);
			CHECK_STR(r.n ? r.text[0] : "", cases[i].text);
			CHECK_INT(r.n ? r.kind[0] : RULE_PASS, RULE_ERROR);
		} else
			CHECK_INT(r.n, 0);
	}
	image_policy_free(&p);
}

/* No control byte, and exactly nquotes '"' in s. */
static int
safe_text(const char *s, int nquotes)
{
	int	n = 0;

	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
		if (*s == '"')
			n++;
	}
	return n == nquotes;
}

static void
test_hostile_names(void)
{
	struct policy		 p;
	struct rule_result	 r;
	char			*spec, *big;
	size_t			 i, bigsz = 20000;

	image_policy(&p);
	/* Quotes, backslashes and control bytes in the container name. */
	if (eval_spec(&p, "{'containers':[{'name':'a\\'b\\\\c\\n\\u0001"
	    "\\u007f\\td','image':'nginx:latest'}]}", &r) == 0) {
		CHECK_INT(r.n, 1);
		CHECK_STR(r.text[0], "container \"a?b?c????d\" image "
		    "\"nginx:latest\" uses the mutable tag \"latest\"");
		CHECK(safe_text(r.text[0], 6));
	}
	/* Hostile image string: invalid, echoed quoted. */
	if (eval_spec(&p, "{'containers':[{'name':'x','image':"
	    "'ngi\\'nx\\n:1'}]}", &r) == 0) {
		CHECK_INT(r.verdict, RULE_FAIL);
		CHECK(r.n == 1 && strncmp(r.text[0], "container \"x\" image "
		    "\"ngi?nx?:1\" is not a valid reference", 55) == 0);
		CHECK(r.n == 1 && safe_text(r.text[0], 4));
	}
	/* Huge name and image: bounded, cut with "...". */
	big = malloc(bigsz + 1);
	spec = malloc(2 * bigsz + 256);
	if (big == NULL || spec == NULL)
		goto out;
	for (i = 0; i < bigsz; i++)
		big[i] = (char)('a' + i % 26);
	big[bigsz] = '\0';
	snprintf(spec, 2 * bigsz + 256, "{'containers':[{'name':'%s','image':"
	    "'nginx:latest'}]}", big);
	if (eval_spec(&p, spec, &r) == 0) {
		CHECK_INT(r.n, 1);
		CHECK(strlen(r.text[0]) < RULE_TEXT_MAX);
		CHECK(strstr(r.text[0], "...\" image \"nginx:latest\"") != NULL);
		CHECK(safe_text(r.text[0], 6));
	}
	snprintf(spec, 2 * bigsz + 256, "{'containers':[{'name':'%s','image':"
	    "'%s'}]}", big, big);
	if (eval_spec(&p, spec, &r) == 0) {
		CHECK_INT(r.verdict, RULE_FAIL);
		CHECK_INT(r.n, 1);
		CHECK(strlen(r.text[0]) < RULE_TEXT_MAX);
		if (!safe_text(r.text[0], 4))
			fprintf(stderr, "text: %s\n", r.text[0]);
		CHECK(safe_text(r.text[0], 4));
	}
	/*
	 * Long name and a long non-ASCII image: both quotes closed, both
	 * cut with "...", and the text stays valid UTF-8.
	 */
	memset(big, 'a', 80);
	strcpy(big + 80, "','image':'x");
	for (i = 0; i < 40; i++)
		strcat(big, "\xc3\xa9");
	snprintf(spec, 2 * bigsz + 256, "{'containers':[{'name':'%s'}]}", big);
	if (eval_spec(&p, spec, &r) == 0 && r.n == 1) {
		CHECK_INT(r.verdict, RULE_FAIL);
		if (!fixture_utf8_whole(r.text[0]) || !safe_text(r.text[0], 4))
			fprintf(stderr, "text: %s\n", r.text[0]);
		CHECK(fixture_utf8_whole(r.text[0]));
		CHECK(safe_text(r.text[0], 4));
		CHECK(strstr(r.text[0], "...\" is not a valid reference") !=
		    NULL);
	}
	/* Multi-byte UTF-8 name cut on a character boundary. */
	big[0] = '\0';
	for (i = 0; i < 60; i++)
		strcat(big, "\xc3\xa9");	/* U+00E9, two bytes */
	snprintf(spec, 2 * bigsz + 256, "{'containers':[{'name':'%s','image':"
	    "'nginx'}]}", big);
	if (eval_spec(&p, spec, &r) == 0 && r.n == 1) {
		/* 72 bytes = 36 characters, then "...". */
		CHECK(strncmp(r.text[0] + 11, big, 72) == 0);
		CHECK(strncmp(r.text[0] + 11 + 72, "...\"", 4) == 0);
	}
out:
	free(big);
	free(spec);
	image_policy_free(&p);
}

int
main(void)
{
	test_defaults();
	test_require_digest();
	test_allowed_tags();
	test_denied_tags();
	test_registries();
	test_exempt();
	test_container_lists();
	test_workload_paths();
	test_malformed_and_skipped();
	test_hostile_names();
	return unit_done("rule_image");
}
