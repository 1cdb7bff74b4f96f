/*
 * test_rule_actor_ops.c - webhook/rules/rule_actor_ops.c and the actor
 * rule's slow path: what a rollout restart may change, which Pod deletes
 * are safe, which status writes leave metadata alone, Flux tenants' label
 * checks (new, stored, both), and the whole rule on a hand-built policy:
 * warnings for restarts, break-glass and dry runs, denials when the
 * options are off, the service-account hint, allowScale trusting the
 * scale subresource only.
 */
#include "rules/rule_actor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "unit.h"

#define ANN(v)		"'annotations':{'kubectl.kubernetes.io/restartedAt':'" \
			v "'}"
#define TMPL(ann, image) \
	"'template':{'metadata':{'labels':{'app':'web'}" ann "},'spec':{" \
	"'containers':[{'name':'web','image':'" image "'}]}}"
#define DEPLOY(meta, replicas, tmpl, status) \
	"{'kind':'Deployment','metadata':{'name':'web'" meta "},'spec':{" \
	"'replicas':" replicas "," tmpl "},'status':" status "}"
#define OLD		DEPLOY(",'generation':3,'resourceVersion':'10'", "2", \
			    TMPL("", "app:1.0.0"), "{'replicas':2}")
#define RESTARTED	DEPLOY(",'generation':4,'resourceVersion':'10'", "2", \
			    TMPL("," ANN("2025-11-25T10:31:07Z"), "app:1.0.0"), \
			    "{'replicas':2}")
#define RESTARTED2	DEPLOY(",'generation':5", "2", \
			    TMPL("," ANN("2025-11-26T08:00:00Z"), "app:1.0.0"), \
			    "{'replicas':2}")
#define FLUX_META	",'labels':{'kustomize.toolkit.fluxcd.io/name':'apps'," \
			"'kustomize.toolkit.fluxcd.io/namespace':'flux-system'}"
#define OLD_F		DEPLOY(FLUX_META ",'generation':3,'resourceVersion':" \
			    "'10'", "2", TMPL("", "app:1.0.0"), "{'replicas':2}")
#define RESTARTED_F	DEPLOY(FLUX_META ",'generation':4,'resourceVersion':" \
			    "'10'", "2", TMPL("," ANN("2025-11-25T10:31:07Z"), \
			    "app:1.0.0"), "{'replicas':2}")
#define KS(ns)		"'labels':{'kustomize.toolkit.fluxcd.io/name':'apps'," \
			"'kustomize.toolkit.fluxcd.io/namespace':'" ns "'}"
#define HELM(ns)	"'labels':{'helm.toolkit.fluxcd.io/name':'api'," \
			"'helm.toolkit.fluxcd.io/namespace':'" ns "'}"
#define OBJ(labels)	"{'metadata':{'name':'api'," labels "}}"
#define POD(owner)	"{'kind':'Pod','metadata':{'name':'web-1'," \
			"'ownerReferences':[{'kind':'ReplicaSet','name':'web'," \
			"'controller':" owner "}]}}"
#define TENANT		"system:serviceaccount:team-a:flux"
#define HOOK		"{'metadata':{'name':'migrate','annotations':{" \
			"'helm.sh/hook':'pre-upgrade'}}}"

struct req {
	const char	*user, *groups, *op, *kind, *sub;
	const char	*object, *old;		/* JSON or "null" */
	int		 dry_run;
	const char	*field_manager;
};

static int
decode(const struct req *q, struct review *rv)
{
	static char	tmpl[8192], body[8192];
	char		err[128];

	snprintf(tmpl, sizeof(tmpl), "{'apiVersion':'admission.k8s.io/v1',"
	    "'kind':'AdmissionReview','request':{'uid':'u1','kind':{'kind':"
	    "'%s'},'resource':{'resource':'x'},'subResource':'%s','name':"
	    "'web','namespace':'team-b','operation':'%s','userInfo':{"
	    "'username':'%s','groups':%s},'object':%s,'oldObject':%s,"
	    "'dryRun':%s,'options':{'fieldManager':'%s'}}}", q->kind, q->sub,
	    q->op, q->user, q->groups != NULL ? q->groups : "[]", q->object,
	    q->old, q->dry_run ? "true" : "false",
	    q->field_manager != NULL ? q->field_manager : "kubectl-rollout");
	fixture_json(body, sizeof(body), tmpl);
	if (review_decode(body, strlen(body), rv, err, sizeof(err)) != 0) {
		fprintf(stderr, "review_decode: %s\n", err);
		CHECK(0);
		return -1;
	}
	return 0;
}

