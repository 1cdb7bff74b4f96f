/*
 * test_eval_match.c - eval_policy_matches() on any kind: match.kinds
 * spelled Kind, GROUP/Kind (core/ for the core group), GROUP/ with a star
 * and a star; subresources of known and unknown resources; and
 * match.managedBy over the new and old objects, from a set loaded from
 * YAML so that the names are resolved as in serve.
 */
#include "admission/eval.h"
#include "policy/policy_set.h"
#include "rules/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/kube.h"
#include "fixture.h"
#include "unit.h"

struct req {
	const char	*op, *group, *kind, *rgroup, *resource, *sub;
	const char	*object, *old_object;	/* JSON with ', or "null" */
};

static int
build(const struct req *q, struct review *rv)
{
	static char	tmpl[1 << 13], body[1 << 13];
	char		err[128];

	snprintf(tmpl, sizeof(tmpl), "{'apiVersion':'admission.k8s.io/v1',"
	    "'kind':'AdmissionReview','request':{'uid':'u','kind':{"
	    "'group':'%s','version':'v1','kind':'%s'},'resource':{"
	    "'group':'%s','version':'v1','resource':'%s'},"
	    "'subResource':'%s','name':'podinfo','namespace':'apps',"
	    "'operation':'%s','userInfo':{'username':'alice'},"
	    "'object':%s,'oldObject':%s}}", q->group, q->kind, q->rgroup,
	    q->resource, q->sub, q->op, q->object, q->old_object);
	fixture_json(body, sizeof(body), tmpl);
	if (review_decode(body, strlen(body), rv, err, sizeof(err)) != 0) {
		fprintf(stderr, "review_decode: %s\n", err);
		CHECK(0);
		return -1;
	}
	return 0;
}

static void
test_kinds(void)
{
	static const char *const kinds[] = { "Deployment",
	    "networking.k8s.io/Ingress", "core/Service",
	    "source.toolkit.fluxcd.io/*", "Rollout", "Canary",
	    "example.org/Person" };
	static const char *const star[] = { "*" };
	static const struct {
		struct req	q;
		int		want;
	} m[] = {
		{ { "CREATE", "apps", "Deployment", "apps", "deployments", "",
		    "{}", "null" }, 1 },
		{ { "CREATE", "networking.k8s.io", "Ingress",
		    "networking.k8s.io", "ingresses", "", "{}", "null" }, 1 },
		/* Same kind, another group. */
		{ { "CREATE", "extensions", "Ingress", "extensions",
		    "ingresses", "", "{}", "null" }, 0 },
		{ { "UPDATE", "", "Service", "", "services", "", "{}",
		    "{}" }, 1 },
		{ { "UPDATE", "serving.knative.dev", "Service",
		    "serving.knative.dev", "services", "", "{}", "{}" }, 0 },
		{ { "UPDATE", "", "Service", "", "services", "status", "{}",
		    "{}" }, 1 },
		{ { "CREATE", "source.toolkit.fluxcd.io", "GitRepository",
		    "source.toolkit.fluxcd.io", "gitrepositories", "", "{}",
		    "null" }, 1 },
		{ { "CREATE", "source.toolkit.fluxcd.io", "Bucket",
		    "source.toolkit.fluxcd.io", "buckets", "", "{}",
		    "null" }, 1 },
		{ { "CREATE", "kustomize.toolkit.fluxcd.io", "Kustomization",
		    "kustomize.toolkit.fluxcd.io", "kustomizations", "", "{}",
		    "null" }, 0 },
		{ { "CREATE", "", "ConfigMap", "", "configmaps", "", "{}",
		    "null" }, 0 },
		/* A known parent: its kind, whatever request.kind says. */
		{ { "UPDATE", "autoscaling", "Scale", "apps", "deployments",
		    "scale", "{}", "{}" }, 1 },
		{ { "UPDATE", "autoscaling", "Scale", "apps", "statefulsets",
		    "scale", "{}", "{}" }, 0 },
		/* Unknown parents: judged when a kind's plural fits. */
		{ { "UPDATE", "autoscaling", "Scale", "argoproj.io",
		    "rollouts", "scale", "{}", "{}" }, 1 },
		{ { "UPDATE", "autoscaling", "Scale", "flagger.app",
		    "canaries", "scale", "{}", "{}" }, 1 },
		{ { "UPDATE", "autoscaling", "Scale", "example.com",
		    "widgets", "scale", "{}", "{}" }, 0 },
		/* An irregular plural: any /scale of the entry's group. */
		{ { "UPDATE", "autoscaling", "Scale", "example.org",
		    "people", "scale", "{}", "{}" }, 1 },
		{ { "UPDATE", "example.org", "Person", "example.org",
		    "people", "status", "{}", "{}" }, 1 },
		{ { "UPDATE", "example.org", "Gadget", "example.org",
		    "gadgets", "status", "{}", "{}" }, 0 },
		/* A main resource is its request.kind: no plural guessing. */
		{ { "CREATE", "argoproj.io", "AnalysisRun", "argoproj.io",
		    "rollouts", "", "{}", "null" }, 0 },
	};
	struct policy	p, any;
	struct review	rv;
	size_t		i;

	memset(&p, 0, sizeof(p));
	p.match.ops = KUBE_OP_ALL;
	fixture_list_set(&p.match.kinds, kinds, sizeof(kinds) /
	    sizeof(kinds[0]));
	memset(&any, 0, sizeof(any));
	any.match.ops = KUBE_OP_ALL;
	fixture_list_set(&any.match.kinds, star, 1);
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		if (build(&m[i].q, &rv) != 0)
			continue;
		if (eval_policy_matches(&p, &rv) != m[i].want)
			fprintf(stderr, "kinds case %zu: got %d\n", i,
			    !m[i].want);
		CHECK_INT(eval_policy_matches(&p, &rv), m[i].want);
		CHECK_INT(eval_policy_matches(&any, &rv), 1);
		review_free(&rv);
	}
	fixture_list_free(&p.match.kinds);
	fixture_list_free(&any.match.kinds);
}

