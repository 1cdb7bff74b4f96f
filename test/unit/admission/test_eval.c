/*
 * test_eval.c - webhook/admission/eval.c and webhook/admission/verdict.c over the shipped
 * policies/ (run from the repository root): a table of reviews with the
 * decision, the policies with findings and, for some, the exact denial
 * message and warnings; dry-run and forced audit re-run every case.
 * eval_policy_matches() is checked on a hand-built policy.
 */
#include "admission/eval.h"
#include "rules/rule_actor.h"
#include "rules/rules.h"
#include "policy/policy_set.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/kube.h"
#include "admission/verdict.h"
#include "fixture.h"
#include "unit.h"

#define FLUX_SA		"system:serviceaccount:flux-system:kustomize-controller"
#define FLUX_GROUPS	"['system:serviceaccounts'," \
			"'system:serviceaccounts:flux-system'," \
			"'system:authenticated']"
#define FLAGGER_SA	"system:serviceaccount:flagger-system:flagger"
#define FLAGGER_GROUPS	"['system:serviceaccounts'," \
			"'system:serviceaccounts:flagger-system'," \
			"'system:authenticated']"
#define HPA_SA		"system:serviceaccount:kube-system:" \
			"horizontal-pod-autoscaler"
#define KS_GROUPS	"['system:serviceaccounts'," \
			"'system:serviceaccounts:kube-system'," \
			"'system:authenticated']"
#define DEV_GROUPS	"['dev','system:authenticated']"
#define FLUX_LABELS	"'labels':{'kustomize.toolkit.fluxcd.io/name':'apps'," \
			"'kustomize.toolkit.fluxcd.io/namespace':'flux-system'}"
#define DEPLOY_OBJ(meta, image) \
	"{'apiVersion':'apps/v1','kind':'Deployment','metadata':" meta "," \
	"'spec':{'replicas':2,'template':{'metadata':{'labels':{'app':'web'}}," \
	"'spec':{'containers':[{'name':'web','image':'" image "'}]}}}}"
#define WEB_FLUX	"{'name':'web','namespace':'team-a'," FLUX_LABELS "}"
#define WEB_BARE	"{'name':'web','namespace':'team-a'}"
#define CANARY_OWNER	"'ownerReferences':[{'apiVersion':'flagger.app/v1beta1'," \
			"'kind':'Canary','name':'podinfo','uid':'c-1'," \
			"'controller':true,'blockOwnerDeletion':true}]"

/*
 * Where a denial message ends in a policy's hint (spec.message, which the
 * policy files may reword), the table says {name}; expand() replaces it
 * with " - " and the hint loaded from policies/.
 */
#define MSG_ACTOR	"{reconciler-only}"
#define MSG_IMAGE	"{immutable-images}"
#define MSG_SOURCE	"{git-source}"

struct eval_case {
	const char	*what;
	const char	*user, *groups;		/* groups: JSON or NULL */
	const char	*op, *kind, *resource, *sub, *ns, *name;
	const char	*object, *old_object;	/* JSON or "null" */
	int		 allowed;
	const char	*exempt;		/* NULL: none */
	int		 policies_run;		/* -1: do not check */
	const char	*policies;		/* with findings, "a,b" */
	const char	*message;		/* exact, or NULL */
	int		 n_warnings;
	const char	*warning;		/* exact first, or NULL */
};