static void
test_rollout_restart(void)
{
	static const struct {
		struct req	q;
		int		want;
	} cases[] = {
		{ { "alice", NULL, "UPDATE", "Deployment", "", RESTARTED, OLD,
		  0, NULL }, 1 },
		{ { "alice", NULL, "UPDATE", "StatefulSet", "", RESTARTED, OLD,
		  0, NULL }, 1 },
		/* restarted again: a new value; status moved meanwhile */
		{ { "alice", NULL, "UPDATE", "Deployment", "", RESTARTED2,
		  RESTARTED, 0, NULL }, 1 },
		{ { "alice", NULL, "UPDATE", "Deployment", "", DEPLOY(
		  ",'generation':4", "2", TMPL("," ANN("x"), "app:1.0.0"),
		  "{'replicas':1,'observedGeneration':4}"), OLD, 0, NULL }, 1 },
		/* the same value: nothing restarts */
		{ { "alice", NULL, "UPDATE", "Deployment", "", RESTARTED,
		  RESTARTED, 0, NULL }, 0 },
		/* something else changed too */
		{ { "alice", NULL, "UPDATE", "Deployment", "", DEPLOY("", "6",
		  TMPL("," ANN("x"), "app:1.0.0"), "{'replicas':2}"), OLD, 0,
		  NULL }, 0 },
		{ { "alice", NULL, "UPDATE", "Deployment", "", DEPLOY("", "2",
		  TMPL("," ANN("x"), "app:1.0.1"), "{'replicas':2}"), OLD, 0,
		  NULL }, 0 },
		{ { "alice", NULL, "UPDATE", "Deployment", "", DEPLOY(
		  ",'labels':{'a':'b'}", "2", TMPL("," ANN("x"), "app:1.0.0"),
		  "{'replicas':2}"), OLD, 0, NULL }, 0 },
		{ { "alice", NULL, "UPDATE", "Deployment", "", DEPLOY("", "2",
		  TMPL(",'annotations':{'kubectl.kubernetes.io/restartedAt':"
		  "'x','other':'y'}", "app:1.0.0"), "{'replicas':2}"), OLD, 0,
		  NULL }, 0 },
		{ { "alice", NULL, "UPDATE", "Deployment", "", DEPLOY("",
		  "'2'", TMPL("," ANN("x"), "app:1.0.0"), "{'replicas':2}"),
		  OLD, 0, NULL }, 0 },
		{ { "alice", NULL, "UPDATE", "Deployment", "", DEPLOY("", "2",
		  "'template':{'metadata':{'labels':{'app':'web'}," ANN("x")
		  "},'spec':{'containers':[{'name':'web','image':'app:1.0.0'},"
		  "{'name':'side','image':'side:1.0.0'}]}}", "{'replicas':2}"),
		  OLD, 0, NULL }, 0 },
		/* (a duplicate key: refused by review_decode, test_json_parse) */
		/* not a restart's shape */
		{ { "alice", NULL, "UPDATE", "ReplicaSet", "", RESTARTED, OLD,
		  0, NULL }, 0 },
		{ { "alice", NULL, "UPDATE", "Deployment", "scale", RESTARTED,
		  OLD, 0, NULL }, 0 },
		{ { "alice", NULL, "CREATE", "Deployment", "", RESTARTED,
		  "null", 0, NULL }, 0 },
		{ { "alice", NULL, "UPDATE", "Deployment", "", RESTARTED,
		  "null", 0, NULL }, 0 },
	};
	struct review	rv;
	char		err[128];
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (decode(&cases[i].q, &rv) != 0)
			continue;
		if (actor_rollout_restart(&rv, err, sizeof(err)) !=
		    cases[i].want)
			fprintf(stderr, "rollout restart case %zu\n", i);
		CHECK_INT(actor_rollout_restart(&rv, err, sizeof(err)),
		    cases[i].want);
		review_free(&rv);
	}
}

