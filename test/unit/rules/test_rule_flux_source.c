/*
 * test_rule_flux_source.c - webhook/rules/rule_flux_source.c and its
 * spec and URL helpers: FluxSourcePolicies loaded from YAML (with only
 * this kind known) against reviews of every Flux kind decoded from JSON;
 * every key, the URL form check, malformed objects, other API groups.
 */
#include "rules/rule_flux_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "base/kube.h"
#include "fixture.h"
#include "policy/policy_set.h"
#include "unit.h"

static const struct policy_kind *const kinds[] = {
	&rule_flux_source_kind, NULL };

#define HEAD	"apiVersion: gitgate.io/v1alpha1\nkind: FluxSourcePolicy\n" \
		"metadata:\n  name: t\nspec:\n"

#define FULL	HEAD "  urls: ['https://github.com/acme/*', " \
		"'ssh://git@github.com/acme/*', 'oci://ghcr.io/acme/*', " \
		"'http://charts.acme.io/*']\n" \
		"  urlPatterns: ['^https://gitlab\\.acme\\.io/[a-z]+$']\n" \
		"  endpoints: ['minio.acme.io', " \
		"'https://acme.blob.core.windows.net']\n" \
		"  buckets: ['acme-*']\n" \
		"  endpointPatterns: ['^s3\\.[a-z0-9-]+\\.amazonaws\\.com$']\n" \
		"  requireVerify: [GitRepository, OCIRepository, HelmChart, " \
		"HelmRelease]\n  sourceNamespaces: ['flux-*']\n"

static struct policy_set *
load(const char *yaml, struct diag *d)
{
	diag_init(d);
	return policy_set_load_buffer("t.yaml", yaml, strlen(yaml), kinds, d);
}

/*
 * Judge kind (of group) ns/name with this spec (JSON with '), and
 * oldObject's spec old (NULL: no oldObject).
 */
static enum rule_verdict
judge_old(const struct policy *p, const char *group, const char *kind,
    const char *op, const char *spec, const char *old, struct rule_result *r)
{
	static char	tmpl[1 << 14], body[1 << 14];
	struct review	rv;
	char		err[128], oldobj[1 << 12];

	oldobj[0] = '\0';
	if (old != NULL)
		snprintf(oldobj, sizeof(oldobj), ",'oldObject':{'kind':'%s',"
		    "'metadata':{'name':'app','namespace':'team-a',"
		    "'finalizers':['finalizers.fluxcd.io']},'spec':%s}", kind,
		    old);
	snprintf(tmpl, sizeof(tmpl), "{'apiVersion':'admission.k8s.io/v1',"
	    "'kind':'AdmissionReview','request':{'uid':'u1','kind':{"
	    "'group':'%s','version':'v1','kind':'%s'},'resource':{"
	    "'resource':'x'},'name':'app','namespace':'team-a',"
	    "'operation':'%s','userInfo':{'username':'alice'},"
	    "'object':{'kind':'%s','metadata':{'name':'app',"
	    "'namespace':'team-a'}%s%s}%s}}", group, kind, op, kind,
	    spec != NULL ? ",'spec':" : "", spec != NULL ? spec : "", oldobj);
	fixture_json(body, sizeof(body), tmpl);
	rule_result_init(r);
	if (review_decode(body, strlen(body), &rv, err, sizeof(err)) != 0) {
		fprintf(stderr, "review_decode: %s\n%s\n", err, body);
		CHECK(0);
		return RULE_ERROR;
	}
	rule_flux_source_kind.eval(p, &rv, r);
	review_free(&rv);
	return r->verdict;
}

static enum rule_verdict
judge(const struct policy *p, const char *group, const char *kind,
    const char *op, const char *spec, struct rule_result *r)
{
	return judge_old(p, group, kind, op, spec, NULL, r);
}

#define SRC	"source.toolkit.fluxcd.io"
#define KS	"kustomize.toolkit.fluxcd.io"
#define HR	"helm.toolkit.fluxcd.io"

