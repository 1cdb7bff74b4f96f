/*
 * test_rule_source.c - webhook/rules/rule_source.c: a hand-built
 * SourcePolicy (Flux kustomize and helm labels, Argo CD annotation, repo
 * annotation with a value pattern) against reviews decoded from JSON;
 * owner references, skipped requests, and a regex that cannot decide.
 * Markers bound to actors: who they count for, what the denial offers.
 */
#include "rules/rule_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/kube.h"
#include "base/match.h"
#include "fixture.h"
#include "unit.h"

#define ALL_MARKERS	"(one of: flux-kustomize, flux-helm, argocd, " \
			"config-repo)"

static struct rule_source_key *
keys(const char *const *names, const char *const *values, size_t n)
{
	struct rule_source_key	*k;
	char				 err[128];
	size_t				 i;

	k = calloc(n, sizeof(*k));
	for (i = 0; k != NULL && i < n; i++) {
		k[i].key = strdup(names[i]);
		if (values != NULL && values[i] != NULL) {
			k[i].value = match_regex_new(values[i], err,
			    sizeof(err));
			CHECK(k[i].value != NULL);
		}
	}
	return k;
}

static void
keys_free(struct rule_source_key *k, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(k[i].key);
		match_regex_free(k[i].value);
	}
	free(k);
}

/* The four shipped markers, built by hand. */
static void
source_policy(struct policy *p, const char *repo_pattern)
{
	static char			name[] = "test-source";
	static const char *const	ks[] = {
		"kustomize.toolkit.fluxcd.io/name",
		"kustomize.toolkit.fluxcd.io/namespace" };
	static const char *const	hs[] = {
		"helm.toolkit.fluxcd.io/name",
		"helm.toolkit.fluxcd.io/namespace" };
	static const char *const	argo[] = {
		"argocd.argoproj.io/tracking-id" };
	static const char *const	repo[] = { "gitgate.io/source" };
	static const char *const	names[] = { "flux-kustomize",
		"flux-helm", "argocd", "config-repo" };
	struct rule_source_marker	*m;
	const char			*rv[1];
	size_t				 i;

	memset(p, 0, sizeof(*p));
	p->name = name;
	p->kind = &rule_source_kind;
	p->params = calloc(1, sizeof(struct rule_source));
	p->match.ops = KUBE_OP_CREATE | KUBE_OP_UPDATE;
	m = calloc(4, sizeof(*m));
	if (m == NULL)
		return;
	for (i = 0; i < 4; i++)
		m[i].name = strdup(names[i]);
	m[0].labels = keys(ks, NULL, 2);
	m[0].n_labels = 2;
	m[1].labels = keys(hs, NULL, 2);
	m[1].n_labels = 2;
	m[2].annotations = keys(argo, NULL, 1);
	m[2].n_annotations = 1;
	rv[0] = repo_pattern;
	m[3].annotations = keys(repo, rv, 1);
	m[3].n_annotations = 1;
	RULE_SOURCE(p)->markers = m;
	RULE_SOURCE(p)->n_markers = 4;
}

static void
source_policy_free(struct policy *p)
{
	struct rule_source_marker	*m = RULE_SOURCE(p)->markers;
	size_t				 i;

	for (i = 0; i < RULE_SOURCE(p)->n_markers; i++) {
		free(m[i].name);
		keys_free(m[i].labels, m[i].n_labels);
		keys_free(m[i].annotations, m[i].n_annotations);
	}
	free(m);
	free(p->params);
	p->params = NULL;
}

/*
 * Evaluate a Deployment default/web with this metadata, written by this
 * userInfo (both JSON with ').
 */
static int
eval_as(const struct policy *p, const char *op, const char *sub,
    const char *user, const char *metadata, struct rule_result *r)
{
	static char	tmpl[1 << 17], body[1 << 17];
	struct review	rv;
	char		err[128], obj[1 << 16];

	if (metadata == NULL)
		snprintf(obj, sizeof(obj), "null");
	else
		snprintf(obj, sizeof(obj), "{'kind':'Deployment','metadata':%s,"
		    "'spec':{}}", metadata);
	snprintf(tmpl, sizeof(tmpl), "{'apiVersion':'admission.k8s.io/v1',"
	    "'kind':'AdmissionReview','request':{'uid':'u1','kind':{"
	    "'group':'apps','version':'v1','kind':'%s'},'resource':{"
	    "'resource':'deployments'},'subResource':'%s','name':'web',"
	    "'namespace':'default','operation':'%s','userInfo':%s,"
	    "'object':%s}}",
	    sub[0] != '\0' ? "Scale" : "Deployment", sub, op, user, obj);
	fixture_json(body, sizeof(body), tmpl);
	if (review_decode(body, strlen(body), &rv, err, sizeof(err)) != 0) {
		fprintf(stderr, "review_decode: %s\n%.200s\n", err, body);
		CHECK(0);
		rule_result_init(r);
		return -1;
	}
	rule_source_kind.eval(p, &rv, r);
	review_free(&rv);
	return 0;
}