static const struct eval_case cases[] = {
	{ "developer creates a Flux-labelled Deployment",
	  "alice", DEV_GROUPS, "CREATE", "Deployment", "deployments", "",
	  "team-a", "web", DEPLOY_OBJ(WEB_FLUX, "nginx:1.2.3"), "null",
	  0, NULL, 4, "reconciler-only",
	  "[reconciler-only] user \"alice\" may not CREATE Deployment "
	  "team-a/web (managed by Kustomization flux-system/apps: change it "
	  "in Git)" MSG_ACTOR, 0, NULL },
	{ "reconciler creates nginx:latest",
	  FLUX_SA, FLUX_GROUPS, "CREATE", "Deployment", "deployments", "",
	  "team-a", "web", DEPLOY_OBJ(WEB_FLUX, "nginx:latest"), "null",
	  0, NULL, 4, "immutable-images,release-tags",
	  "[immutable-images] container \"web\" image \"nginx:latest\" uses "
	  "the mutable tag \"latest\"" MSG_IMAGE, 1,
	  "[release-tags] container \"web\" image \"nginx:latest\": tag "
	  "\"latest\" is not a release tag" },
	{ "reconciler creates nginx (no tag)",
	  FLUX_SA, FLUX_GROUPS, "CREATE", "Deployment", "deployments", "",
	  "team-a", "web", DEPLOY_OBJ(WEB_FLUX, "nginx"), "null",
	  0, NULL, 4, "immutable-images",
	  "[immutable-images] container \"web\" image \"nginx\" has no tag "
	  "(means :latest)" MSG_IMAGE, 0, NULL },
	{ "reconciler creates nginx:1.25-alpine (audit warning only)",
	  FLUX_SA, FLUX_GROUPS, "UPDATE", "Deployment", "deployments", "",
	  "team-a", "web", DEPLOY_OBJ(WEB_FLUX, "nginx:1.25-alpine"),
	  DEPLOY_OBJ(WEB_FLUX, "nginx:1.24-alpine"),
	  1, NULL, 4, "release-tags", NULL, 1,
	  "[release-tags] container \"web\" image \"nginx:1.25-alpine\": tag "
	  "\"1.25-alpine\" is not a release tag" },
	{ "reconciler creates an unlabelled Deployment",
	  FLUX_SA, FLUX_GROUPS, "CREATE", "Deployment", "deployments", "",
	  "team-a", "web", DEPLOY_OBJ(WEB_BARE, "nginx:1.2.3"), "null",
	  0, NULL, 4, "git-source",
	  "[git-source] Deployment team-a/web carries no Git-source marker "
	  "(one of: flux-kustomize, flux-helm, argocd, config-repo)"
	  MSG_SOURCE, 0, NULL },
	{ "reconciler creates a digest-pinned, Flux-labelled Deployment",
	  FLUX_SA, FLUX_GROUPS, "CREATE", "Deployment", "deployments", "",
	  "team-a", "web", DEPLOY_OBJ(WEB_FLUX, "nginx:latest@sha256:"
	  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
	  "null", 1, NULL, 4, "", NULL, 0, NULL },
	{ "reconciler sends a Deployment without a template",
	  FLUX_SA, FLUX_GROUPS, "CREATE", "Deployment", "deployments", "",
	  "team-a", "web", "{'metadata':" WEB_FLUX ",'spec':{}}", "null",
	  0, NULL, 4, "immutable-images,release-tags",
	  "[immutable-images] cannot evaluate: Deployment spec.template is "
	  "missing or not an object" MSG_IMAGE, 1,
	  "[release-tags] cannot evaluate: Deployment spec.template is "
	  "missing or not an object" },
	{ "several policies fail at once",
	  "alice", DEV_GROUPS, "CREATE", "Deployment", "deployments", "",
	  "team-a", "web", DEPLOY_OBJ(WEB_BARE, "nginx:latest"), "null",
	  0, NULL, 4, "git-source,immutable-images,reconciler-only,"
	  "release-tags",
	  "[git-source] Deployment team-a/web carries no Git-source marker "
	  "(one of: flux-kustomize, flux-helm, argocd, config-repo)"
	  MSG_SOURCE "; [immutable-images] container \"web\" image "
	  "\"nginx:latest\" uses the mutable tag \"latest\"" MSG_IMAGE
	  "; [reconciler-only] user \"alice\" may not CREATE Deployment "
	  "team-a/web" MSG_ACTOR, 1, NULL },
	{ "exempt namespace kube-system",
	  "alice", DEV_GROUPS, "CREATE", "Deployment", "deployments", "",
	  "kube-system", "web", DEPLOY_OBJ(WEB_BARE, "nginx:latest"), "null",
	  1, "namespace", 0, "", NULL, 0, NULL },
	{ "exempt namespace flux-system",
	  "alice", DEV_GROUPS, "DELETE", "Deployment", "deployments", "",
	  "flux-system", "kustomize-controller", "null", "{}",
	  1, "namespace", 0, "", NULL, 0, NULL },
	{ "replicaset-controller creates a Pod (exempt group)",
	  "system:serviceaccount:kube-system:replicaset-controller",
	  KS_GROUPS, "CREATE", "Pod", "pods", "", "team-a", "",
	  "{'metadata':{'generateName':'web-7d9f-','namespace':'team-a',"
	  "'ownerReferences':[{'kind':'ReplicaSet','name':'web-7d9f',"
	  "'controller':true}]},'spec':{'containers':[{'name':'web',"
	  "'image':'nginx:latest'}]}}", "null",
	  1, "group", 0, "", NULL, 0, NULL },
	{ "kube-controller-manager (exempt user)",
	  "system:kube-controller-manager", NULL, "UPDATE", "Deployment",
	  "deployments", "", "team-a", "web",
	  DEPLOY_OBJ(WEB_BARE, "nginx"), "{}",
	  1, "user", 0, "", NULL, 0, NULL },
	{ "HPA scales a Deployment (real groups: exempt)",
	  HPA_SA, KS_GROUPS, "UPDATE", "Scale", "deployments", "scale",
	  "team-a", "web", "{'kind':'Scale','spec':{'replicas':5}}",
	  "{'kind':'Scale','spec':{'replicas':2}}",
	  1, "group", 0, "", NULL, 0, NULL },
	{ "HPA scales a Deployment (actor rule)",
	  HPA_SA, NULL, "UPDATE", "Scale", "deployments", "scale",
	  "team-a", "web", "{'kind':'Scale','spec':{'replicas':5}}",
	  "{'kind':'Scale','spec':{'replicas':2}}",
	  1, NULL, 1, "", NULL, 0, NULL },
	{ "developer scales a Deployment",
	  "alice", DEV_GROUPS, "UPDATE", "Scale", "deployments", "scale",
	  "team-a", "web", "{'kind':'Scale','spec':{'replicas':5}}",
	  "{'kind':'Scale','spec':{'replicas':2}}",
	  0, NULL, 1, "reconciler-only",
	  "[reconciler-only] user \"alice\" may not scale Deployment "
	  "team-a/web" MSG_ACTOR, 0, NULL },
	{ "Flagger creates podinfo-primary owned by a Canary",
	  FLAGGER_SA, FLAGGER_GROUPS, "CREATE", "Deployment", "deployments",
	  "", "team-a", "podinfo-primary",
	  DEPLOY_OBJ("{'name':'podinfo-primary','namespace':'team-a',"
	  CANARY_OWNER "}", "ghcr.io/stefanprodan/podinfo:6.5.0"), "null",
	  1, NULL, 4, "", NULL, 0, NULL },
	{ "Flagger patches replicas of the Flux target",
	  FLAGGER_SA, FLAGGER_GROUPS, "UPDATE", "Deployment", "deployments",
	  "", "team-a", "podinfo",
	  DEPLOY_OBJ("{'name':'podinfo','namespace':'team-a'," FLUX_LABELS "}",
	  "ghcr.io/stefanprodan/podinfo:6.5.0"),
	  DEPLOY_OBJ("{'name':'podinfo','namespace':'team-a'," FLUX_LABELS "}",
	  "ghcr.io/stefanprodan/podinfo:6.5.0"),
	  1, NULL, 4, "", NULL, 0, NULL },
	{ "Flagger scales the primary",
	  FLAGGER_SA, FLAGGER_GROUPS, "UPDATE", "Scale", "deployments",
	  "scale", "team-a", "podinfo-primary", "{'kind':'Scale'}", "null",
	  1, NULL, 1, "", NULL, 0, NULL },
	{ "break-glass group (allowed, loudly)",
	  "bob", "['gitgate:break-glass','system:authenticated']", "UPDATE",
	  "Deployment", "deployments", "", "team-a", "web",
	  DEPLOY_OBJ(WEB_FLUX, "nginx:1.2.4"), DEPLOY_OBJ(WEB_FLUX,
	  "nginx:1.2.3"), 1, NULL, 4, "reconciler-only", NULL, 1,
	  "[reconciler-only] break-glass by \"bob\": Flux reverts this "
	  "unless it is committed to Git" },
	{ "break-glass does not bypass the image rule",
	  "bob", "['gitgate:break-glass']", "UPDATE",
	  "Deployment", "deployments", "", "team-a", "web",
	  DEPLOY_OBJ(WEB_FLUX, "nginx:latest"), "{}",
	  0, NULL, 4, "immutable-images,reconciler-only,release-tags",
	  "[immutable-images] container \"web\" image \"nginx:latest\" uses "
	  "the mutable tag \"latest\"" MSG_IMAGE, 2, NULL },
	{ "developer deletes a Deployment",
	  "alice", DEV_GROUPS, "DELETE", "Deployment", "deployments", "",
	  "team-a", "web", "null", DEPLOY_OBJ(WEB_FLUX, "nginx:1.2.3"),
	  0, NULL, 1, "reconciler-only",
	  "[reconciler-only] user \"alice\" may not DELETE Deployment "
	  "team-a/web (managed by Kustomization flux-system/apps: change it "
	  "in Git)" MSG_ACTOR, 0, NULL },
	{ "reconciler deletes a Deployment",
	  FLUX_SA, FLUX_GROUPS, "DELETE", "Deployment", "deployments", "",
	  "team-a", "web", "null", DEPLOY_OBJ(WEB_BARE, "nginx"),
	  1, NULL, 1, "", NULL, 0, NULL },
	{ "a Service is not a workload",
	  "alice", DEV_GROUPS, "CREATE", "Service", "services", "",
	  "team-a", "web", "{'kind':'Service','metadata':{'name':'web'}}",
	  "null", 1, NULL, 0, "", NULL, 0, NULL },
	{ "CONNECT (kubectl exec)",
	  "alice", DEV_GROUPS, "CONNECT", "PodExecOptions", "pods", "exec",
	  "team-a", "web-1", "{'kind':'PodExecOptions'}", "null",
	  1, NULL, 0, "", NULL, 0, NULL },
	{ "status subresource is not matched",
	  "alice", DEV_GROUPS, "UPDATE", "Deployment", "deployments",
	  "status", "team-a", "web", DEPLOY_OBJ(WEB_BARE, "nginx"), "{}",
	  1, NULL, 0, "", NULL, 0, NULL },
	{ "two findings of one policy",
	  FLUX_SA, FLUX_GROUPS, "CREATE", "Pod", "pods", "", "team-a", "p",
	  "{'metadata':{'name':'p'," FLUX_LABELS "},'spec':{'containers':["
	  "{'name':'a','image':'nginx'},{'name':'b','image':'redis:latest'}]}}",
	  "null", 0, NULL, 4, "immutable-images,release-tags",
	  "[immutable-images] container \"a\" image \"nginx\" has no tag "
	  "(means :latest), container \"b\" image \"redis:latest\" uses the "
	  "mutable tag \"latest\"" MSG_IMAGE, 1, NULL },
	{ "CronJob template depth",
	  FLUX_SA, FLUX_GROUPS, "CREATE", "CronJob", "cronjobs", "",
	  "team-a", "nightly",
	  "{'metadata':{'name':'nightly'," FLUX_LABELS "},'spec':{"
	  "'schedule':'0 0 * * *','jobTemplate':{'spec':{'template':{"
	  "'spec':{'initContainers':[{'name':'init','image':"
	  "'busybox:latest'}],'containers':[{'name':'job','image':"
	  "'app:1.0.0'}]}}}}}}", "null",
	  0, NULL, 4, "immutable-images,release-tags",
	  "[immutable-images] container \"init\" image \"busybox:latest\" "
	  "uses the mutable tag \"latest\"" MSG_IMAGE, 1, NULL },
};

static int
build(const struct eval_case *c, int dry, struct review *rv)
{
	static char	tmpl[1 << 15], body[1 << 15];
	char		err[128], groups[512];

	if (c->groups != NULL)
		snprintf(groups, sizeof(groups), ",'groups':%s", c->groups);
	else
		groups[0] = '\0';
	snprintf(tmpl, sizeof(tmpl), "{'apiVersion':'admission.k8s.io/v1',"
	    "'kind':'AdmissionReview','request':{'uid':'uid-1','kind':{"
	    "'group':'apps','version':'v1','kind':'%s'},'resource':{"
	    "'group':'apps','version':'v1','resource':'%s'},"
	    "'subResource':'%s','name':'%s','namespace':'%s',"
	    "'operation':'%s','userInfo':{'username':'%s'%s},"
	    "'object':%s,'oldObject':%s,'dryRun':%s}}", c->kind, c->resource,
	    c->sub, c->name, c->ns, c->op, c->user, groups, c->object,
	    c->old_object, dry ? "true" : "false");
	fixture_json(body, sizeof(body), tmpl);
	if (review_decode(body, strlen(body), rv, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: review_decode: %s\n", c->what, err);
		CHECK(0);
		return -1;
	}
	return 0;
}

/* No control byte and valid UTF-8 (lead bytes followed by enough). */
static int
printable(const char *s)
{
	const unsigned char	*u;

	for (u = (const unsigned char *)s; *u != '\0'; u++)
		if (*u < 0x20 || *u == 0x7f)
			return 0;
	return fixture_utf8_whole(s);
}

static int
has_policy(const struct eval_decision *d, const char *name)
{
	size_t	i;

	for (i = 0; i < d->n; i++)
		if (strcmp(d->v[i].policy->name, name) == 0)
			return 1;
	return 0;
}

static const char *
expand(const struct policy_set *set, const char *msg)
{
	static char	 out[VERDICT_MESSAGE_MAX];
	const char	*open, *close;
	size_t		 len = 0, i, n;

	out[0] = '\0';
	while ((open = strchr(msg, '{')) != NULL &&
	    (close = strchr(open, '}')) != NULL) {
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%.*s",
		    (int)(open - msg), msg);
		n = (size_t)(close - open - 1);
		for (i = 0; i < set->n_policies; i++)
			if (strlen(set->policies[i].name) == n &&
			    strncmp(set->policies[i].name, open + 1, n) == 0 &&
			    set->policies[i].hint != NULL)
				len += (size_t)snprintf(out + len,
				    sizeof(out) - len, " - %s",
				    set->policies[i].hint);
		msg = close + 1;
		if (len >= sizeof(out))
			return out;
	}
	snprintf(out + len, sizeof(out) - len, "%s", msg);
	return out;
}

/* How many names in "a,b,c" ("" is none). */
static size_t
count_policies(const char *s)
{
	size_t	n = s[0] != '\0';

	for (; *s != '\0'; s++)
		n += *s == ',';
	return n;
}

/* Enforce findings of the actor rule that deny, and of any rule. */
static size_t
actor_denials(const struct eval_decision *d)
{
	size_t	i, n = 0;

	for (i = 0; i < d->n; i++)
		n += d->v[i].policy->kind == &rule_actor_kind &&
		    d->v[i].mode == POLICY_ENFORCE &&
		    d->v[i].verdict == RULE_FAIL;
	return n;
}

static size_t
enforce_denials(const struct eval_decision *d)
{
	size_t	i, n = 0;

	for (i = 0; i < d->n; i++)
		n += d->v[i].mode == POLICY_ENFORCE &&
		    d->v[i].verdict != RULE_WARN;
	return n;
}

/* The forced-audit rendering of a decision that had findings. */
static void
check_audit(const struct eval_case *c, const struct eval_decision *enf,
    const struct eval_decision *d, const struct verdict *v)
{
	size_t	i;

	CHECK_INT(d->allowed, 1);
	CHECK_INT(d->n, enf->n);
	CHECK_INT(d->policies_run, enf->policies_run);
	for (i = 0; i < d->n; i++)
		CHECK_INT(d->v[i].mode, POLICY_AUDIT);
	CHECK_INT(v->resp.allowed, 1);
	CHECK(v->resp.message == NULL);
	CHECK_INT(v->resp.n_warnings, d->n);
	for (i = 0; i < v->resp.n_warnings; i++) {
		CHECK(strlen(v->resp.warnings[i]) <= VERDICT_WARNING_MAX);
		CHECK(printable(v->resp.warnings[i]));
		CHECK(v->resp.warnings[i][0] == '[');
	}
	CHECK_STR(v->policies, c->policies);
	for (i = 0; i < v->resp.n_annotations; i++) {
		CHECK(has_policy(d, v->resp.annotation_keys[i]));
		CHECK(strncmp(v->resp.annotation_values[i], "audit: ", 7) == 0 ||
		    strncmp(v->resp.annotation_values[i], "warn: ", 6) == 0);
	}
}

static void
test_table(const struct policy_set *set)
{
	struct eval_decision	 d, dd, da;
	struct verdict		*v, *vd, *va;
	struct review		 rv, rvd;
	size_t			 i, j;

	v = calloc(3, sizeof(*v));
	if (v == NULL)
		return;
	vd = v + 1;
	va = v + 2;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct eval_case *c = &cases[i];

		if (build(c, 0, &rv) != 0)
			continue;
		eval_review(set, &rv, 0, 0, &d);
		verdict_render(&d, v);
		if (d.allowed != c->allowed || strcmp(v->policies,
		    c->policies) != 0)
			fprintf(stderr, "%s: allowed %d policies \"%s\" "
			    "message \"%s\"\n", c->what, d.allowed,
			    v->policies, v->message);
		CHECK_INT(d.allowed, c->allowed);
		CHECK_INT(v->resp.allowed, c->allowed);
		if (c->exempt != NULL)
			CHECK_STR(d.exempt, c->exempt);
		else
			CHECK(d.exempt == NULL);
		if (c->policies_run >= 0)
			CHECK_INT(d.policies_run, c->policies_run);
		CHECK_STR(v->policies, c->policies);
		CHECK_INT(d.dropped, 0);
		if (!c->allowed) {
			CHECK_INT(v->resp.code, 403);
			CHECK_STR(v->resp.reason, "Forbidden");
			CHECK(v->resp.message == v->message);
			CHECK(printable(v->message));
		} else
			CHECK(v->resp.message == NULL);
		if (c->message != NULL)
			CHECK_STR(v->message, expand(set, c->message));
		CHECK_INT(v->resp.n_warnings, c->n_warnings);
		for (j = 0; j < v->resp.n_warnings; j++) {
			CHECK(strncmp(v->resp.warnings[j], "[release-tags] ",
			    15) == 0 || strncmp(v->resp.warnings[j],
			    "[reconciler-only] break-glass ", 30) == 0);
			CHECK(strlen(v->resp.warnings[j]) <=
			    VERDICT_WARNING_MAX);
		}
		if (c->warning != NULL && v->resp.n_warnings > 0)
			CHECK_STR(v->resp.warnings[0], c->warning);
		/* One annotation per policy with findings. */
		for (j = 0; j < v->resp.n_annotations; j++)
			CHECK(has_policy(&d, v->resp.annotation_keys[j]));
		CHECK_INT(v->resp.n_annotations, count_policies(c->policies));

		/*
		 * Dry run: the same findings, but the actor rule's denials
		 * become warnings (dryRun: warn), so it is allowed unless
		 * another policy denies.
		 */
		if (build(c, 1, &rvd) == 0) {
			CHECK_INT(rvd.dry_run, 1);
			eval_review(set, &rvd, 0, 0, &dd);
			verdict_render(&dd, vd);
			CHECK_INT(dd.allowed, d.allowed ||
			    actor_denials(&d) == enforce_denials(&d));
			CHECK_INT(dd.n, d.n);
			CHECK_INT(dd.policies_run, d.policies_run);
			CHECK_STR(vd->policies, v->policies);
			CHECK(strstr(vd->message, "[reconciler-only]") == NULL);
			CHECK_INT(vd->resp.n_warnings, v->resp.n_warnings +
			    actor_denials(&d));
			review_free(&rvd);
		}

		/* Forced audit: allowed, every finding a warning. */
		eval_review(set, &rv, 1, 0, &da);
		verdict_render(&da, va);
		check_audit(c, &d, &da, va);
		review_free(&rv);
	}
	free(v);
}