struct fcase {
	const char		*group, *kind, *spec;
	enum rule_verdict	 want;
	const char		*text;	/* exact first finding, or NULL */
};

static void
run_cases(const char *yaml, const struct fcase *c, size_t n)
{
	struct policy_set	*set;
	struct rule_result	 r;
	struct diag		 d;
	size_t			 i;

	set = load(yaml, &d);
	diag_free(&d);
	CHECK(set != NULL && set->n_policies == 1);
	if (set == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (judge(&set->policies[0], c[i].group, c[i].kind, "CREATE",
		    c[i].spec, &r) != c[i].want) {
			fprintf(stderr, "case %zu (%s %s): verdict %d, want %d"
			    " (%s)\n", i, c[i].kind, c[i].spec, r.verdict,
			    c[i].want, r.n ? r.text[0] : "");
			CHECK(0);
			continue;
		}
		CHECK(1);
		if (c[i].text != NULL)
			CHECK_STR(r.n ? r.text[0] : "", c[i].text);
	}
	policy_set_unref(set);
}

static void
test_full(void)
{
	static const struct fcase c[] = {
		{ SRC, "GitRepository", "{'url':'https://github.com/acme/app',"
		  "'verify':{'mode':'HEAD','secretRef':{'name':'k'}}}",
		  RULE_PASS, NULL },
		{ SRC, "GitRepository", "{'url':'ssh://git@github.com/acme/app',"
		  "'verify':{'secretRef':{'name':'k'}}}", RULE_PASS, NULL },
		{ SRC, "GitRepository", "{'url':'https://gitlab.acme.io/app',"
		  "'verify':{'mode':'TagAndHEAD'}}", RULE_PASS, NULL },
		{ SRC, "GitRepository", "{'url':'https://evil.io/acme/app',"
		  "'verify':{'mode':'HEAD'}}", RULE_FAIL,
		  "GitRepository team-a/app: spec.url \"https://evil.io/acme/"
		  "app\" is not an allowed source (urls, urlPatterns)" },
		{ SRC, "GitRepository", "{'url':'https://gitlab.acme.io/app/x',"
		  "'verify':{'mode':'HEAD'}}", RULE_FAIL, NULL },
		{ SRC, "GitRepository", "{'url':'https://github.com/acme/app'}",
		  RULE_FAIL, "GitRepository team-a/app: spec.verify is not set "
		  "(requireVerify: signatures must be checked)" },
		{ SRC, "GitRepository", "{'url':'https://github.com/acme/app',"
		  "'verify':{'mode':'always'}}", RULE_FAIL,
		  "GitRepository team-a/app: spec.verify.mode \"always\" is not "
		  "a verification Flux knows" },
		{ SRC, "GitRepository", "{'url':'https://github.com/acme/app',"
		  "'verify':'yes'}", RULE_ERROR, NULL },
		{ SRC, "GitRepository", "{'url':42}", RULE_ERROR,
		  "GitRepository team-a/app: spec.url is missing or not a "
		  "string" },
		{ SRC, "GitRepository", NULL, RULE_ERROR,
		  "GitRepository team-a/app: spec is missing or not a mapping" },
		{ SRC, "OCIRepository", "{'url':'oci://ghcr.io/acme/manifests',"
		  "'verify':{'provider':'cosign','matchOIDCIdentity':[{"
		  "'issuer':'^https://token','subject':'^https://x'}]}}",
		  RULE_PASS, NULL },
		{ SRC, "OCIRepository", "{'url':'oci://ghcr.io/acme/manifests',"
		  "'verify':{'secretRef':{'name':'cosign-pub'}}}", RULE_PASS,
		  NULL },
		{ SRC, "OCIRepository", "{'url':'oci://ghcr.io/acme/manifests',"
		  "'verify':{'provider':'notation','secretRef':{'name':'n'}}}",
		  RULE_PASS, NULL },
		/* Keyless with no identity: any Sigstore signer passes. */
		{ SRC, "OCIRepository", "{'url':'oci://ghcr.io/acme/manifests',"
		  "'verify':{'provider':'cosign'}}", RULE_FAIL,
		  "OCIRepository team-a/app: spec.verify accepts any cosign "
		  "signer (set secretRef or matchOIDCIdentity)" },
		{ SRC, "OCIRepository", "{'url':'oci://ghcr.io/acme/manifests',"
		  "'verify':{'matchOIDCIdentity':[]}}", RULE_FAIL, NULL },
		{ SRC, "OCIRepository", "{'url':'oci://ghcr.io/acme/manifests',"
		  "'verify':{'provider':'cosign','secretRef':'k'}}", RULE_FAIL,
		  NULL },
		{ SRC, "OCIRepository", "{'url':'oci://ghcr.io/acme/manifests'}",
		  RULE_FAIL, NULL },
		{ SRC, "OCIRepository", "{'url':'oci://ghcr.io/acme/m',"
		  "'verify':{'provider':'gpg'}}", RULE_FAIL, NULL },
		{ SRC, "OCIRepository", "{'url':'oci://ghcr.io/acme/m',"
		  "'insecure':true,'verify':{'provider':'cosign'}}", RULE_FAIL,
		  "OCIRepository team-a/app: spec.insecure is true "
		  "(allowInsecure is false)" },
		{ SRC, "OCIRepository", "{'url':'oci://ghcr.io/acme/m',"
		  "'insecure':'yes','verify':{}}", RULE_ERROR, NULL },
		{ SRC, "OCIRepository", "{'url':'https://ghcr.io/acme/m',"
		  "'verify':{}}", RULE_FAIL, "OCIRepository team-a/app: "
		  "spec.url \"https://ghcr.io/acme/m\" has a scheme this kind "
		  "does not fetch" },
		{ SRC, "HelmRepository", "{'url':'oci://ghcr.io/acme/charts',"
		  "'type':'oci'}", RULE_PASS, NULL },
		{ SRC, "HelmRepository", "{'url':'oci://ghcr.io/acme/charts',"
		  "'insecure':true}", RULE_FAIL, NULL },
		/* Listed, but plain http needs allowInsecure. */
		{ SRC, "HelmRepository", "{'url':'http://charts.acme.io/x'}",
		  RULE_FAIL, "HelmRepository team-a/app: spec.url "
		  "\"http://charts.acme.io/x\" is plain http (allowInsecure is "
		  "false)" },
		{ SRC, "Bucket", "{'endpoint':'minio.acme.io',"
		  "'bucketName':'acme-config'}", RULE_PASS, NULL },
		{ SRC, "Bucket", "{'endpoint':'s3.eu-west-1.amazonaws.com',"
		  "'bucketName':'acme-config'}", RULE_PASS, NULL },
		/* A listed shared endpoint serves anyone's bucket. */
		{ SRC, "Bucket", "{'endpoint':'s3.eu-west-1.amazonaws.com',"
		  "'bucketName':'evil-config'}", RULE_FAIL, "Bucket team-a/app: "
		  "spec.bucketName \"evil-config\" is not an allowed bucket "
		  "(buckets)" },
		{ SRC, "Bucket", "{'endpoint':'s3.eu-west-1.amazonaws.com'}",
		  RULE_ERROR, "Bucket team-a/app: spec.bucketName is missing or "
		  "not a string" },
		{ SRC, "Bucket", "{'endpoint':'minio.evil.io','bucketName':'acme-a'}", RULE_FAIL,
		  "Bucket team-a/app: spec.endpoint \"minio.evil.io\" is not an "
		  "allowed endpoint (endpoints, endpointPatterns)" },
		{ SRC, "Bucket", "{'endpoint':'https://minio.acme.io',"
		  "'bucketName':'acme-a'}",
		  RULE_FAIL, NULL },
		/* Azure's endpoint is an https URL (Flux's own examples). */
		{ SRC, "Bucket", "{'provider':'azure','endpoint':"
		  "'https://acme.blob.core.windows.net','bucketName':'acme-x'}",
		  RULE_PASS, NULL },
		{ SRC, "Bucket", "{'provider':'azure','endpoint':"
		  "'http://acme.blob.core.windows.net','bucketName':'acme-a'}", RULE_FAIL,
		  "Bucket team-a/app: spec.endpoint \"http://acme.blob.core."
		  "windows.net\" is plain http (allowInsecure is false)" },
		{ SRC, "Bucket", "{'provider':'azure','endpoint':"
		  "'https://evil.blob.core.windows.net','bucketName':'acme-a'}", RULE_FAIL, NULL },
		{ SRC, "Bucket", "{'provider':'azure','endpoint':"
		  "'https://acme.blob.core.windows.net/x','bucketName':'acme-a'}", RULE_FAIL, NULL },
		{ SRC, "Bucket", "{'endpoint':'minio.acme.io','insecure':true,"
		  "'bucketName':'acme-a'}",
		  RULE_FAIL, NULL },
		{ SRC, "Bucket", "{'bucketName':'b'}", RULE_ERROR, NULL },
		{ SRC, "HelmChart", "{'chart':'podinfo','verify':{"
		  "'provider':'cosign','secretRef':{'name':'k'}}}", RULE_PASS,
		  NULL },
		{ SRC, "HelmChart", "{'chart':'podinfo','verify':{"
		  "'provider':'cosign'}}", RULE_FAIL, "HelmChart team-a/app: "
		  "spec.verify accepts any cosign signer (set secretRef or "
		  "matchOIDCIdentity)" },
		{ SRC, "HelmChart", "{'chart':'podinfo'}", RULE_FAIL, NULL },
		{ SRC, "HelmChart", "{'chart':'podinfo','sourceRef':{"
		  "'kind':'HelmRepository','name':'p'}}", RULE_FAIL, NULL },
		/* A chart in Git or a Bucket: Flux verifies the source. */
		{ SRC, "HelmChart", "{'chart':'./charts/app','sourceRef':{"
		  "'kind':'GitRepository','name':'config'}}", RULE_PASS, NULL },
		{ SRC, "HelmChart", "{'chart':'./app','sourceRef':{"
		  "'kind':'Bucket','name':'b'}}", RULE_PASS, NULL },
		{ KS, "Kustomization", "{'sourceRef':{'kind':'GitRepository',"
		  "'name':'app'}}", RULE_PASS, NULL },
		{ KS, "Kustomization", "{'sourceRef':{'kind':'GitRepository',"
		  "'name':'app','namespace':'team-a'}}", RULE_PASS, NULL },
		{ KS, "Kustomization", "{'sourceRef':{'kind':'GitRepository',"
		  "'name':'app','namespace':'flux-system'}}", RULE_PASS, NULL },
		{ KS, "Kustomization", "{'sourceRef':{'kind':'GitRepository',"
		  "'name':'app','namespace':'team-b'}}", RULE_FAIL,
		  "Kustomization team-a/app: spec.sourceRef.namespace "
		  "\"team-b\" is another namespace, not in sourceNamespaces" },
		{ KS, "Kustomization", "{'path':'./'}", RULE_ERROR, NULL },
		{ HR, "HelmRelease", "{'chartRef':{'kind':'OCIRepository',"
		  "'name':'podinfo','namespace':'team-b'}}", RULE_FAIL,
		  "HelmRelease team-a/app: spec.chartRef.namespace \"team-b\" "
		  "is another namespace, not in sourceNamespaces" },
		{ HR, "HelmRelease", "{'chartRef':{'kind':'OCIRepository',"
		  "'name':'podinfo'}}", RULE_PASS, NULL },
		{ HR, "HelmRelease", "{'chart':{'spec':{'chart':'podinfo',"
		  "'sourceRef':{'kind':'HelmRepository','name':'p',"
		  "'namespace':'flux-system'},'verify':{'provider':'cosign',"
		  "'secretRef':{'name':'k'}}}}}", RULE_PASS, NULL },
		/* A HelmRelease's verify has no matchOIDCIdentity. */
		{ HR, "HelmRelease", "{'chart':{'spec':{'chart':'podinfo',"
		  "'sourceRef':{'kind':'HelmRepository','name':'p'},"
		  "'verify':{'provider':'cosign','matchOIDCIdentity':[{"
		  "'issuer':'i','subject':'s'}]}}}}", RULE_FAIL,
		  "HelmRelease team-a/app: spec.chart.spec.verify accepts any "
		  "cosign signer (set secretRef)" },
		{ HR, "HelmRelease", "{'chart':{'spec':{'chart':'podinfo',"
		  "'sourceRef':{'kind':'HelmRepository','name':'p'}}}}",
		  RULE_FAIL, "HelmRelease team-a/app: spec.chart.spec.verify is "
		  "not set (requireVerify: signatures must be checked)" },
		{ HR, "HelmRelease", "{'chart':{'spec':{'chart':'podinfo',"
		  "'sourceRef':{'kind':'HelmRepository','name':'p',"
		  "'namespace':'apps'},'verify':{'provider':'cosign'}}}}",
		  RULE_FAIL, NULL },
		{ HR, "HelmRelease", "{'chart':{'spec':{'chart':'./charts/app',"
		  "'sourceRef':{'kind':'GitRepository','name':'config'}}}}",
		  RULE_PASS, NULL },
		{ HR, "HelmRelease", "{'chart':{}}", RULE_ERROR, NULL },
		{ HR, "HelmRelease", "{'values':{}}", RULE_ERROR, NULL },
		/* Same kind names in other groups are not judged. */
		{ "example.io", "GitRepository", "{'url':'https://evil.io'}",
		  RULE_PASS, NULL },
		{ "", "Kustomization", "{}", RULE_PASS, NULL },
		{ "apps", "Deployment", "{}", RULE_PASS, NULL },
	};

	run_cases(FULL, c, sizeof(c) / sizeof(*c));
}