static int
eval_meta(const struct policy *p, const char *op, const char *sub,
    const char *metadata, struct rule_result *r)
{
	return eval_as(p, op, sub, "{'username':'alice'}", metadata, r);
}

static void
test_markers(void)
{
	static const struct {
		const char		*op, *sub, *meta;
		enum rule_verdict	 want;
		const char		*text;	/* exact, or NULL */
	} cases[] = {
		{ "CREATE", "", "{'name':'web','labels':{"
		  "'kustomize.toolkit.fluxcd.io/name':'apps',"
		  "'kustomize.toolkit.fluxcd.io/namespace':'flux-system'}}",
		  RULE_PASS, NULL },
		{ "UPDATE", "", "{'name':'web','labels':{"
		  "'kustomize.toolkit.fluxcd.io/name':'apps',"
		  "'kustomize.toolkit.fluxcd.io/namespace':'flux-system'}}",
		  RULE_PASS, NULL },
		/* Only one of the two labels. */
		{ "CREATE", "", "{'name':'web','labels':{"
		  "'kustomize.toolkit.fluxcd.io/name':'apps'}}", RULE_FAIL,
		  "Deployment default/web carries no Git-source marker "
		  ALL_MARKERS },
		{ "CREATE", "", "{'name':'web','labels':{"
		  "'kustomize.toolkit.fluxcd.io/namespace':'flux-system'}}",
		  RULE_FAIL, NULL },
		/* One label of each Flux marker is not a marker. */
		{ "CREATE", "", "{'labels':{"
		  "'kustomize.toolkit.fluxcd.io/name':'apps',"
		  "'helm.toolkit.fluxcd.io/namespace':'flux-system'}}",
		  RULE_FAIL, NULL },
		{ "CREATE", "", "{'labels':{"
		  "'helm.toolkit.fluxcd.io/name':'podinfo',"
		  "'helm.toolkit.fluxcd.io/namespace':'apps'}}", RULE_PASS,
		  NULL },
		/* The Flux keys as annotations do not count. */
		{ "CREATE", "", "{'annotations':{"
		  "'helm.toolkit.fluxcd.io/name':'podinfo',"
		  "'helm.toolkit.fluxcd.io/namespace':'apps'}}", RULE_FAIL,
		  NULL },
		{ "CREATE", "", "{'annotations':{"
		  "'argocd.argoproj.io/tracking-id':'app:apps/Deployment:"
		  "default/web'}}", RULE_PASS, NULL },
		/* Argo's key as a label does not count. */
		{ "CREATE", "", "{'labels':{"
		  "'argocd.argoproj.io/tracking-id':'x'}}", RULE_FAIL, NULL },
		{ "CREATE", "", "{'annotations':{'gitgate.io/source':"
		  "'https://github.com/acme/config'}}", RULE_PASS, NULL },
		{ "CREATE", "", "{'annotations':{'gitgate.io/source':"
		  "'git@github.com:acme/config.git'}}", RULE_PASS, NULL },
		{ "CREATE", "", "{'annotations':{'gitgate.io/source':"
		  "'http://github.com/acme/config'}}", RULE_FAIL, NULL },
		{ "CREATE", "", "{'annotations':{'gitgate.io/source':"
		  "'https://github.com/acme config'}}", RULE_FAIL, NULL },
		/* Empty values and non-strings are not markers. */
		{ "CREATE", "", "{'labels':{"
		  "'kustomize.toolkit.fluxcd.io/name':'',"
		  "'kustomize.toolkit.fluxcd.io/namespace':'flux-system'}}",
		  RULE_FAIL, NULL },
		{ "CREATE", "", "{'annotations':{"
		  "'argocd.argoproj.io/tracking-id':''}}", RULE_FAIL, NULL },
		{ "CREATE", "", "{'labels':{"
		  "'kustomize.toolkit.fluxcd.io/name':1,"
		  "'kustomize.toolkit.fluxcd.io/namespace':'flux-system'}}",
		  RULE_FAIL, NULL },
		{ "CREATE", "", "{'name':'web'}", RULE_FAIL, NULL },
		{ "CREATE", "", "{}", RULE_FAIL, NULL },
		{ "CREATE", "", "{'labels':null,'annotations':[]}", RULE_FAIL,
		  NULL },
		/* A controller owns it (a ReplicaSet's Pods, Flagger). */
		{ "CREATE", "", "{'name':'podinfo-primary','ownerReferences':[{"
		  "'apiVersion':'flagger.app/v1beta1','kind':'Canary',"
		  "'name':'podinfo','uid':'x','controller':true,"
		  "'blockOwnerDeletion':true}]}", RULE_PASS, NULL },
		{ "CREATE", "", "{'ownerReferences':[{'kind':'A',"
		  "'controller':false},{'kind':'B','controller':true}]}",
		  RULE_PASS, NULL },
		/* Non-controller owners do not exempt. */
		{ "CREATE", "", "{'ownerReferences':[{'kind':'ConfigMap',"
		  "'name':'x','uid':'y'}]}", RULE_FAIL, NULL },
		{ "CREATE", "", "{'ownerReferences':[{'kind':'ConfigMap',"
		  "'controller':false}]}", RULE_FAIL, NULL },
		{ "CREATE", "", "{'ownerReferences':[{'kind':'ConfigMap',"
		  "'controller':'true'}]}", RULE_FAIL, NULL },
		/* Not asked: DELETE, the scale subresource. */
		{ "DELETE", "", NULL, RULE_PASS, NULL },
		{ "DELETE", "", "{'name':'web'}", RULE_PASS, NULL },
		{ "UPDATE", "scale", "{'name':'web'}", RULE_PASS, NULL },
		{ "UPDATE", "scale", NULL, RULE_PASS, NULL },
		{ "CREATE", "", NULL, RULE_ERROR, "request carries no object" },
	};
	struct policy		p;
	struct rule_result	r;
	size_t			i;

	source_policy(&p, "^(https://|ssh://|git@)\\S+$");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (eval_meta(&p, cases[i].op, cases[i].sub, cases[i].meta,
		    &r) != 0)
			continue;
		if (r.verdict != cases[i].want)
			fprintf(stderr, "case %zu: verdict %d (%s)\n", i,
			    r.verdict, r.n ? r.text[0] : "");
		CHECK_INT(r.verdict, cases[i].want);
		CHECK_INT(r.n, cases[i].want == RULE_PASS ? 0 : 1);
		if (r.n == 1 && cases[i].want == RULE_FAIL)
			CHECK(strstr(r.text[0], " carries no Git-source "
			    "marker " ALL_MARKERS) != NULL);
		if (cases[i].text != NULL && r.n > 0)
			CHECK_STR(r.text[0], cases[i].text);
	}
	source_policy_free(&p);
}