static const char managed_yaml[] =
    "apiVersion: gitgate.io/v1alpha1\n"
    "kind: ActorPolicy\n"
    "metadata: {name: managed-objects}\n"
    "spec:\n"
    "  allow: {users: [flux]}\n"
    "  match:\n"
    "    kinds: [core/Service, core/ConfigMap]\n"
    "    managedBy: [flux-kustomize, config-repo, helm-hooks]\n"
    "---\n"
    "apiVersion: gitgate.io/v1alpha1\n"
    "kind: ActorPolicy\n"
    "metadata: {name: managed-workloads}\n"
    "spec:\n"
    "  allow: {users: [flux]}\n"
    "  match:\n"
    "    kinds: [apps/Deployment, argoproj.io/Rollout]\n"
    "    subresources: ['', scale, status]\n"
    "    managedBy: [flux-kustomize]\n"
    "---\n"
    "apiVersion: gitgate.io/v1alpha1\n"
    "kind: SourcePolicy\n"
    "metadata: {name: git-source}\n"
    "spec:\n"
    "  markers:\n"
    "    - name: flux-kustomize\n"
    "      labels: [kustomize.toolkit.fluxcd.io/name,\n"
    "               kustomize.toolkit.fluxcd.io/namespace]\n"
    "    - name: config-repo\n"
    "      annotations:\n"
    "        - {key: config.example.com/repo, value: '^https://git\\.'}\n"
    "    - name: helm-hooks\n"
    "      annotations: [helm.sh/hook]\n"
    "      actors: {serviceAccounts: [flux-system:helm-controller]}\n";

#define FLUX	"{'metadata':{'name':'podinfo','labels':{" \
		"'kustomize.toolkit.fluxcd.io/name':'apps'," \
		"'kustomize.toolkit.fluxcd.io/namespace':'flux-system'}}}"
#define HALF	"{'metadata':{'name':'podinfo','labels':{" \
		"'kustomize.toolkit.fluxcd.io/name':'apps'}}}"
#define BARE	"{'metadata':{'name':'podinfo','labels':{'app':'x'}}}"
/* KEDA's HPA: the ScaledObject's Flux labels copied, owned by it. */
#define OWNED	"{'metadata':{'name':'keda-hpa-podinfo','labels':{" \
		"'kustomize.toolkit.fluxcd.io/name':'apps'," \
		"'kustomize.toolkit.fluxcd.io/namespace':'flux-system'}," \
		"'ownerReferences':[{'apiVersion':'keda.sh/v1alpha1'," \
		"'kind':'ScaledObject','name':'podinfo','uid':'u'," \
		"'controller':true}]}}"
#define OWNED_NC "{'metadata':{'name':'podinfo','labels':{" \
		"'kustomize.toolkit.fluxcd.io/name':'apps'," \
		"'kustomize.toolkit.fluxcd.io/namespace':'flux-system'}," \
		"'ownerReferences':[{'apiVersion':'v1','kind':'ConfigMap'," \
		"'name':'x','uid':'u'}]}}"
#define REPO(v)	"{'metadata':{'name':'podinfo','annotations':{" \
		"'config.example.com/repo':'" v "'}}}"
#define SCALE	"{'kind':'Scale','apiVersion':'autoscaling/v1'," \
		"'metadata':{'name':'podinfo','uid':'u'}," \
		"'spec':{'replicas':3}}"
#define HOOK	"{'metadata':{'name':'podinfo','annotations':{" \
		"'helm.sh/hook':'pre-install'}}}"

/* A name never resolved (a hand-built policy): the policy applies. */
static void
test_unresolved(void)
{
	static char			 name[] = "flux-kustomize";
	struct policy_marker_ref	 ref = { name, 1, 1, NULL };
	struct policy			 p;
	struct review			 rv;
	struct req			 q = { "UPDATE", "", "Service", "",
					    "services", "", BARE, BARE };

	memset(&p, 0, sizeof(p));
	p.match.ops = KUBE_OP_ALL;
	p.match.managed_by = &ref;
	p.match.n_managed_by = 1;
	if (build(&q, &rv) != 0)
		return;
	CHECK_INT(eval_policy_matches(&p, &rv), 1);
	review_free(&rv);
}