static void
test_owned_pod_delete(void)
{
	static const struct {
		struct req	q;
		int		want;
	} cases[] = {
		{ { "alice", NULL, "DELETE", "Pod", "", "null", POD("true"), 0,
		  NULL }, 1 },
		{ { "alice", NULL, "DELETE", "Pod", "", "null", POD("false"), 0,
		  NULL }, 0 },
		{ { "alice", NULL, "DELETE", "Pod", "", "null",
		  "{'kind':'Pod','metadata':{'name':'web-1'}}", 0, NULL }, 0 },
		{ { "alice", NULL, "DELETE", "Pod", "", "null", "null", 0,
		  NULL }, 0 },
		{ { "alice", NULL, "DELETE", "Deployment", "", "null",
		  POD("true"), 0, NULL }, 0 },
		{ { "alice", NULL, "UPDATE", "Pod", "", POD("true"),
		  POD("true"), 0, NULL }, 0 },
	};
	struct review	rv;
	char		err[128];
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (decode(&cases[i].q, &rv) != 0)
			continue;
		CHECK_INT(actor_owned_pod_delete(&rv, err, sizeof(err)),
		    cases[i].want);
		review_free(&rv);
	}
}

#define SVC(meta, status) \
	"{'kind':'Service','metadata':{'name':'web'" meta "},'spec':{" \
	"'type':'LoadBalancer'},'status':" status "}"
#define LB		"{'loadBalancer':{'ingress':[{'ip':'203.0.113.10'}]}}"

/* A status write is safe while metadata stays as stored. */
static void
test_status_write(void)
{
	static const struct {
		struct req	q;
		int		want;
	} cases[] = {
		{ { "lb", NULL, "UPDATE", "Service", "status", SVC(FLUX_META
		  ",'resourceVersion':'11'", LB), SVC(FLUX_META
		  ",'resourceVersion':'10'", "{}"), 0, NULL }, 1 },
		/* the markers taken off, or reconcile=disabled, there */
		{ { "alice", NULL, "UPDATE", "Service", "status", SVC("", LB),
		  SVC(FLUX_META, "{}"), 0, NULL }, 0 },
		{ { "alice", NULL, "UPDATE", "Service", "status", SVC(FLUX_META
		  ",'annotations':{'kustomize.toolkit.fluxcd.io/reconcile':"
		  "'disabled'}", "{}"), SVC(FLUX_META, "{}"), 0, NULL }, 0 },
		{ { "alice", NULL, "UPDATE", "Service", "status", SVC(FLUX_META
		  ",'finalizers':['x']", "{}"), SVC(FLUX_META, "{}"), 0,
		  NULL }, 0 },
		/* not a status write, or nothing stored to compare with */
		{ { "lb", NULL, "UPDATE", "Service", "", SVC(FLUX_META, LB),
		  SVC(FLUX_META, "{}"), 0, NULL }, 0 },
		{ { "lb", NULL, "UPDATE", "Service", "status", SVC(FLUX_META,
		  LB), "null", 0, NULL }, 0 },
		{ { "lb", NULL, "UPDATE", "Service", "status",
		  "{'kind':'Service'}", "{'kind':'Service'}", 0, NULL }, 0 },
	};
	struct review	rv;
	char		err[128];
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (decode(&cases[i].q, &rv) != 0)
			continue;
		if (actor_status_write(&rv, err, sizeof(err)) != cases[i].want)
			fprintf(stderr, "status write case %zu\n", i);
		CHECK_INT(actor_status_write(&rv, err, sizeof(err)),
		    cases[i].want);
		review_free(&rv);
	}
	/* an oldObject that cannot be read: an error, never allowed */
	if (decode(&cases[0].q, &rv) == 0) {
		rv.old->tried = 1;
		rv.old->failed = 1;
		CHECK_INT(actor_status_write(&rv, err, sizeof(err)), -1);
		review_free(&rv);
	}
}