static void
test_catastrophic(void)
{
	struct policy		 p;
	struct rule_result	 r;
	char			*meta;
	size_t			 n = 30000;

	source_policy(&p, "^(a+)+$");
	meta = malloc(n + 128);
	if (meta == NULL)
		return;
	strcpy(meta, "{'annotations':{'gitgate.io/source':'");
	memset(meta + strlen(meta), 'a', n);
	strcpy(meta + strlen("{'annotations':{'gitgate.io/source':'") + n,
	    "!'}}");
	if (eval_meta(&p, "CREATE", "", meta, &r) == 0) {
		if (r.verdict != RULE_ERROR)
			fprintf(stderr, "catastrophic: verdict %d (%s)\n",
			    r.verdict, r.n ? r.text[0] : "");
		CHECK_INT(r.verdict, RULE_ERROR);
		CHECK_INT(r.n, 1);
		CHECK(r.n == 1 && strncmp(r.text[0], "cannot check marker "
		    "config-repo: ", 33) == 0);
	}
	free(meta);
	source_policy_free(&p);
	/* A short subject with the same pattern decides normally. */
	source_policy(&p, "^(a+)+$");
	if (eval_meta(&p, "CREATE", "", "{'annotations':{'gitgate.io/source':"
	    "'aaaa'}}", &r) == 0)
		CHECK_INT(r.verdict, RULE_PASS);
	if (eval_meta(&p, "CREATE", "", "{'annotations':{'gitgate.io/source':"
	    "'aaab'}}", &r) == 0)
		CHECK_INT(r.verdict, RULE_FAIL);
	source_policy_free(&p);
}

