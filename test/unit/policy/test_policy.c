/*
 * test_policy.c - webhook/policy/policy.c and the schema behind it: the shipped
 * policies/ with their exact values, the good fixtures (multi-document
 * files, item forms, defaults), and every test/data/policies-bad/NAME.yaml
 * against NAME.err, line by line. Run from the repository root.
 */
#include "policy/policy_set.h"
#include "rules/rule_actor.h"
#include "rules/rule_image.h"
#include "rules/rule_source.h"
#include "rules/rules.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "base/kube.h"
#include "unit.h"

#define BAD_DIR	"test/data/policies-bad"

static const struct policy *
find(const struct policy_set *set, const char *name)
{
	size_t	i;

	for (i = 0; set != NULL && i < set->n_policies; i++)
		if (strcmp(set->policies[i].name, name) == 0)
			return &set->policies[i];
	return NULL;
}

/* The list joined with ',' (for compact comparisons). */
static const char *
join(const struct strlist *l)
{
	static char	buf[1024];
	size_t		i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < l->n && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s",
		    i ? "," : "", l->v[i]);
	return buf;
}

static void
print_diag(const struct diag *d)
{
	size_t	i;

	for (i = 0; i < d->n; i++)
		fprintf(stderr, "  diag: %s\n", d->v[i].text);
}

