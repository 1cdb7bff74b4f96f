/*
 * rule_flux_verify.c - requireVerify: a Flux object's verify mapping is
 * set, names a verification Flux knows, and, for cosign, says whose
 * signature counts. gitgate checks no signature; Flux does.
 */
#include "rules/rule_flux_source.h"

#include <string.h>

/*
 * verify (under parent, at path) must be a mapping whose key names one
 * of values; the key may be left out when Flux defaults it (first of
 * values). Returns the mapping if it passes, else NULL.
 */
static const cJSON *
check_verify(const cJSON *parent, const char *path, const char *key,
    const char *const *values, const char *what, struct rule_result *r)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(parent, "verify");
	const cJSON	*k;
	char		 q[RULE_QUOTE_MAX + 4];

	if (v == NULL || cJSON_IsNull(v)) {
		rule_result_add(r, RULE_FAIL, "%s: %s.verify is not set "
		    "(requireVerify: signatures must be checked)", what, path);
		return NULL;
	}
	if (!cJSON_IsObject(v)) {
		rule_result_add(r, RULE_ERROR, "%s: %s.verify is not a "
		    "mapping", what, path);
		return NULL;
	}
	k = cJSON_GetObjectItemCaseSensitive(v, key);
	if (k == NULL)
		return v;
	if (cJSON_IsString(k))
		for (; *values != NULL; values++)
			if (strcmp(k->valuestring, *values) == 0)
				return v;
	rule_result_add(r, RULE_FAIL, "%s: %s.verify.%s \"%s\" is not a "
	    "verification Flux knows", what, path, key,
	    rule_quote(q, sizeof(q), cJSON_IsString(k) ? k->valuestring :
	    "(not a string)"));
	return NULL;
}

void
rule_flux_verify_git(const cJSON *spec, const char *what,
    struct rule_result *r)
{
	static const char *const modes[] = { "HEAD", "head", "Tag",
		"TagAndHEAD", NULL };

	(void)check_verify(spec, "spec", "mode", modes, what, r);
}

/*
 * A cosign verify (the default provider) with no secretRef is keyless:
 * without matchOIDCIdentity any Sigstore signer passes, so nothing says
 * the artifact is ours.
 */
void
rule_flux_verify_oci(const cJSON *parent, const char *path, int oidc,
    const char *what, struct rule_result *r)
{
	static const char *const providers[] = { "cosign", "notation", NULL };
	const cJSON	*v, *prov, *ids;

	if ((v = check_verify(parent, path, "provider", providers, what,
	    r)) == NULL)
		return;
	prov = cJSON_GetObjectItemCaseSensitive(v, "provider");
	if (cJSON_IsString(prov) && strcmp(prov->valuestring, "cosign") != 0)
		return;
	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(v, "secretRef")))
		return;
	ids = cJSON_GetObjectItemCaseSensitive(v, "matchOIDCIdentity");
	if (oidc && cJSON_IsArray(ids) && cJSON_GetArraySize(ids) > 0)
		return;
	rule_result_add(r, RULE_FAIL, "%s: %s.verify accepts any cosign "
	    "signer (set %s)", what, path, oidc ?
	    "secretRef or matchOIDCIdentity" : "secretRef");
}

/*
 * A chart from a GitRepository or Bucket is a file of that source, judged
 * itself; Flux applies verify only to charts it pulls from a Helm
 * repository, so only those are asked for it (helm-controller's HelmChart
 * for a chart in Git carries no verify and was denied).
 */
void
rule_flux_verify_chart(const cJSON *cspec, const char *path, int oidc,
    const char *what, struct rule_result *r)
{
	const cJSON	*ref, *kind;

	ref = cJSON_GetObjectItemCaseSensitive(cspec, "sourceRef");
	kind = cJSON_GetObjectItemCaseSensitive(ref, "kind");
	if (cJSON_IsString(kind) && (strcmp(kind->valuestring,
	    "GitRepository") == 0 || strcmp(kind->valuestring, "Bucket") == 0))
		return;
	rule_flux_verify_oci(cspec, path, oidc, what, r);
}