/*
 * Three markers: helm-hooks (bound to helm-controller), flux-kustomize
 * (anyone), ci-stamp (a repo annotation matching pattern, bound to users
 * ci-*, group deployers and service accounts ci:*).
 */
static void
bound_policy(struct policy *p, const char *pattern)
{
	static char			name[] = "test-bound";
	static const char *const	hook[] = { "helm.sh/hook" };
	static const char *const	ks[] = {
		"kustomize.toolkit.fluxcd.io/name",
		"kustomize.toolkit.fluxcd.io/namespace" };
	static const char *const	repo[] = { "gitgate.io/source" };
	static const char *const	helm[] = {
		"flux-system:helm-controller" };
	static const char *const	ci_users[] = { "ci-*" };
	static const char *const	ci_groups[] = { "deployers" };
	static const char *const	ci_sas[] = { "ci:*" };
	struct rule_source_marker	*m;
	const char			*values[1];

	memset(p, 0, sizeof(*p));
	p->name = name;
	p->kind = &rule_source_kind;
	p->params = calloc(1, sizeof(struct rule_source));
	p->match.ops = KUBE_OP_CREATE | KUBE_OP_UPDATE;
	if (p->params == NULL || (m = calloc(3, sizeof(*m))) == NULL)
		return;
	m[0].name = strdup("helm-hooks");
	m[0].annotations = keys(hook, NULL, 1);
	m[0].n_annotations = 1;
	m[0].has_actors = 1;
	fixture_list_set(&m[0].actors.service_accounts, helm, 1);
	m[1].name = strdup("flux-kustomize");
	m[1].labels = keys(ks, NULL, 2);
	m[1].n_labels = 2;
	m[2].name = strdup("ci-stamp");
	values[0] = pattern;
	m[2].annotations = keys(repo, values, 1);
	m[2].n_annotations = 1;
	m[2].has_actors = 1;
	fixture_list_set(&m[2].actors.users, ci_users, 1);
	fixture_list_set(&m[2].actors.groups, ci_groups, 1);
	fixture_list_set(&m[2].actors.service_accounts, ci_sas, 1);
	RULE_SOURCE(p)->markers = m;
	RULE_SOURCE(p)->n_markers = 3;
}

static void
bound_policy_free(struct policy *p)
{
	struct rule_source_marker	*m = RULE_SOURCE(p)->markers;
	size_t				 i;

	for (i = 0; i < RULE_SOURCE(p)->n_markers; i++) {
		fixture_list_free(&m[i].actors.users);
		fixture_list_free(&m[i].actors.groups);
		fixture_list_free(&m[i].actors.service_accounts);
	}
	source_policy_free(p);
}

#define HELM_SA	"{'username':'system:serviceaccount:flux-system:" \
		"helm-controller','groups':['system:serviceaccounts'," \
		"'system:serviceaccounts:flux-system','system:authenticated']}"
#define KUST_SA	"{'username':'system:serviceaccount:flux-system:" \
		"kustomize-controller','groups':['system:serviceaccounts'," \
		"'system:serviceaccounts:flux-system','system:authenticated']}"
#define HOOK	"{'name':'web','annotations':{'helm.sh/hook':'pre-upgrade'}}"
#define STAMP	"{'name':'web','annotations':{'gitgate.io/source':" \
		"'https://github.com/acme/config'}}"
#define NO_MARKER	"Deployment default/web carries no Git-source marker "