/* Findings audited with a long UTF-8 name: warnings cut cleanly. */
static void
test_long_warning(const struct policy_set *set)
{
	static char		 name[400];
	struct eval_case	 c;
	struct eval_decision	 d;
	struct verdict		*v;
	struct review		 rv;
	size_t			 i;

	v = calloc(1, sizeof(*v));
	if (v == NULL)
		return;
	name[0] = '\0';
	for (i = 0; i < 100; i++)
		strcat(name, "\xe2\x82\xac");	/* U+20AC, three bytes */
	c = cases[0];
	c.what = "long name";
	c.name = name;
	if (build(&c, 0, &rv) == 0) {
		eval_review(set, &rv, 1, 0, &d);
		verdict_render(&d, v);
		CHECK_INT(d.allowed, 1);
		CHECK_INT(v->resp.n_warnings, 1);
		if (v->resp.n_warnings == 1) {
			CHECK(strlen(v->resp.warnings[0]) <=
			    VERDICT_WARNING_MAX);
			CHECK(printable(v->resp.warnings[0]));
			CHECK(strncmp(v->resp.warnings[0], "[reconciler-only] "
			    "user \"alice\" may not CREATE Deployment team-a/",
			    63) == 0);
			CHECK(strcmp(v->resp.warnings[0] +
			    strlen(v->resp.warnings[0]) - 3, "...") == 0);
		}
		CHECK_INT(v->resp.n_annotations, 1);
		CHECK_STR(v->resp.n_annotations ? v->resp.annotation_keys[0] :
		    "", "reconciler-only");
		CHECK(v->resp.n_annotations && printable(
		    v->resp.annotation_values[0]));
		review_free(&rv);
	}
	free(v);
}