static void
actor_policy(struct policy *p, struct rule_actor *a)
{
	static char			name[] = "reconciler-only";
	static char			file[] = "some/dir/reconciler-only.yaml";
	static const char *const	sas[] = {
		"flux-system:kustomize-controller" };
	static const char *const	tenants[] = { "flux", "tenant-*" };
	static const char *const	bg[] = { "gitgate:break-glass" };
	static const char *const	scale[] = { "keda:keda-operator" };

	memset(p, 0, sizeof(*p));
	memset(a, 0, sizeof(*a));
	p->name = name;
	p->file = file;
	p->kind = &rule_actor_kind;
	p->params = a;
	fixture_list_set(&a->service_accounts, sas, 1);
	fixture_list_set(&a->flux_tenants, tenants, 2);
	fixture_list_set(&a->break_glass_groups, bg, 1);
	fixture_list_set(&a->scale_service_accounts, scale, 1);
	a->dry_run_warn = a->allow_rollout_restart =
	    a->allow_owned_pod_delete = 1;
}

static void
actor_policy_free(struct rule_actor *a)
{
	fixture_list_free(&a->service_accounts);
	fixture_list_free(&a->flux_tenants);
	fixture_list_free(&a->break_glass_groups);
	fixture_list_free(&a->scale_service_accounts);
}

static void
test_tenants(void)
{
	static const struct {
		struct req		 q;
		enum actor_tenant	 want;
		const char		*why;
	} cases[] = {
		{ { TENANT, NULL, "CREATE", "Deployment", "", OBJ(KS("team-a")),
		  "null", 0, NULL }, ACTOR_TENANT_OK, NULL },
		{ { TENANT, NULL, "CREATE", "Deployment", "",
		  OBJ(HELM("team-a")), "null", 0, NULL }, ACTOR_TENANT_OK,
		  NULL },
		{ { TENANT, NULL, "DELETE", "Deployment", "", "null",
		  OBJ(KS("team-a")), 0, NULL }, ACTOR_TENANT_OK, NULL },
		{ { TENANT, NULL, "UPDATE", "Deployment", "", OBJ(KS("team-a")),
		  OBJ(KS("team-a")), 0, NULL }, ACTOR_TENANT_OK, NULL },
		{ { "system:serviceaccount:team-c:tenant-x", NULL, "CREATE",
		  "Deployment", "", OBJ(KS("team-c")), "null", 0, NULL },
		  ACTOR_TENANT_OK, NULL },
		{ { TENANT, NULL, "CREATE", "Deployment", "", OBJ(KS("team-b")),
		  "null", 0, NULL }, ACTOR_TENANT_DENY,
		  "it belongs to Kustomization team-b/apps" },
		{ { TENANT, NULL, "CREATE", "Deployment", "",
		  OBJ(HELM("team-ab")), "null", 0, NULL }, ACTOR_TENANT_DENY,
		  "it belongs to HelmRelease team-ab/api" },
		{ { TENANT, NULL, "DELETE", "Deployment", "", "null",
		  OBJ(KS("team-b")), 0, NULL }, ACTOR_TENANT_DENY,
		  "it belongs to Kustomization team-b/apps" },
		{ { TENANT, NULL, "UPDATE", "Deployment", "", OBJ(KS("team-a")),
		  OBJ(KS("team-b")), 0, NULL }, ACTOR_TENANT_DENY,
		  "the stored object belongs to Kustomization team-b/apps" },
		{ { TENANT, NULL, "CREATE", "Deployment", "",
		  "{'metadata':{'name':'api'}}", "null", 0, NULL },
		  ACTOR_TENANT_DENY, "it carries neither "
		  "kustomize.toolkit.fluxcd.io/namespace nor "
		  "helm.toolkit.fluxcd.io/namespace" },
		{ { TENANT, NULL, "DELETE", "Deployment", "", "null", "null", 0,
		  NULL }, ACTOR_TENANT_DENY, "it carries neither "
		  "kustomize.toolkit.fluxcd.io/namespace nor "
		  "helm.toolkit.fluxcd.io/namespace" },
		/* a chart's hook without Flux labels: the tenant's own only */
		{ { "system:serviceaccount:team-b:flux", NULL, "CREATE", "Job",
		  "", HOOK, "null", 0, NULL }, ACTOR_TENANT_OK, NULL },
		{ { "system:serviceaccount:team-b:flux", NULL, "DELETE", "Job",
		  "", "null", HOOK, 0, NULL }, ACTOR_TENANT_OK, NULL },
		{ { TENANT, NULL, "CREATE", "Job", "", HOOK, "null", 0, NULL },
		  ACTOR_TENANT_DENY, "it carries neither "
		  "kustomize.toolkit.fluxcd.io/namespace nor "
		  "helm.toolkit.fluxcd.io/namespace" },
		/* not a tenant: another name, a person */
		{ { "system:serviceaccount:team-a:default", NULL, "CREATE",
		  "Deployment", "", OBJ(KS("team-a")), "null", 0, NULL },
		  ACTOR_NOT_TENANT, NULL },
		{ { "flux", NULL, "CREATE", "Deployment", "", OBJ(KS("team-a")),
		  "null", 0, NULL }, ACTOR_NOT_TENANT, NULL },
	};
	struct policy		p;
	struct rule_actor	a;
	struct review		rv;
	char			why[256];
	size_t			i;

	actor_policy(&p, &a);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (decode(&cases[i].q, &rv) != 0)
			continue;
		why[0] = '\0';
		CHECK_INT(actor_tenant_check(&a, &rv, why, sizeof(why)),
		    cases[i].want);
		if (cases[i].why != NULL)
			CHECK_STR(why, cases[i].why);
		review_free(&rv);
	}
	/* fluxTenants empty: nobody is a tenant */
	fixture_list_free(&a.flux_tenants);
	if (decode(&cases[0].q, &rv) == 0) {
		CHECK_INT(actor_tenant_check(&a, &rv, why, sizeof(why)),
		    ACTOR_NOT_TENANT);
		review_free(&rv);
	}
	actor_policy_free(&a);
}