static void
test_actors(void)
{
	static const struct {
		const char		*user, *meta;
		enum rule_verdict	 want;
		const char		*text;	/* exact, or NULL */
	} cases[] = {
		/* helm-hooks counts for helm-controller only. */
		{ HELM_SA, HOOK, RULE_PASS, NULL },
		{ KUST_SA, HOOK, RULE_FAIL, NO_MARKER
		  "(one of: flux-kustomize)" },
		{ "{'username':'alice','groups':['system:authenticated']}",
		  HOOK, RULE_FAIL, NO_MARKER "(one of: flux-kustomize)" },
		/* The same name in another namespace, or as a plain user. */
		{ "{'username':'system:serviceaccount:tenant:helm-controller'}",
		  HOOK, RULE_FAIL, NULL },
		{ "{'username':'flux-system:helm-controller'}", HOOK, RULE_FAIL,
		  NULL },
		/* A group named like it is not the service account. */
		{ "{'username':'bob','groups':['flux-system:helm-controller']}",
		  HOOK, RULE_FAIL, NULL },
		/* Empty hook value: absent, even for helm-controller. */
		{ HELM_SA, "{'annotations':{'helm.sh/hook':''}}", RULE_FAIL,
		  NO_MARKER "(one of: helm-hooks, flux-kustomize)" },
		/* Unbound markers count for everyone, bound writers too. */
		{ HELM_SA, "{'labels':{'kustomize.toolkit.fluxcd.io/name':'a',"
		  "'kustomize.toolkit.fluxcd.io/namespace':'b'}}", RULE_PASS,
		  NULL },
		/* ci-stamp: a user glob, a group, a service-account glob. */
		{ "{'username':'ci-bot'}", STAMP, RULE_PASS, NULL },
		{ "{'username':'bob','groups':[1,'deployers']}", STAMP,
		  RULE_PASS, NULL },
		{ "{'username':'system:serviceaccount:ci:runner'}", STAMP,
		  RULE_PASS, NULL },
		{ "{'username':'system:serviceaccount:ci-x:runner'}", STAMP,
		  RULE_FAIL, NO_MARKER "(one of: flux-kustomize)" },
		{ "{'username':'bob','groups':[1,'deployers-x']}", STAMP,
		  RULE_FAIL, NULL },
		{ "{'username':'ci-bot'}", "{'annotations':{'gitgate.io/source':"
		  "'http://x'}}", RULE_FAIL, NO_MARKER
		  "(one of: flux-kustomize, ci-stamp)" },
		{ "{'username':''}", STAMP, RULE_FAIL, NULL },
		{ "{}", STAMP, RULE_FAIL, NULL },
	};
	struct policy		p;
	struct rule_result	r;
	size_t			i;

	bound_policy(&p, "^https://\\S+$");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (eval_as(&p, "CREATE", "", cases[i].user, cases[i].meta,
		    &r) != 0)
			continue;
		if (r.verdict != cases[i].want)
			fprintf(stderr, "actors case %zu: verdict %d (%s)\n", i,
			    r.verdict, r.n ? r.text[0] : "");
		CHECK_INT(r.verdict, cases[i].want);
		CHECK_INT(r.n, cases[i].want == RULE_PASS ? 0 : 1);
		if (cases[i].text != NULL && r.n > 0)
			CHECK_STR(r.text[0], cases[i].text);
	}
	/* Only bound markers, none for this writer: said so. */
	RULE_SOURCE(&p)->n_markers = 1;
	if (eval_as(&p, "CREATE", "", "{'username':'alice'}", HOOK, &r) == 0)
		CHECK_STR(r.n ? r.text[0] : "", NO_MARKER
		    "(none counts for this writer)");
	RULE_SOURCE(&p)->n_markers = 3;
	/* Still not asked: a controller-owned object, a DELETE. */
	if (eval_as(&p, "CREATE", "", "{'username':'alice'}", "{'name':'x',"
	    "'ownerReferences':[{'kind':'Job','controller':true}]}", &r) == 0)
		CHECK_INT(r.verdict, RULE_PASS);
	if (eval_as(&p, "DELETE", "", "{'username':'alice'}", NULL, &r) == 0)
		CHECK_INT(r.verdict, RULE_PASS);
	bound_policy_free(&p);
}

/*
 * A bound marker's regex runs only for its writers: a value that makes
 * it give up is an error for ci-bot, and no marker at all for alice.
 */
static void
test_actors_catastrophic(void)
{
	struct policy		 p;
	struct rule_result	 r;
	static char		 meta[40000];
	size_t			 n;

	n = (size_t)snprintf(meta, sizeof(meta), "{'annotations':{"
	    "'gitgate.io/source':'");
	memset(meta + n, 'a', 30000);
	snprintf(meta + n + 30000, sizeof(meta) - n - 30000, "!'}}");
	bound_policy(&p, "^(a+)+$");
	if (eval_as(&p, "CREATE", "", "{'username':'ci-bot'}", meta,
	    &r) == 0) {
		CHECK_INT(r.verdict, RULE_ERROR);
		CHECK(r.n == 1 && strncmp(r.text[0], "cannot check marker "
		    "ci-stamp: ", 30) == 0);
	}
	if (eval_as(&p, "CREATE", "", "{'username':'alice'}", meta,
	    &r) == 0) {
		CHECK_INT(r.verdict, RULE_FAIL);
		CHECK_STR(r.n ? r.text[0] : "", NO_MARKER
		    "(one of: flux-kustomize)");
	}
	bound_policy_free(&p);
}

int
main(void)
{
	test_markers();
	test_catastrophic();
	test_actors();
	test_actors_catastrophic();
	return unit_done("rule_source");
}