static void
test_shipped(void)
{
	struct policy_set	*set;
	const struct policy	*p;
	struct diag		 d;
	char			 buf[128];

	diag_init(&d);
	set = policy_set_load("policies", rules_kinds, &d);
	CHECK(set != NULL);
	CHECK_INT(d.errors, 0);
	CHECK_INT(d.warnings, 0);
	print_diag(&d);
	diag_free(&d);
	if (set == NULL)
		return;
	CHECK_INT(set->n_files, 7);	/* flux-sources, managed-objects: presets */
	CHECK_INT(set->n_policies, 4);
	CHECK_INT(strlen(set->sha256), 64);
	CHECK_STR(join(&set->settings.exempt_namespaces), "kube-system,"
	    "kube-public,kube-node-lease,flux-system,gitgate-system");
	CHECK_STR(join(&set->settings.exempt_users),
	    "system:kube-controller-manager,system:kube-scheduler");
	CHECK_STR(join(&set->settings.exempt_groups),
	    "system:nodes,system:serviceaccounts:kube-system");
	/* File-name order. */
	CHECK_STR(set->policies[0].name, "git-source");
	CHECK_STR(set->policies[1].name, "immutable-images");
	CHECK_STR(set->policies[2].name, "reconciler-only");
	CHECK_STR(set->policies[3].name, "release-tags");

	p = find(set, "immutable-images");
	CHECK(p != NULL && p->kind == &rule_image_kind);
	CHECK(p != NULL && p->mode == POLICY_ENFORCE);
	CHECK(p != NULL && RULE_IMAGE(p)->deny_latest == 1 &&
	    RULE_IMAGE(p)->require_tag == 1 &&
	    RULE_IMAGE(p)->require_digest == 0);
	CHECK(p != NULL && RULE_IMAGE(p)->n_allowed_tags == 0 &&
	    RULE_IMAGE(p)->allowed_registries.n == 0 &&
	    RULE_IMAGE(p)->exempt_images.n == 0);
	CHECK_STR(p ? p->hint : NULL, "pin a release tag or digest in Git");
	CHECK_STR(p ? p->file : NULL, "policies/immutable-images.yaml");
	CHECK_INT(p ? p->line : 0, 12);
	CHECK_STR(p ? join(&p->match.kinds) : NULL, "Pod,Deployment,"
	    "ReplicaSet,StatefulSet,DaemonSet,Job,CronJob,"
	    "ReplicationController");
	CHECK_INT(p ? p->match.ops : 0, KUBE_OP_CREATE | KUBE_OP_UPDATE);
	CHECK_STR(p ? join(&p->match.subresources) : NULL,
	    ",ephemeralcontainers");
	CHECK(p != NULL && p->match.ns_include.n == 0 &&
	    p->match.ns_exclude.n == 0);

	p = find(set, "release-tags");
	CHECK(p != NULL && p->mode == POLICY_AUDIT);
	CHECK(p != NULL && RULE_IMAGE(p)->deny_latest == 0 &&
	    RULE_IMAGE(p)->require_tag == 0);
	CHECK_INT(p ? RULE_IMAGE(p)->n_allowed_tags : 0, 2);
	if (p != NULL && RULE_IMAGE(p)->n_allowed_tags == 2) {
		CHECK_STR(match_regex_pattern(RULE_IMAGE(p)->allowed_tags[0]),
		    "^v?(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)"
		    "(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$");
		CHECK_STR(match_regex_pattern(RULE_IMAGE(p)->allowed_tags[1]),
		    "^[0-9a-f]{7,40}$");
		CHECK_INT(match_regex(RULE_IMAGE(p)->allowed_tags[0],
		    "1.25-alpine",
		    11, buf, sizeof(buf)), MATCH_NO);
	}
	CHECK_STR(p ? p->hint : NULL,
	    "use a semantic version or a git commit SHA");

	p = find(set, "git-source");
	CHECK(p != NULL && p->kind == &rule_source_kind &&
	    p->mode == POLICY_ENFORCE);
	CHECK_INT(p ? RULE_SOURCE(p)->n_markers : 0, 7);
	if (p != NULL && RULE_SOURCE(p)->n_markers == 7) {
		CHECK_STR(RULE_SOURCE(p)->markers[0].name, "flux-kustomize");
		CHECK_INT(RULE_SOURCE(p)->markers[0].n_labels, 2);
		CHECK_STR(RULE_SOURCE(p)->markers[0].labels[1].key,
		    "kustomize.toolkit.fluxcd.io/namespace");
		CHECK(RULE_SOURCE(p)->markers[0].labels[1].value == NULL);
		CHECK_STR(RULE_SOURCE(p)->markers[1].name, "flux-helm");
		CHECK_STR(RULE_SOURCE(p)->markers[1].labels[0].key,
		    "helm.toolkit.fluxcd.io/name");
		CHECK_STR(RULE_SOURCE(p)->markers[2].name, "argocd");
		CHECK_INT(RULE_SOURCE(p)->markers[2].n_labels, 0);
		CHECK_STR(RULE_SOURCE(p)->markers[2].annotations[0].key,
		    "argocd.argoproj.io/tracking-id");
		CHECK_STR(RULE_SOURCE(p)->markers[3].name, "config-repo");
		CHECK_STR(RULE_SOURCE(p)->markers[3].annotations[0].key,
		    "gitgate.io/source");
		CHECK(RULE_SOURCE(p)->markers[3].annotations[0].value != NULL);
		CHECK_STR(match_regex_pattern(
		    RULE_SOURCE(p)->markers[3].annotations[0].value),
		    "^(https://|ssh://|git@)\\S+$");
		CHECK(!RULE_SOURCE(p)->markers[3].has_actors);
		/* helm-hooks: helm.sh/hook from helm-controller only. */
		CHECK_STR(RULE_SOURCE(p)->markers[4].name, "helm-hooks");
		CHECK_INT(RULE_SOURCE(p)->markers[4].n_labels, 0);
		CHECK_STR(RULE_SOURCE(p)->markers[4].annotations[0].key,
		    "helm.sh/hook");
		CHECK(RULE_SOURCE(p)->markers[4].has_actors);
		CHECK_INT(RULE_SOURCE(p)->markers[4].actors.service_accounts.n,
		    1);
		CHECK_STR(RULE_SOURCE(p)->markers[4].actors.service_accounts.n ?
		    RULE_SOURCE(p)->markers[4].actors.service_accounts.v[0] :
		    NULL, "flux-system:helm-controller");
		CHECK_INT(RULE_SOURCE(p)->markers[4].actors.users.n +
		    RULE_SOURCE(p)->markers[4].actors.groups.n, 0);
		/* Argo CD's label tracking: from its controller only. */
		CHECK_STR(RULE_SOURCE(p)->markers[5].name, "argocd-label");
		CHECK_STR(RULE_SOURCE(p)->markers[5].labels[0].key,
		    "app.kubernetes.io/instance");
		CHECK_STR(RULE_SOURCE(p)->markers[6].labels[0].key,
		    "argocd.argoproj.io/instance");
		CHECK(RULE_SOURCE(p)->markers[5].has_actors &&
		    RULE_SOURCE(p)->markers[6].has_actors);
		CHECK_STR(RULE_SOURCE(p)->markers[5].actors.service_accounts.n ?
		    RULE_SOURCE(p)->markers[5].actors.service_accounts.v[0] :
		    NULL, "argocd:argocd-application-controller");
	}
	CHECK_STR(p ? p->hint : NULL, "apply it from Git (Flux, Argo CD)");

	p = find(set, "reconciler-only");
	CHECK(p != NULL && p->kind == &rule_actor_kind);
	CHECK_STR(p ? join(&RULE_ACTOR(p)->service_accounts) : NULL,
	    "flux-system:kustomize-controller,flux-system:helm-controller,"
	    "argocd:argocd-application-controller,flagger-system:flagger,"
	    "appmesh-system:flagger,istio-system:flagger,linkerd:flagger,"
	    "projectcontour:flagger,kube-system:*");
	CHECK_STR(p ? join(&RULE_ACTOR(p)->users) : NULL,
	    "system:kube-controller-manager");
	CHECK_STR(p ? join(&RULE_ACTOR(p)->groups) : NULL, "system:nodes");
	/* Break-glass is its own list, not an ordinary allow entry. */
	CHECK_STR(p ? join(&RULE_ACTOR(p)->break_glass_groups) : NULL,
	    "gitgate:break-glass");
	CHECK_INT(p ? (int)RULE_ACTOR(p)->break_glass_users.n : -1, 0);
	/* Flux tenants: a commented preset, off. */
	CHECK_INT(p ? (int)RULE_ACTOR(p)->flux_tenants.n : -1, 0);
	CHECK_INT(p ? RULE_ACTOR(p)->dry_run_warn : -1, 1);
	CHECK_INT(p ? RULE_ACTOR(p)->allow_rollout_restart : -1, 1);
	CHECK_INT(p ? RULE_ACTOR(p)->allow_owned_pod_delete : -1, 1);
	/* Off by default: needs Kubernetes >= 1.30 and no impersonation. */
	CHECK_INT(p ? RULE_ACTOR(p)->require_bound_token : -1, 0);
	CHECK_INT(p ? p->match.ops : 0,
	    KUBE_OP_CREATE | KUBE_OP_UPDATE | KUBE_OP_DELETE);
	CHECK_STR(p ? join(&p->match.subresources) : NULL,
	    ",scale,ephemeralcontainers");
	CHECK_STR(p ? p->hint : NULL, "commit the change to Git and let the "
	    "reconciler apply it");

	CHECK_STR(policy_set_default_user(set, buf, sizeof(buf)),
	    "system:serviceaccount:flux-system:kustomize-controller");
	CHECK(policy_set_default_user(set, buf, 10) == NULL);
	CHECK_STR(policy_mode_name(POLICY_AUDIT), "audit");
	CHECK_STR(p ? policy_rule_name(p) : NULL, "actor");

	CHECK(policy_set_ref(set) == set);
	CHECK_INT(atomic_load(&set->refs), 2);
	policy_set_unref(set);
	CHECK_INT(atomic_load(&set->refs), 1);
	policy_set_unref(set);
	policy_set_unref(NULL);
}

