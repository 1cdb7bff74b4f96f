/*
 * rule_flux_source.c - the Flux source rule: GitRepository, OCIRepository,
 * HelmRepository and Bucket fetch only from allowed URLs or endpoints in
 * plain form, never insecurely, with spec.verify set where asked;
 * Kustomizations and HelmReleases reference sources in their own namespace
 * or a listed one; an UPDATE that leaves spec alone passes. gitgate stays
 * offline: Flux checks the signatures, this rule makes sure it is asked
 * to. URL form: rule_flux_url.c; spec.verify: rule_flux_verify.c.
 */
#include "rules/rule_flux_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/kube.h"
#include "base/match.h"
#include "policy/policy_schema.h"

#define SRC_GROUP	"source.toolkit.fluxcd.io"

static const struct {
	const char	*kind;
	const char	*group;
} flux_kinds[FLUX_KINDS] = {
	{ "GitRepository", SRC_GROUP },
	{ "OCIRepository", SRC_GROUP },
	{ "HelmRepository", SRC_GROUP },
	{ "Bucket", SRC_GROUP },
	{ "HelmChart", SRC_GROUP },
	{ "Kustomization", "kustomize.toolkit.fluxcd.io" },
	{ "HelmRelease", "helm.toolkit.fluxcd.io" },
};

/* What a request is about, and its words once a finding needs them. */
struct subject {
	const struct review	*rv;
	const cJSON		*spec;
	char			 what[160];	/* "" until first use */
};

static const char *
what(struct subject *s)
{
	if (s->what[0] == '\0')
		rule_describe(s->rv, s->what, sizeof(s->what));
	return s->what;
}

/* The rule_flux_kind of rv, or -1 for another kind or group. */
static int
flux_kind(const struct review *rv)
{
	const char	*kind = review_target_kind(rv);
	int		 i;

	for (i = 0; i < FLUX_KINDS; i++)
		if (strcmp(kind, flux_kinds[i].kind) == 0)
			return strcmp(rv->group, flux_kinds[i].group) == 0 ?
			    i : -1;
	return -1;
}