/* No lists: any URL in plain form; no verify asked; http allowed. */
static void
test_open(void)
{
	static const struct fcase c[] = {
		{ SRC, "GitRepository", "{'url':'https://anywhere.io/x'}",
		  RULE_PASS, NULL },
		{ SRC, "GitRepository", "{'url':'http://anywhere.io/x'}",
		  RULE_PASS, NULL },
		{ SRC, "OCIRepository", "{'url':'oci://r.io/x','insecure':true}",
		  RULE_PASS, NULL },
		{ SRC, "Bucket", "{'endpoint':'anything.io:9000'}", RULE_PASS,
		  NULL },
		{ SRC, "HelmChart", "{'chart':'x'}", RULE_PASS, NULL },
		{ KS, "Kustomization", "{'sourceRef':{'name':'a',"
		  "'namespace':'other'}}", RULE_FAIL, NULL },
		/* Plain form is checked even with no lists. */
		{ SRC, "GitRepository", "{'url':'https://a.io/x/../y'}",
		  RULE_FAIL, "GitRepository team-a/app: spec.url "
		  "\"https://a.io/x/../y\" has a dot segment" },
	};

	run_cases(HEAD "  allowInsecure: true\n", c, sizeof(c) / sizeof(*c));
}

/* A '*' in a glob's host stays in the URL's host. */
static void
test_host_glob(void)
{
	static const struct fcase c[] = {
		{ SRC, "GitRepository", "{'url':'https://git.acme.io/a/b'}",
		  RULE_PASS, NULL },
		{ SRC, "GitRepository", "{'url':'https://evil.io/.acme.io/x'}",
		  RULE_FAIL, NULL },
		{ SRC, "GitRepository", "{'url':'https://evil.io/x?.acme.io/'}",
		  RULE_FAIL, NULL },
		{ SRC, "GitRepository", "{'url':'https://evil.io#.acme.io/x'}",
		  RULE_FAIL, NULL },
		{ SRC, "GitRepository", "{'url':'https://git.acme.io'}",
		  RULE_FAIL, NULL },
		{ SRC, "OCIRepository", "{'url':'oci://r.acme.io:5000/x'}",
		  RULE_PASS, NULL },
	};

	run_cases(HEAD "  urls: ['https://*.acme.io/*', 'oci://*/*']\n", c,
	    sizeof(c) / sizeof(*c));
	CHECK(rule_flux_url_glob("*", "https://anything.io/x"));
	CHECK(!rule_flux_url_glob("https://*", "https://a.io/x"));
	CHECK(rule_flux_url_glob("https://*/*", "https://a.io/x"));
	CHECK(!rule_flux_url_glob("https://a.io/*", "https://a.io"));
}