struct eval_case {
	struct req		 q;
	int			 dry_run_warn, restart, pod_delete;
	enum rule_verdict	 want;
	int			 break_glass;
	const char		*text;		/* exact, or NULL */
};

static void
test_eval(void)
{
	static const struct eval_case cases[] = {
		{ { "alice", NULL, "UPDATE", "Deployment", "", RESTARTED_F,
		  OLD_F, 0, NULL }, 1, 1, 1, RULE_WARN, 0, "rollout restart "
		  "allowed; Flux reverts restartedAt at its next reconcile and "
		  "the pods roll again" },
		{ { "alice", NULL, "UPDATE", "Deployment", "", RESTARTED_F,
		  OLD_F, 0, "flux-client-side-apply" }, 1, 1, 1, RULE_PASS, 0,
		  NULL },
		/* no reconciler owns it (a Flagger -primary copy): no warning */
		{ { "alice", NULL, "UPDATE", "Deployment", "", RESTARTED, OLD,
		  0, NULL }, 1, 1, 1, RULE_PASS, 0, NULL },
		{ { "alice", NULL, "UPDATE", "Deployment", "", RESTARTED, OLD,
		  0, NULL }, 1, 0, 1, RULE_FAIL, 0,
		  "user \"alice\" may not UPDATE Deployment team-b/web" },
		{ { "alice", NULL, "DELETE", "Pod", "", "null", POD("true"), 0,
		  NULL }, 1, 1, 1, RULE_PASS, 0, NULL },
		{ { "alice", NULL, "DELETE", "Pod", "", "null", POD("true"), 0,
		  NULL }, 1, 1, 0, RULE_FAIL, 0, NULL },
		{ { "alice", NULL, "UPDATE", "Deployment", "", OLD, OLD, 1,
		  NULL }, 1, 1, 1, RULE_WARN, 0, "dry run; the real write is "
		  "denied: user \"alice\" may not UPDATE Deployment team-b/web" },
		{ { "alice", NULL, "UPDATE", "Deployment", "", OLD, OLD, 1,
		  NULL }, 0, 1, 1, RULE_FAIL, 0, NULL },
		{ { "bob", "['gitgate:break-glass']", "UPDATE", "Deployment", "",
		  OLD_F, OLD_F, 0, NULL }, 1, 1, 1, RULE_WARN, 1, "break-glass "
		  "by \"bob\": Flux reverts this unless it is committed to Git" },
		{ { "bob", "['gitgate:break-glass']", "UPDATE", "Deployment", "",
		  OLD, OLD, 0, NULL }, 1, 1, 1, RULE_WARN, 1, "break-glass by "
		  "\"bob\": this change is not in Git" },
		/* a restart by break-glass is just a restart */
		{ { "bob", "['gitgate:break-glass']", "UPDATE", "Deployment", "",
		  RESTARTED, OLD, 0, "flux-client-side-apply" }, 1, 1, 1,
		  RULE_PASS, 0, NULL },
		{ { "alice", NULL, "UPDATE", "Pod", "ephemeralcontainers",
		  POD("true"), POD("true"), 0, NULL }, 1, 1, 1, RULE_FAIL, 0,
		  "user \"alice\" may not debug Pod team-b/web" },
		{ { "system:serviceaccount:ci:deployer", NULL, "CREATE",
		  "Deployment", "", OLD, "null", 0, NULL }, 1, 1, 1, RULE_FAIL,
		  0, "user \"system:serviceaccount:ci:deployer\" may not CREATE "
		  "Deployment team-b/web (a controller? add \"ci:deployer\" to "
		  "spec.allow.serviceAccounts in policies/reconciler-only.yaml)" },
		/* labelled by Flux for its own namespace: the tenant's hint */
		{ { "system:serviceaccount:team-c:deployer", NULL, "CREATE",
		  "Deployment", "", OBJ(KS("team-c")), "null", 0, NULL }, 1, 1,
		  1, RULE_FAIL, 0, "user \"system:serviceaccount:team-c:deployer\" "
		  "may not CREATE Deployment team-b/web (managed by "
		  "Kustomization team-c/apps: change it in Git) (a Flux tenant? "
		  "add \"deployer\" to spec.allow.fluxTenants in "
		  "policies/reconciler-only.yaml)" },
		{ { TENANT, NULL, "CREATE", "Deployment", "", OBJ(KS("team-b")),
		  "null", 0, NULL }, 1, 1, 1, RULE_FAIL, 0, "tenant \"team-a:"
		  "flux\" may not CREATE Deployment team-b/web: it belongs to "
		  "Kustomization team-b/apps" },
		{ { TENANT, NULL, "CREATE", "Deployment", "", OBJ(KS("team-a")),
		  "null", 0, NULL }, 1, 1, 1, RULE_PASS, 0, NULL },
		/* allowScale: the scale subresource, nothing else */
		{ { "system:serviceaccount:keda:keda-operator", NULL, "UPDATE",
		  "Scale", "scale", "{'kind':'Scale','spec':{'replicas':1}}",
		  "null", 0, NULL }, 1, 1, 1, RULE_PASS, 0, NULL },
		{ { "system:serviceaccount:keda:keda-operator", NULL, "UPDATE",
		  "Deployment", "", OLD, OLD, 0, NULL }, 1, 1, 1, RULE_FAIL, 0,
		  NULL },
		{ { "system:serviceaccount:keda:other", NULL, "UPDATE", "Scale",
		  "scale", "{'kind':'Scale','spec':{'replicas':1}}", "null", 0,
		  NULL }, 1, 1, 1, RULE_FAIL, 0, NULL },
	};
	struct policy		p;
	struct rule_actor	a;
	struct review		rv;
	struct rule_result	r;
	size_t			i;

	actor_policy(&p, &a);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct eval_case *c = &cases[i];

		if (decode(&c->q, &rv) != 0)
			continue;
		a.dry_run_warn = c->dry_run_warn;
		a.allow_rollout_restart = c->restart;
		a.allow_owned_pod_delete = c->pod_delete;
		rule_actor_kind.eval(&p, &rv, &r);
		if (r.verdict != c->want)
			fprintf(stderr, "eval case %zu: verdict %d (%s)\n", i,
			    r.verdict, r.n ? r.text[0] : "");
		CHECK_INT(r.verdict, c->want);
		CHECK_INT(r.n, c->want == RULE_PASS ? 0 : 1);
		CHECK_INT(r.break_glass, c->break_glass);
		if (c->text != NULL && r.n > 0)
			CHECK_STR(r.text[0], c->text);
		review_free(&rv);
	}
	actor_policy_free(&a);
}

int
main(void)
{
	test_rollout_restart();
	test_owned_pod_delete();
	test_status_write();
	test_tenants();
	test_eval();
	return unit_done("rule_actor_ops");
}