/*
 * A /scale request carries autoscaling/v1 Scale objects: name and uid,
 * no labels. `kubectl scale` of a managed Deployment or Rollout must not
 * slip past managedBy, so a view applies the policy; a subresource that
 * carries the object itself (status, ephemeralcontainers) is read.
 */
static void
test_views(const struct policy_set *set)
{
	static const struct {
		struct req	q;
		int		want;
	} m[] = {
		{ { "UPDATE", "autoscaling", "Scale", "apps", "deployments",
		    "scale", SCALE, SCALE }, 1 },
		{ { "UPDATE", "autoscaling", "Scale", "argoproj.io",
		    "rollouts", "scale", SCALE, SCALE }, 1 },
		{ { "UPDATE", "apps", "Deployment", "apps", "deployments", "",
		    BARE, BARE }, 0 },
		{ { "UPDATE", "apps", "Deployment", "apps", "deployments",
		    "status", BARE, BARE }, 0 },
		{ { "UPDATE", "apps", "Deployment", "apps", "deployments",
		    "status", BARE, FLUX }, 1 },
		{ { "UPDATE", "argoproj.io", "Rollout", "argoproj.io",
		    "rollouts", "status", BARE, BARE }, 0 },
	};
	const struct policy	*p = &set->policies[1];
	struct review		 rv;
	size_t			 i;

	CHECK(strcmp(p->name, "managed-workloads") == 0);
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		if (build(&m[i].q, &rv) != 0)
			continue;
		if (eval_policy_matches(p, &rv) != m[i].want)
			fprintf(stderr, "view case %zu: got %d\n", i,
			    !m[i].want);
		CHECK_INT(eval_policy_matches(p, &rv), m[i].want);
		review_free(&rv);
	}
}

static void
test_managed_by(void)
{
	static const struct {
		const char	*op, *object, *old_object;
		int		 want;
		int		 old_read;	/* oldObject decoded */
	} m[] = {
		{ "CREATE", FLUX, "null", 1, 0 },
		{ "CREATE", BARE, "null", 0, 0 },
		{ "CREATE", HALF, "null", 0, 0 },
		/* The new object settles it: the old one is not read. */
		{ "UPDATE", FLUX, BARE, 1, 0 },
		/* Taking the labels off is a write to a managed object. */
		{ "UPDATE", BARE, FLUX, 1, 1 },
		{ "UPDATE", BARE, BARE, 0, 1 },
		{ "DELETE", "null", FLUX, 1, 1 },
		{ "DELETE", "null", BARE, 0, 1 },
		/* A marker's value pattern; its actors are not asked. */
		{ "UPDATE", REPO("https://git.example.com/x"), BARE, 1, 0 },
		{ "UPDATE", REPO("https://evil.example.com/x"), BARE, 0, 1 },
		{ "UPDATE", HOOK, BARE, 1, 0 },
		/* A controller's object, labels copied: not managed. */
		{ "CREATE", OWNED, "null", 0, 0 },
		{ "UPDATE", OWNED, OWNED, 0, 1 },
		{ "DELETE", "null", OWNED, 0, 1 },
		/* An owner that is not the controller changes nothing. */
		{ "CREATE", OWNED_NC, "null", 1, 0 },
		/* A controller reference put on a managed object: still is. */
		{ "UPDATE", OWNED, FLUX, 1, 1 },
	};
	struct policy_set	*set;
	struct diag		 d;
	struct review		 rv;
	struct req		 q;
	size_t			 i;

	diag_init(&d);
	set = policy_set_load_buffer("managed.yaml", managed_yaml,
	    sizeof(managed_yaml) - 1, rules_kinds, &d);
	for (i = 0; i < d.n; i++)
		fprintf(stderr, "diag: %s\n", d.v[i].text);
	CHECK(set != NULL);
	diag_free(&d);
	if (set == NULL)
		return;
	CHECK_INT(set->policies[0].match.n_managed_by, 3);
	CHECK(set->policies[0].match.managed_by[2].marker != NULL);
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		q = (struct req){ m[i].op, "", "Service", "", "services", "",
		    m[i].object, m[i].old_object };
		if (build(&q, &rv) != 0)
			continue;
		if (eval_policy_matches(&set->policies[0], &rv) != m[i].want)
			fprintf(stderr, "managedBy case %zu: got %d\n", i,
			    !m[i].want);
		CHECK_INT(eval_policy_matches(&set->policies[0], &rv),
		    m[i].want);
		CHECK_INT(rv.old->tried, m[i].old_read);
		review_free(&rv);
	}
	/* An oldObject that cannot be decoded: the policy applies. */
	q = (struct req){ "UPDATE", "", "Service", "", "services", "", BARE,
	    BARE };
	if (build(&q, &rv) == 0) {
		rv.old->tried = 1;
		rv.old->failed = 1;
		CHECK_INT(eval_policy_matches(&set->policies[0], &rv), 1);
		review_free(&rv);
	}
	test_views(set);
	policy_set_unref(set);
	test_unresolved();
}

int
main(void)
{
	test_kinds();
	test_managed_by();
	return unit_done("eval_match");
}