/* obj[key] if it is a string; else NULL. */
static const char *
str_at(const cJSON *obj, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* MATCH_YES if s matches a glob or a regex; NO when both are empty. */
static enum match_result
listed(const struct strlist *globs, struct match_regex *const *res,
    size_t n_res, const char *s, char *err, size_t errlen)
{
	enum match_result	m;
	size_t			i;

	for (i = 0; i < globs->n; i++)
		if (rule_flux_url_glob(globs->v[i], s))
			return MATCH_YES;
	for (i = 0; i < n_res; i++)
		if ((m = match_regex(res[i], s, strlen(s), err, errlen)) !=
		    MATCH_NO)
			return m;
	return MATCH_NO;
}

/* spec.url: plain form, not http unless allowed, listed if lists. */
static void
check_url(const struct rule_flux_source *pf, struct subject *sj,
    const char *const *schemes, struct rule_result *r)
{
	const char		*url = str_at(sj->spec, "url"), *why;
	char			 q[RULE_QUOTE_MAX + 4], scheme[16], err[128];
	enum match_result	 m;

	if (url == NULL) {
		rule_result_add(r, RULE_ERROR, "%s: spec.url is missing or "
		    "not a string", what(sj));
		return;
	}
	rule_quote(q, sizeof(q), url);
	if ((why = rule_flux_url_problem(url, schemes, scheme,
	    sizeof(scheme))) != NULL) {
		rule_result_add(r, RULE_FAIL, "%s: spec.url \"%s\" %s",
		    what(sj), q, why);
		return;
	}
	if (!pf->allow_insecure && strcasecmp(scheme, "http") == 0)
		rule_result_add(r, RULE_FAIL, "%s: spec.url \"%s\" is plain "
		    "http (allowInsecure is false)", what(sj), q);
	if (pf->urls.n == 0 && pf->n_url_patterns == 0)
		return;
	m = listed(&pf->urls, pf->url_patterns, pf->n_url_patterns, url,
	    err, sizeof(err));
	if (m == MATCH_ERROR)
		rule_result_add(r, RULE_ERROR, "%s: cannot check spec.url: %s",
		    what(sj), err);
	else if (m == MATCH_NO)
		rule_result_add(r, RULE_FAIL, "%s: spec.url \"%s\" is not an "
		    "allowed source (urls, urlPatterns)", what(sj), q);
}

/* spec.endpoint: host[:port], or for provider azure an http(s) URL. */
static void
check_endpoint(const struct rule_flux_source *pf, struct subject *sj,
    struct rule_result *r)
{
	static const char *const azure[] = { "https", "http", NULL };
	const char		*ep = str_at(sj->spec, "endpoint"), *why;
	const char		*prov = str_at(sj->spec, "provider");
	char			 q[RULE_QUOTE_MAX + 4], err[128], scheme[16];
	enum match_result	 m;

	if (ep == NULL) {
		rule_result_add(r, RULE_ERROR, "%s: spec.endpoint is missing "
		    "or not a string", what(sj));
		return;
	}
	rule_quote(q, sizeof(q), ep);
	if ((why = rule_flux_url_endpoint_problem(ep, prov != NULL &&
	    strcmp(prov, "azure") == 0 ? azure : NULL, scheme,
	    sizeof(scheme))) != NULL) {
		rule_result_add(r, RULE_FAIL, "%s: spec.endpoint \"%s\" %s",
		    what(sj), q, why);
		return;
	}
	if (!pf->allow_insecure && strcmp(scheme, "http") == 0)
		rule_result_add(r, RULE_FAIL, "%s: spec.endpoint \"%s\" is "
		    "plain http (allowInsecure is false)", what(sj), q);
	if (pf->endpoints.n == 0 && pf->n_endpoint_patterns == 0)
		return;
	m = listed(&pf->endpoints, pf->endpoint_patterns,
	    pf->n_endpoint_patterns, ep, err, sizeof(err));
	if (m == MATCH_ERROR)
		rule_result_add(r, RULE_ERROR, "%s: cannot check "
		    "spec.endpoint: %s", what(sj), err);
	else if (m == MATCH_NO)
		rule_result_add(r, RULE_FAIL, "%s: spec.endpoint \"%s\" is not "
		    "an allowed endpoint (endpoints, endpointPatterns)",
		    what(sj), q);
}

/*
 * spec.bucketName, when buckets lists some: a shared endpoint
 * (s3.amazonaws.com) serves anyone's bucket.
 */
static void
check_bucket_name(const struct rule_flux_source *pf, struct subject *sj,
    struct rule_result *r)
{
	const char	*b = str_at(sj->spec, "bucketName");
	char		 q[RULE_QUOTE_MAX + 4];

	if (pf->buckets.n == 0)
		return;
	if (b == NULL)
		rule_result_add(r, RULE_ERROR, "%s: spec.bucketName is "
		    "missing or not a string", what(sj));
	else if (!rule_glob_any(&pf->buckets, b))
		rule_result_add(r, RULE_FAIL, "%s: spec.bucketName \"%s\" is "
		    "not an allowed bucket (buckets)", what(sj),
		    rule_quote(q, sizeof(q), b));
}

static void
check_insecure(const struct rule_flux_source *pf, struct subject *sj,
    struct rule_result *r)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(sj->spec,
	    "insecure");

	if (v != NULL && !cJSON_IsBool(v) && !cJSON_IsNull(v))
		rule_result_add(r, RULE_ERROR, "%s: spec.insecure is not a "
		    "boolean", what(sj));
	else if (cJSON_IsTrue(v) && !pf->allow_insecure)
		rule_result_add(r, RULE_FAIL, "%s: spec.insecure is true "
		    "(allowInsecure is false)", what(sj));
}

/* ref (at path) names a namespace: the object's own, or a listed one. */
static void
check_ref_ns(const struct rule_flux_source *pf, struct subject *sj,
    const cJSON *ref, const char *path, struct rule_result *r)
{
	const cJSON	*ns;
	char		 q[RULE_QUOTE_MAX + 4];

	if (!cJSON_IsObject(ref)) {
		rule_result_add(r, RULE_ERROR, "%s: %s is missing or not a "
		    "mapping", what(sj), path);
		return;
	}
	ns = cJSON_GetObjectItemCaseSensitive(ref, "namespace");
	if (ns == NULL || cJSON_IsNull(ns))
		return;
	if (!cJSON_IsString(ns)) {
		rule_result_add(r, RULE_ERROR, "%s: %s.namespace is not a "
		    "string", what(sj), path);
		return;
	}
	if (ns->valuestring[0] == '\0' || strcmp(ns->valuestring,
	    sj->rv->ns) == 0 || rule_glob_any(&pf->source_namespaces,
	    ns->valuestring))
		return;
	rule_result_add(r, RULE_FAIL, "%s: %s.namespace \"%s\" is another "
	    "namespace, not in sourceNamespaces", what(sj), path,
	    rule_quote(q, sizeof(q), ns->valuestring));
}

static void
check_helm_release(const struct rule_flux_source *pf, struct subject *sj,
    struct rule_result *r)
{
	const cJSON	*chart, *cspec, *ref;