static void
test_good(void)
{
	struct policy_set	*set;
	const struct policy	*p;
	struct diag		 d;
	char			 buf[128], err[64];

	diag_init(&d);
	set = policy_set_load("test/data/policies-good", rules_kinds, &d);
	CHECK(set != NULL);
	CHECK_INT(d.errors + d.warnings, 0);
	print_diag(&d);
	diag_free(&d);
	if (set == NULL)
		return;
	CHECK_INT(set->n_files, 2);	/* .hidden.yaml, README.txt skipped */
	CHECK_INT(set->n_policies, 4);
	CHECK_STR(join(&set->settings.exempt_namespaces), "kube-*,team-?");
	CHECK_INT(set->settings.exempt_users.n + set->settings.exempt_groups.n,
	    0);

	p = find(set, "digests-only");
	CHECK(p != NULL && p->mode == POLICY_AUDIT && p->line == 9);
	CHECK(p != NULL && !RULE_IMAGE(p)->deny_latest &&
	    !RULE_IMAGE(p)->require_tag && RULE_IMAGE(p)->require_digest);
	CHECK_STR(p ? p->hint : NULL, "pin by digest");
	CHECK_INT(p ? RULE_IMAGE(p)->n_allowed_tags : 0, 1);
	CHECK_STR(p ? join(&RULE_IMAGE(p)->allowed_registries) : NULL,
	    "ghcr.io,*.dkr.ecr.*.amazonaws.com");
	CHECK_STR(p ? join(&RULE_IMAGE(p)->exempt_images) : NULL,
	    "docker.io/istio/proxyv2:*");
	CHECK_STR(p ? join(&p->match.kinds) : NULL, "Deployment,CronJob");
	CHECK_STR(p ? join(&p->match.ns_include) : NULL, "prod-*,staging");
	CHECK_STR(p ? join(&p->match.ns_exclude) : NULL, "prod-sandbox");
	CHECK_INT(p ? p->match.ops : 0, KUBE_OP_ALL);
	CHECK_STR(p ? join(&p->match.subresources) : NULL,
	    ",ephemeralcontainers");

	p = find(set, "item-forms");
	CHECK(p != NULL && RULE_SOURCE(p)->n_markers == 2);
	if (p != NULL && RULE_SOURCE(p)->n_markers == 2) {
		CHECK_INT(RULE_SOURCE(p)->markers[0].n_labels, 2);
		CHECK_STR(RULE_SOURCE(p)->markers[0].labels[0].key,
		    "app.kubernetes.io/managed-by");
		CHECK_STR(RULE_SOURCE(p)->markers[0].labels[1].key,
		    "example.com/team");
		CHECK(RULE_SOURCE(p)->markers[0].labels[1].value == NULL);
		CHECK(RULE_SOURCE(p)->markers[0].annotations[0].value != NULL);
		CHECK_INT(match_regex(
		    RULE_SOURCE(p)->markers[0].annotations[0].value, "https://x",
		    9, err, sizeof(err)), MATCH_YES);
		CHECK_STR(RULE_SOURCE(p)->markers[1].annotations[0].key,
		    "source");
		CHECK_INT(RULE_SOURCE(p)->markers[1].n_labels, 0);
		CHECK(!RULE_SOURCE(p)->markers[0].has_actors);
		CHECK(RULE_SOURCE(p)->markers[1].has_actors);
		CHECK_STR(join(&RULE_SOURCE(p)->markers[1].actors.users),
		    "ci-bot");
		CHECK_STR(join(&RULE_SOURCE(p)->markers[1].actors.groups),
		    "deployers:*");
		CHECK_STR(join(
		    &RULE_SOURCE(p)->markers[1].actors.service_accounts),
		    "ci:*,tools:runner");
	}
	CHECK(p != NULL && p->mode == POLICY_ENFORCE && p->hint == NULL);

	p = find(set, "image-defaults");
	CHECK(p != NULL && RULE_IMAGE(p)->deny_latest &&
	    RULE_IMAGE(p)->require_tag &&
	    !RULE_IMAGE(p)->require_digest && p->mode == POLICY_ENFORCE);
	CHECK_STR(p ? p->file : NULL,
	    "test/data/policies-good/20-defaults.yml");
	CHECK_INT(p ? p->match.kinds.n : 0, 8);

	p = find(set, "actor-defaults");
	CHECK_INT(p ? p->match.ops : 0,
	    KUBE_OP_CREATE | KUBE_OP_UPDATE | KUBE_OP_DELETE);
	CHECK_STR(p ? join(&p->match.subresources) : NULL,
	    ",scale,ephemeralcontainers");
	/* Unwritten keys take their defaults. */
	CHECK_INT(p ? RULE_ACTOR(p)->dry_run_warn : -1, 1);
	CHECK_INT(p ? RULE_ACTOR(p)->allow_rollout_restart : -1, 1);
	CHECK_INT(p ? RULE_ACTOR(p)->allow_owned_pod_delete : -1, 1);
	/* No plain service account: the first plain user. */
	CHECK_STR(policy_set_default_user(set, buf, sizeof(buf)), "alice");
	policy_set_unref(set);
}