/*
 * Findings of multi-byte text that overflow the denial message and the
 * annotations (found by fuzz_review: a cut inside a UTF-8 sequence made
 * the answer invalid JSON text): every cut lands on a boundary, "..."
 * marks it, and the "(and N more)" that no longer fits is left out.
 */
static void
test_long_message(const struct policy_set *set)
{
	struct eval_decision	*d;
	struct verdict		*v;
	size_t			 i, len;

	d = calloc(1, sizeof(*d));
	v = calloc(1, sizeof(*v));
	if (d == NULL || v == NULL || set->n_policies < 2) {
		free(d);
		free(v);
		CHECK(0);
		return;
	}
	d->allowed = 0;
	d->dropped = 5;
	for (i = 0; i < EVAL_FINDINGS_MAX; i++) {
		d->v[i].policy = &set->policies[i % 2];
		d->v[i].mode = POLICY_ENFORCE;
		d->v[i].verdict = RULE_FAIL;
		/* 0 to 2 ASCII bytes, then U+20AC: cuts fall everywhere. */
		len = i % 3;
		memset(d->v[i].text, 'a', len);
		while (len + 3 < RULE_TEXT_MAX) {
			memcpy(d->v[i].text + len, "\xe2\x82\xac", 3);
			len += 3;
		}
		d->v[i].text[len] = '\0';
	}
	d->n = EVAL_FINDINGS_MAX;
	verdict_render(d, v);
	len = strlen(v->message);
	CHECK(len >= VERDICT_MESSAGE_MAX - 6 && len < VERDICT_MESSAGE_MAX);
	CHECK(printable(v->message));
	CHECK(strcmp(v->message + len - 3, "...") == 0);
	CHECK(strstr(v->message, "more)") == NULL);
	CHECK_INT(v->resp.n_annotations, 2);
	for (i = 0; i < v->resp.n_annotations; i++) {
		CHECK(printable(v->resp.annotation_values[i]));
		CHECK(strlen(v->resp.annotation_values[i]) <
		    VERDICT_ANNOTATION_MAX);
	}
	free(d);
	free(v);
}

