/*
 * rule_flux_spec.c - the FluxSourcePolicy spec: its keys, their checks
 * (requireVerify names kinds that have spec.verify) and what the
 * parameters own. The rule itself is rule_flux_source.c.
 */
#include "rules/rule_flux_source.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/match.h"
#include "policy/policy_schema.h"

/* The kinds with a spec.verify, as requireVerify spells them. */
static const struct {
	const char		*name;
	enum rule_flux_kind	 kind;
} verify_kinds[] = {
	{ "GitRepository", FLUX_GIT_REPOSITORY },
	{ "OCIRepository", FLUX_OCI_REPOSITORY },
	{ "HelmChart", FLUX_HELM_CHART },
	{ "HelmRelease", FLUX_HELM_RELEASE },
};

#define VERIFY_KINDS	(sizeof(verify_kinds) / sizeof(*verify_kinds))

static int
verify_kind(const char *s)
{
	size_t	i;

	for (i = 0; i < VERIFY_KINDS; i++)
		if (strcmp(s, verify_kinds[i].name) == 0)
			return (int)verify_kinds[i].kind;
	return -1;
}

static void
check_verify_kind(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, const char *s)
{
	if (verify_kind(s) == -1)
		SCHEMA_ERR(w, n, path, "\"%s\" has no spec.verify (expected "
		    "GitRepository, OCIRepository, HelmChart or HelmRelease)",
		    s);
}

static void
f_require_verify(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	unsigned	*bits = dst;
	struct strlist	 l = { NULL, 0 };
	size_t		 i;
	int		 k;

	policy_schema_strings(w, n, path, &l, 1, check_verify_kind);
	for (i = 0; i < l.n; i++)
		if ((k = verify_kind(l.v[i])) != -1)
			*bits |= 1u << k;
	strlist_free(&l);
}

static void
f_url_patterns(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	struct rule_flux_source	*pf = dst;

	policy_schema_regexes(w, n, path, 0, &pf->url_patterns,
	    &pf->n_url_patterns);
}

static void
f_endpoint_patterns(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	struct rule_flux_source	*pf = dst;

	policy_schema_regexes(w, n, path, 0, &pf->endpoint_patterns,
	    &pf->n_endpoint_patterns);
}

/* urls, endpoints, buckets: an empty list reads as "none", yet allows any. */
static void
f_globs(struct policy_schema_walk *w, yaml_node_t *n, const char *path,
    void *dst)
{
	policy_schema_strings(w, n, path, dst, 0, NULL);
}

/* sourceNamespaces may be empty: no namespace but the object's own. */
static void
f_namespaces(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	policy_schema_strings(w, n, path, dst, 1, NULL);
}

const struct policy_schema_key rule_flux_spec_keys[] = {
	{ "urls", f_globs,
	    offsetof(struct rule_flux_source, urls), 0 },
	{ "urlPatterns", f_url_patterns, 0, 0 },
	{ "endpoints", f_globs,
	    offsetof(struct rule_flux_source, endpoints), 0 },
	{ "endpointPatterns", f_endpoint_patterns, 0, 0 },
	{ "buckets", f_globs,
	    offsetof(struct rule_flux_source, buckets), 0 },
	{ "requireVerify", f_require_verify,
	    offsetof(struct rule_flux_source, require_verify), 0 },
	{ "allowInsecure", policy_schema_bool,
	    offsetof(struct rule_flux_source, allow_insecure), 0 },
	{ "sourceNamespaces", f_namespaces,
	    offsetof(struct rule_flux_source, source_namespaces), 0 },
	{ NULL, NULL, 0, 0 }
};

void
rule_flux_spec_free(void *params)
{
	struct rule_flux_source	*pf = params;

	match_regex_list_free(pf->url_patterns, pf->n_url_patterns);
	match_regex_list_free(pf->endpoint_patterns, pf->n_endpoint_patterns);
	strlist_free(&pf->urls);
	strlist_free(&pf->endpoints);
	strlist_free(&pf->buckets);
	strlist_free(&pf->source_namespaces);
}