/* Up to max lines of path into v (stripped of '\n'); count or -1. */
static int
read_lines(const char *path, char v[][DIAG_LINE_MAX], int max)
{
	FILE	*f;
	int	 n = 0;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (n < max && fgets(v[n], DIAG_LINE_MAX, f) != NULL) {
		v[n][strcspn(v[n], "\n")] = '\0';
		n++;
	}
	fclose(f);
	return n;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	buf = malloc(POLICY_FILE_MAX + 1);
	*len = buf ? fread(buf, 1, POLICY_FILE_MAX + 1, f) : 0;
	fclose(f);
	return buf;
}

/* Each NAME.yaml alone through policy_set_load_buffer vs NAME.err. */
static void
test_bad_one(const char *name, int *count)
{
	static char		 want[DIAG_MAX][DIAG_LINE_MAX];
	char			 yaml[512], errf[512];
	struct policy_set	*set;
	struct diag		 d;
	size_t			 len, i;
	char			*buf;
	int			 n, ok;

	snprintf(yaml, sizeof(yaml), "%s/%s", BAD_DIR, name);
	snprintf(errf, sizeof(errf), "%.*s.err", (int)strlen(yaml) - 5, yaml);
	n = read_lines(errf, want, DIAG_MAX);
	if ((buf = slurp(yaml, &len)) == NULL || n < 0) {
		fprintf(stderr, "%s: cannot read fixture or .err\n", yaml);
		CHECK(0);
		free(buf);
		return;
	}
	diag_init(&d);
	set = policy_set_load_buffer(yaml, buf, len, rules_kinds, &d);
	ok = d.n == (size_t)n && d.dropped == 0;
	for (i = 0; ok && i < d.n; i++)
		ok = strcmp(d.v[i].text, want[i]) == 0;
	if (!ok) {
		fprintf(stderr, "%s: diagnostics differ; got:\n", yaml);
		print_diag(&d);
	}
	CHECK(ok);
	/* Loads exactly when there is no error (warnings are fine). */
	CHECK((set != NULL) == (d.errors == 0));
	policy_set_unref(set);
	diag_free(&d);
	free(buf);
	(*count)++;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_bad(void)
{
	DIR		*dp;
	struct dirent	*de;
	char		*names[256];
	size_t		 n = 0, i, len;
	int		 count = 0;

	dp = opendir(BAD_DIR);
	CHECK(dp != NULL);
	if (dp == NULL)
		return;
	while ((de = readdir(dp)) != NULL && n < 256) {
		len = strlen(de->d_name);
		if (len > 5 && strcmp(de->d_name + len - 5, ".yaml") == 0)
			names[n++] = strdup(de->d_name);
	}
	closedir(dp);
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (i = 0; i < n; i++) {
		test_bad_one(names[i], &count);
		free(names[i]);
	}
	CHECK(count >= 15);
}

static void
test_limits(void)
{
	char			 tmp[] = "/tmp/gitgate-policy-XXXXXX";
	char			 path[256];
	const char		*doc = "apiVersion: gitgate.io/v1alpha1\n"
	    "kind: ImagePolicy\nmetadata: {name: a}\nspec: {}\n";
	unsigned char		 hash[32];
	char			 hex[65];
	struct policy_set	*set;
	struct diag		 d;
	char			*big;
	FILE			*f;
	unsigned		 i;

	/* Empty buffer: an empty set would allow everything. */
	diag_init(&d);
	CHECK(policy_set_load_buffer("empty.yaml", "", 0, rules_kinds,
	    &d) == NULL);
	CHECK_INT(d.n, 1);
	CHECK_STR(d.n ? d.v[0].text : NULL,
	    "empty.yaml: no policy documents found");
	diag_free(&d);

	/* Hash: SHA-256 of "name\0content\0". */
	set = policy_set_load_buffer("a.yaml", doc, strlen(doc), rules_kinds,
	    &d);
	CHECK(set != NULL);
	big = malloc(POLICY_FILE_MAX + 2);
	CHECK(big != NULL);
	if (set != NULL && big != NULL) {
		memcpy(big, "a.yaml", 7);
		memcpy(big + 7, doc, strlen(doc) + 1);
		EVP_Digest(big, 7 + strlen(doc) + 1, hash, NULL, EVP_sha256(),
		    NULL);
		for (i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", hash[i]);
		CHECK_STR(set->sha256, hex);
	}
	policy_set_unref(set);
	diag_free(&d);
	if (big == NULL)
		return;

	/* File size limit, through the buffer and through a directory. */
	memset(big, '#', POLICY_FILE_MAX + 1);
	CHECK(policy_set_load_buffer("big.yaml", big, POLICY_FILE_MAX + 1,
	    rules_kinds, &d) == NULL);
	CHECK_STR(d.n ? d.v[0].text : NULL,
	    "big.yaml: file too large (1048577 bytes, limit 1048576)");
	diag_free(&d);

	if (mkdtemp(tmp) == NULL) {
		CHECK(0);
		free(big);
		return;
	}
	/* An empty directory. */
	CHECK(policy_set_load(tmp, rules_kinds, &d) == NULL);
	snprintf(path, sizeof(path), "%s: no policy documents found", tmp);
	CHECK_STR(d.n ? d.v[0].text : NULL, path);
	diag_free(&d);

	/* A directory named like a policy file is skipped. */
	snprintf(path, sizeof(path), "%s/dir.yaml", tmp);
	CHECK(mkdir(path, 0700) == 0);
	snprintf(path, sizeof(path), "%s/ok.yaml", tmp);
	if ((f = fopen(path, "w")) != NULL) {
		fputs(doc, f);
		fclose(f);
	}
	set = policy_set_load(tmp, rules_kinds, &d);
	CHECK(set != NULL && set->n_files == 1 && set->n_policies == 1);
	policy_set_unref(set);
	diag_free(&d);

	/* Too large on disk; a dangling symlink cannot be read. */
	snprintf(path, sizeof(path), "%s/zz-big.yaml", tmp);
	if ((f = fopen(path, "w")) != NULL) {
		fwrite(big, 1, POLICY_FILE_MAX + 1, f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/zz-link.yaml", tmp);
	CHECK(symlink("/nonexistent/gitgate", path) == 0);
	CHECK(policy_set_load(tmp, rules_kinds, &d) == NULL);
	CHECK_INT(d.errors, 2);
	snprintf(path, sizeof(path), "%s/zz-big.yaml: file too large "
	    "(1048577 bytes, limit 1048576)", tmp);
	CHECK_STR(d.n > 0 ? d.v[0].text : NULL, path);
	snprintf(path, sizeof(path), "%s/zz-link.yaml: cannot read: No such "
	    "file or directory", tmp);
	CHECK_STR(d.n > 1 ? d.v[1].text : NULL, path);
	diag_free(&d);

	CHECK(policy_set_load("/nonexistent/gitgate", rules_kinds, &d) == NULL);
	CHECK_STR(d.n ? d.v[0].text : NULL, "/nonexistent/gitgate: cannot "
	    "open directory: No such file or directory");
	diag_free(&d);

	snprintf(path, sizeof(path), "rm -rf '%s'", tmp);
	CHECK(system(path) == 0);
	free(big);
}

/* requireBoundToken: true in test/data/policies-bound; default false. */
static void
test_bound_token(void)
{
	const char		*doc = "apiVersion: gitgate.io/v1alpha1\n"
	    "kind: ActorPolicy\nmetadata: {name: a}\n"
	    "spec: {allow: {users: [x]}}\n";
	struct policy_set	*set;
	const struct policy	*p;
	struct diag		 d;

	diag_init(&d);
	set = policy_set_load("test/data/policies-bound", rules_kinds, &d);
	CHECK(set != NULL);
	CHECK_INT(d.errors + d.warnings, 0);
	print_diag(&d);
	diag_free(&d);
	p = find(set, "reconciler-only");
	CHECK(p != NULL && p->kind == &rule_actor_kind);
	CHECK_INT(p ? RULE_ACTOR(p)->require_bound_token : 0, 1);
	CHECK_STR(p ? join(&RULE_ACTOR(p)->service_accounts) : NULL,
	    "flux-system:kustomize-controller,flux-system:helm-controller,"
	    "flagger-system:flagger,kube-system:*");
	policy_set_unref(set);

	set = policy_set_load_buffer("a.yaml", doc, strlen(doc), rules_kinds,
	    &d);
	p = find(set, "a");
	CHECK(p != NULL);
	CHECK_INT(p ? RULE_ACTOR(p)->require_bound_token : 1, 0);
	policy_set_unref(set);
	diag_free(&d);
}

int
main(void)
{
	test_shipped();
	test_bound_token();
	test_good();
	test_bad();
	test_limits();
	return unit_done("policy");
}