	chart = cJSON_GetObjectItemCaseSensitive(sj->spec, "chart");
	ref = cJSON_GetObjectItemCaseSensitive(sj->spec, "chartRef");
	if (chart == NULL && ref == NULL) {
		rule_result_add(r, RULE_ERROR, "%s: neither spec.chart nor "
		    "spec.chartRef is set", what(sj));
		return;
	}
	if (ref != NULL)
		check_ref_ns(pf, sj, ref, "spec.chartRef", r);
	if (chart == NULL)
		return;
	cspec = cJSON_GetObjectItemCaseSensitive(chart, "spec");
	if (!cJSON_IsObject(cspec)) {
		rule_result_add(r, RULE_ERROR, "%s: spec.chart.spec is "
		    "missing or not a mapping", what(sj));
		return;
	}
	check_ref_ns(pf, sj, cJSON_GetObjectItemCaseSensitive(cspec,
	    "sourceRef"), "spec.chart.spec.sourceRef", r);
	if (pf->require_verify & (1u << FLUX_HELM_RELEASE))
		rule_flux_verify_chart(cspec, "spec.chart.spec", 0, what(sj),
		    r);
}

static void
check_kind(const struct rule_flux_source *pf, int kind, struct subject *sj,
    struct rule_result *r)
{
	static const char *const git[] = { "https", "http", "ssh", NULL };
	static const char *const oci[] = { "oci", NULL };
	static const char *const helm[] = { "https", "http", "oci", NULL };
	int	verify = (pf->require_verify & (1u << kind)) != 0;

	switch (kind) {
	case FLUX_GIT_REPOSITORY:
		check_url(pf, sj, git, r);
		if (verify)
			rule_flux_verify_git(sj->spec, what(sj), r);
		break;
	case FLUX_OCI_REPOSITORY:
		check_url(pf, sj, oci, r);
		check_insecure(pf, sj, r);
		if (verify)
			rule_flux_verify_oci(sj->spec, "spec", 1, what(sj), r);
		break;
	case FLUX_HELM_REPOSITORY:
		check_url(pf, sj, helm, r);
		check_insecure(pf, sj, r);
		break;
	case FLUX_BUCKET:
		check_endpoint(pf, sj, r);
		check_bucket_name(pf, sj, r);
		check_insecure(pf, sj, r);
		break;
	case FLUX_HELM_CHART:
		if (verify)
			rule_flux_verify_chart(sj->spec, "spec", 1, what(sj),
			    r);
		break;
	case FLUX_KUSTOMIZATION:
		check_ref_ns(pf, sj, cJSON_GetObjectItemCaseSensitive(
		    sj->spec, "sourceRef"), "spec.sourceRef", r);
		break;
	default:
		check_helm_release(pf, sj, r);
		break;
	}
}

/*
 * 1 if an UPDATE leaves spec as it was (Flux's controllers add and remove
 * their finalizer, people label and annotate): where Flux fetches from is
 * unchanged, and a source admitted before the policy can still be deleted.
 * 0 otherwise; -1 with a reason when oldObject cannot be read.
 */
static int
spec_unchanged(const struct review *rv, const cJSON *spec, char *err,
    size_t errlen)
{
	const cJSON	*old;

	if (rv->op != KUBE_OP_UPDATE)
		return 0;
	if (review_old_object(rv, &old, err, errlen) == -1)
		return -1;
	return old != NULL && cJSON_Compare(spec,
	    cJSON_GetObjectItemCaseSensitive(old, "spec"), 1);
}

static void
flux_source_eval(const struct policy *p, const struct review *rv,
    struct rule_result *r)
{
	struct subject	sj;
	char		err[128];
	int		kind, same;

	rule_result_init(r);
	if (rv->op == KUBE_OP_DELETE || rv->subresource[0] != '\0' ||
	    (kind = flux_kind(rv)) == -1)
		return;
	sj.rv = rv;
	sj.what[0] = '\0';
	if (rv->object == NULL) {
		rule_result_add(r, RULE_ERROR, "request carries no object");
		return;
	}
	sj.spec = cJSON_GetObjectItemCaseSensitive(rv->object, "spec");
	if (!cJSON_IsObject(sj.spec)) {
		rule_result_add(r, RULE_ERROR, "%s: spec is missing or not a "
		    "mapping", what(&sj));
		return;
	}
	if ((same = spec_unchanged(rv, sj.spec, err, sizeof(err))) == -1)
		rule_result_add(r, RULE_ERROR, "%s: %s", what(&sj), err);
	else if (!same)
		check_kind(RULE_FLUX_SOURCE(p), kind, &sj, r);
}

/* The seven Flux kinds; the rule also checks each one's API group. */
static const char *const flux_default_kinds[] = { "GitRepository",
	"OCIRepository", "HelmRepository", "Bucket", "HelmChart",
	"Kustomization", "HelmRelease", NULL };

const struct policy_kind rule_flux_source_kind = {
	.name = "FluxSourcePolicy",
	.rule = "fluxsource",
	.params_size = sizeof(struct rule_flux_source),
	.keys = rule_flux_spec_keys,
	.default_ops = KUBE_OP_CREATE | KUBE_OP_UPDATE,
	.default_subresources = NULL,
	.default_kinds = flux_default_kinds,
	.podspec_only = 0,
	.init = NULL,
	.eval = flux_source_eval,
	.free = rule_flux_spec_free,
	.identity = NULL,
};
