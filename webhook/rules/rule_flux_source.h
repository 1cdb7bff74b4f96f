/*
 * rule_flux_source.h - the Flux source rule's parameters
 * (FluxSourcePolicy spec), its kind, and the URL form check it shares
 * with rule_flux_url.c; for rules.c's table and the unit tests.
 */
#ifndef GITGATE_RULE_FLUX_SOURCE_H
#define GITGATE_RULE_FLUX_SOURCE_H

#include "policy/policy_schema.h"
#include "rules/rule.h"

/* The Flux kinds the rule judges, as bits for requireVerify. */
enum rule_flux_kind {
	FLUX_GIT_REPOSITORY = 0,
	FLUX_OCI_REPOSITORY,
	FLUX_HELM_REPOSITORY,
	FLUX_BUCKET,
	FLUX_HELM_CHART,
	FLUX_KUSTOMIZATION,
	FLUX_HELM_RELEASE,
	FLUX_KINDS
};

#define FLUX_URL_MAX	2048	/* longer URLs are refused, not matched */

struct rule_flux_source {
	struct strlist		  urls;			/* globs; any of */
	struct match_regex	**url_patterns;		/* any of */
	size_t			  n_url_patterns;
	struct strlist		  endpoints;		/* Bucket, globs */
	struct match_regex	**endpoint_patterns;
	size_t			  n_endpoint_patterns;
	struct strlist		  buckets;		/* bucketName globs */
	unsigned		  require_verify;	/* 1u << kind */
	int			  allow_insecure;	/* default 0 */
	struct strlist		  source_namespaces;	/* globs */
};

extern const struct policy_kind rule_flux_source_kind;	/* FluxSourcePolicy */

/* p's parameters; p must be of rule_flux_source_kind. */
#define RULE_FLUX_SOURCE(p)	((struct rule_flux_source *)(p)->params)

/* rule_flux_spec.c: the spec keys, and what the parameters own. */
extern const struct policy_schema_key rule_flux_spec_keys[];
void	rule_flux_spec_free(void *params);

/*
 * rule_flux_url.c: NULL if url is in plain form, with one of the schemes
 * (NULL-terminated, "https"), a host, and no trick that could match a
 * glob yet fetch elsewhere; else a static reason ("has a dot segment").
 * The scheme, without "://", is copied into scheme (at most 15 bytes).
 */
const char *rule_flux_url_problem(const char *url,
	    const char *const *schemes, char *scheme, size_t schemelen);
/*
 * Same for a Bucket endpoint: host[:port], no path; a scheme only if
 * schemes (NULL-terminated, may be NULL) lists it (Azure's endpoint is
 * "https://ACCOUNT.blob.core.windows.net"), copied into scheme.
 */
const char *rule_flux_url_endpoint_problem(const char *endpoint,
	    const char *const *schemes, char *scheme, size_t schemelen);
/*
 * 1 if url matches the glob pattern, its scheme and host part matched
 * apart from the rest: a '*' in the pattern's host never matches the
 * URL's path, so "https://evil.io/.acme.io/x" is not under a host glob
 * "*.acme.io". A pattern or URL without "://" is matched whole.
 */
int	rule_flux_url_glob(const char *pattern, const char *url);

/*
 * rule_flux_verify.c: spec.verify of a GitRepository (what names the
 * object in findings); verify under parent (at path) of an OCI kind,
 * whose cosign signer must be pinned by secretRef or, if oidc (the kind
 * has the field), matchOIDCIdentity.
 */
void	rule_flux_verify_git(const cJSON *spec, const char *what,
	    struct rule_result *r);
void	rule_flux_verify_oci(const cJSON *parent, const char *path, int oidc,
	    const char *what, struct rule_result *r);
/* Same for a chart spec, unless its sourceRef is a GitRepository or Bucket. */
void	rule_flux_verify_chart(const cJSON *cspec, const char *path, int oidc,
	    const char *what, struct rule_result *r);

#endif