static void
test_url_form(void)
{
	static const char *const git[] = { "https", "http", "ssh", NULL };
	static const struct {
		const char	*url, *why;	/* why NULL: plain */
	} c[] = {
		{ "https://github.com/acme/app", NULL },
		{ "HTTPS://github.com/acme/app", NULL },
		{ "ssh://git@github.com/acme/app.git", NULL },
		{ "https://github.com/acme/app?ref=x", NULL },
		{ "https://github.com/acme/...app", NULL },
		{ "https://github.com/acme/../evil", "has a dot segment" },
		{ "https://github.com/acme/./app", "has a dot segment" },
		{ "https://github.com/acme/%2e%2E/evil", "has a dot segment" },
		{ "https://github.com/acme/.%2e", "has a dot segment" },
		{ "https://github.com/acme/..", "has a dot segment" },
		{ "https://github.com/acme%2f..%2fevil", "has an encoded slash" },
		{ "https://github.com/acme\\evil", "has a backslash" },
		{ "https://github.com/acme/a b", "has a space" },
		{ "https://github.com/acme/\tb", "has a control character" },
		{ "https://github.com@evil.io/acme/app",
		  "has a user name before '@' (only ssh:// takes one)" },
		{ "ssh://git@evil.io@github.com/acme", "has '@' twice" },
		{ "ssh://a:b@github.com/acme",
		  "has a user part that is not a plain user name" },
		{ "ssh://git@/acme", "has no host" },
		{ "https:///acme", "has no host" },
		{ "https://evil.io/x@github.com/acme/app",
		  "has '@' after the host" },
		{ "git@github.com:acme/app", "has no scheme" },
		{ "https://evil.io\xef\xbc\x8f.acme.io/x",
		  "has a non-ASCII host (write it in punycode, xn--)" },
		{ "https://xn--80ak6aa92e.com/acme/app", NULL },
		{ "https://evil.io%2e.acme.io/x", "has '%' in the host" },
		{ "https://github.com/acme/caf\xc3\xa9", NULL },
		{ "file:///etc/passwd", "has a scheme this kind does not fetch" },
	};
	char		 scheme[16], big[FLUX_URL_MAX + 32];
	const char	*why;
	size_t		 i;

	for (i = 0; i < sizeof(c) / sizeof(*c); i++) {
		why = rule_flux_url_problem(c[i].url, git, scheme,
		    sizeof(scheme));
		if (c[i].why == NULL)
			CHECK(why == NULL);
		else
			CHECK_STR(why, c[i].why);
	}
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "https://a.io/", 13);
	big[sizeof(big) - 1] = '\0';
	CHECK_STR(rule_flux_url_problem(big, git, scheme, sizeof(scheme)),
	    "is too long");
	CHECK(rule_flux_url_endpoint_problem("minio.io:9000", NULL, scheme,
	    sizeof(scheme)) == NULL);
	CHECK(rule_flux_url_endpoint_problem("[::1]:9000", NULL, scheme,
	    sizeof(scheme)) == NULL);
	CHECK_STR(rule_flux_url_endpoint_problem("", NULL, scheme,
	    sizeof(scheme)), "is empty");
	CHECK_STR(rule_flux_url_endpoint_problem("a.io/x", NULL, scheme,
	    sizeof(scheme)), "is not host[:port]");
	CHECK_STR(rule_flux_url_endpoint_problem("user@a.io", NULL, scheme,
	    sizeof(scheme)), "is not host[:port]");
	CHECK_STR(rule_flux_url_endpoint_problem("https://a.io", NULL, scheme,
	    sizeof(scheme)), "has a scheme (an endpoint is host[:port])");
	CHECK(rule_flux_url_endpoint_problem("https://a.io", git, scheme,
	    sizeof(scheme)) == NULL);
	CHECK_STR(scheme, "https");
	CHECK_STR(rule_flux_url_endpoint_problem("https://", git, scheme,
	    sizeof(scheme)), "is not host[:port]");
	CHECK_STR(rule_flux_url_endpoint_problem("https://a.io/c", git, scheme,
	    sizeof(scheme)), "is not host[:port]");
}