static void
test_matches(void)
{
	static const char *const kinds[] = { "Deployment", "Pod" };
	static const char *const inc[] = { "team-*", "prod" };
	static const char *const exc[] = { "team-x*" };
	static const char *const subs[] = { "", "scale" };
	static const struct {
		const char	*op, *kind, *resource, *sub, *ns;
		int		 want;
	} m[] = {
		{ "CREATE", "Deployment", "deployments", "", "team-a", 1 },
		{ "UPDATE", "Deployment", "deployments", "", "prod", 1 },
		{ "UPDATE", "Deployment", "deployments", "", "prod2", 0 },
		{ "CREATE", "Deployment", "deployments", "", "team-xyz", 0 },
		{ "CREATE", "Deployment", "deployments", "", "team-x", 0 },
		{ "CREATE", "Deployment", "deployments", "", "default", 0 },
		{ "CREATE", "Deployment", "deployments", "", "", 0 },
		{ "CREATE", "Deployment", "deployments", "", "team-", 1 },
		{ "UPDATE", "Scale", "deployments", "scale", "team-a", 1 },
		{ "UPDATE", "Scale", "statefulsets", "scale", "team-a", 0 },
		{ "UPDATE", "Deployment", "deployments", "status", "team-a", 0 },
		{ "DELETE", "Deployment", "deployments", "", "team-a", 0 },
		{ "CONNECT", "Deployment", "deployments", "", "team-a", 0 },
		{ "CREATE", "Pod", "pods", "", "team-a", 1 },
		{ "CREATE", "StatefulSet", "statefulsets", "", "team-a", 0 },
		{ "CREATE", "Service", "services", "", "team-a", 0 },
	};
	static char		name[] = "hand-built";
	struct policy		p, open;
	struct eval_case	c;
	struct review		rv;
	size_t			i;

	memset(&p, 0, sizeof(p));
	p.name = name;
	p.kind = &rule_actor_kind;
	p.match.ops = KUBE_OP_CREATE | KUBE_OP_UPDATE;
	fixture_list_set(&p.match.kinds, kinds, 2);
	fixture_list_set(&p.match.ns_include, inc, 2);
	fixture_list_set(&p.match.ns_exclude, exc, 1);
	fixture_list_set(&p.match.subresources, subs, 2);
	/* Empty lists mean "all"; ops still apply. */
	memset(&open, 0, sizeof(open));
	open.name = name;
	open.match.ops = KUBE_OP_CREATE | KUBE_OP_UPDATE;
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		memset(&c, 0, sizeof(c));
		c.what = "matches";
		c.user = "alice";
		c.op = m[i].op;
		c.kind = m[i].kind;
		c.resource = m[i].resource;
		c.sub = m[i].sub;
		c.ns = m[i].ns;
		c.name = "x";
		c.object = "{}";
		c.old_object = "null";
		if (build(&c, 0, &rv) != 0)
			continue;
		if (eval_policy_matches(&p, &rv) != m[i].want)
			fprintf(stderr, "matches case %zu: got %d\n", i,
			    !m[i].want);
		CHECK_INT(eval_policy_matches(&p, &rv), m[i].want);
		CHECK_INT(eval_policy_matches(&open, &rv),
		    strcmp(m[i].op, "CREATE") == 0 ||
		    strcmp(m[i].op, "UPDATE") == 0);
		review_free(&rv);
	}
	fixture_list_free(&p.match.kinds);
	fixture_list_free(&p.match.ns_include);
	fixture_list_free(&p.match.ns_exclude);
	fixture_list_free(&p.match.subresources);
}

int
main(void)
{
	struct policy_set	*set;
	struct diag		 d;
	size_t			 i;

	diag_init(&d);
	set = policy_set_load("policies", rules_kinds, &d);
	for (i = 0; i < d.n; i++)
		fprintf(stderr, "diag: %s\n", d.v[i].text);
	CHECK(set != NULL);
	CHECK_INT(d.errors, 0);
	diag_free(&d);
	if (set != NULL) {
		test_table(set);
		test_long_warning(set);
		test_long_message(set);
	}
	policy_set_unref(set);
	test_matches();
	return unit_done("eval");
}