/* Defaults, skipped requests, and the spec's errors. */
static void
test_spec(void)
{
	struct policy_set	*set;
	struct rule_result	 r;
	struct diag		 d;
	const struct policy	*p;

	set = load(HEAD "  mode: audit\n", &d);
	diag_free(&d);
	CHECK(set != NULL);
	if (set != NULL) {
		p = &set->policies[0];
		CHECK_INT(p->match.kinds.n, 7);
		CHECK_STR(p->match.kinds.v[0], "GitRepository");
		CHECK_STR(p->match.kinds.v[6], "HelmRelease");
		CHECK_INT(p->match.ops, KUBE_OP_CREATE | KUBE_OP_UPDATE);
		CHECK_INT(RULE_FLUX_SOURCE(p)->allow_insecure, 0);
		CHECK_INT(judge(p, SRC, "OCIRepository", "UPDATE",
		    "{'url':'oci://r.io/x','insecure':true}", &r), RULE_FAIL);
		CHECK_INT(judge(p, SRC, "OCIRepository", "DELETE",
		    "{'url':'oci://r.io/x','insecure':true}", &r), RULE_PASS);
		/* Finalizers and labels only: spec as it was, not judged. */
		CHECK_INT(judge_old(p, SRC, "OCIRepository", "UPDATE",
		    "{'url':'oci://r.io/x','insecure':true}",
		    "{'url':'oci://r.io/x','insecure':true}", &r), RULE_PASS);
		CHECK_INT(judge_old(p, SRC, "OCIRepository", "UPDATE",
		    "{'url':'oci://r.io/x','insecure':true}",
		    "{'url':'oci://r.io/x'}", &r), RULE_FAIL);
		CHECK_INT(judge_old(p, SRC, "OCIRepository", "UPDATE",
		    "{'url':'oci://r.io/x','insecure':true}",
		    "{'url':'oci://r.io/x','insecure':false}", &r), RULE_FAIL);
		policy_set_unref(set);
	}
	set = load(HEAD "  requireVerify: [Bucket]\n  urls: []\n"
	    "  urlPatterns: ['(']\n", &d);
	CHECK(set == NULL);
	CHECK_INT(d.errors, 3);
	if (d.n >= 1)
		CHECK_STR(d.v[0].text, "t.yaml:6:19: spec.requireVerify[0]: "
		    "\"Bucket\" has no spec.verify (expected GitRepository, "
		    "OCIRepository, HelmChart or HelmRelease)");
	diag_free(&d);
	set = load(HEAD "  allowInsecure: yes\n  sourceNamespaces: []\n", &d);
	CHECK(set == NULL);
	CHECK_INT(d.errors, 1);
	diag_free(&d);
}

int
main(void)
{
	test_full();
	test_open();
	test_host_glob();
	test_url_form();
	test_spec();
	return unit_done("rule_flux_source");
}
