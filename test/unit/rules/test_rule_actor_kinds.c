/*
 * test_rule_actor_kinds.c - the actor rule on kinds that are not
 * workloads (a Service, a ConfigMap, Flux's objects): the denial reads
 * well, the workload-only safe operations do not apply, `flux reconcile`
 * (reconcile.fluxcd.io/requestedAt alone) is open to people, and
 * allow.from copies another ActorPolicy's identities at load.
 */
#include "rules/rule_actor.h"
#include "rules/rules.h"
#include "policy/policy_set.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "unit.h"

static const char policies_yaml[] =
    "apiVersion: gitgate.io/v1alpha1\n"
    "kind: ActorPolicy\n"
    "metadata: {name: reconciler-only}\n"
    "spec:\n"
    "  message: commit the change to Git and let the reconciler apply it\n"
    "  allow:\n"
    "    serviceAccounts: [flux-system:kustomize-controller,\n"
    "                      flagger-system:flagger]\n"
    "    users: [system:kube-controller-manager]\n"
    "    groups: [system:nodes]\n"
    "  allowScale: {serviceAccounts: [keda:keda-operator]}\n"
    "  breakGlass: {groups: ['gitgate:break-glass']}\n"
    "---\n"
    "apiVersion: gitgate.io/v1alpha1\n"
    "kind: ActorPolicy\n"
    "metadata: {name: managed-objects}\n"
    "spec:\n"
    "  message: commit the change to Git and let the reconciler apply it\n"
    "  match:\n"
    "    kinds: [core/Service, core/ConfigMap,\n"
    "            kustomize.toolkit.fluxcd.io/Kustomization]\n"
    "  allow: {from: reconciler-only}\n"
    "  breakGlass: {groups: ['gitgate:break-glass']}\n";

#define FLUX_META	"'name':'podinfo','namespace':'apps','labels':{" \
			"'kustomize.toolkit.fluxcd.io/name':'apps'," \
			"'kustomize.toolkit.fluxcd.io/namespace':'flux-system'}"
#define SVC(ann)	"{'apiVersion':'v1','kind':'Service','metadata':{" \
			FLUX_META ",'resourceVersion':'1','annotations':{" \
			ann "}},'spec':{'ports':[{'port':80}]}}"
#define KS(ann, sus)	"{'apiVersion':'kustomize.toolkit.fluxcd.io/v1'," \
			"'kind':'Kustomization','metadata':{" FLUX_META \
			",'annotations':{" ann "}},'spec':{'suspend':" sus \
			",'path':'./apps'},'status':{'x':1}}"
#define REQ_AT(v)	"'reconcile.fluxcd.io/requestedAt':'" v "'"

struct req {
	const char	*user, *groups, *op, *group, *kind, *resource;
	const char	*object, *old;
	int		 dry_run;
};

static int
decode(const struct req *q, struct review *rv)
{
	static char	tmpl[8192], body[8192];
	char		err[128];

	snprintf(tmpl, sizeof(tmpl), "{'apiVersion':'admission.k8s.io/v1',"
	    "'kind':'AdmissionReview','request':{'uid':'u1','kind':{"
	    "'group':'%s','version':'v1','kind':'%s'},'resource':{"
	    "'group':'%s','version':'v1','resource':'%s'},'name':'podinfo',"
	    "'namespace':'apps','operation':'%s','userInfo':{'username':"
	    "'%s','groups':%s},'object':%s,'oldObject':%s,'dryRun':%s}}",
	    q->group, q->kind, q->group, q->resource, q->op, q->user,
	    q->groups != NULL ? q->groups : "[]", q->object, q->old,
	    q->dry_run ? "true" : "false");
	fixture_json(body, sizeof(body), tmpl);
	if (review_decode(body, strlen(body), rv, err, sizeof(err)) != 0) {
		fprintf(stderr, "review_decode: %s\n", err);
		CHECK(0);
		return -1;
	}
	return 0;
}

static void
test_eval(const struct policy *p)
{
	static const struct {
		struct req		 q;
		enum rule_verdict	 want;
		const char		*text;
	} cases[] = {
		{ { "alice", NULL, "UPDATE", "", "Service", "services",
		    SVC(""), SVC(""), 0 }, RULE_FAIL, "user \"alice\" may not "
		    "UPDATE Service apps/podinfo (managed by Kustomization "
		    "flux-system/apps: change it in Git)" },
		/* kubectl annotate ... reconcile=disabled: a write. */
		{ { "alice", NULL, "UPDATE", "", "Service", "services",
		    SVC("'kustomize.toolkit.fluxcd.io/reconcile':'disabled'"),
		    SVC(""), 0 }, RULE_FAIL, NULL },
		{ { "alice", NULL, "DELETE", "", "ConfigMap", "configmaps",
		    "null", SVC(""), 0 }, RULE_FAIL, NULL },
		{ { "alice", NULL, "UPDATE", "", "Service", "services",
		    SVC(""), SVC(""), 1 }, RULE_WARN, "dry run; the real "
		    "write is denied: user \"alice\" may not UPDATE Service "
		    "apps/podinfo (managed by Kustomization flux-system/apps: "
		    "change it in Git)" },
		/* Identities copied from reconciler-only by allow.from. */
		{ { "system:serviceaccount:flagger-system:flagger", NULL,
		    "UPDATE", "", "Service", "services", SVC(""), SVC(""), 0 },
		    RULE_PASS, NULL },
		{ { "system:kube-controller-manager", NULL, "DELETE", "",
		    "Service", "services", "null", SVC(""), 0 }, RULE_PASS,
		    NULL },
		{ { "node-1", "['system:nodes']", "UPDATE", "", "Service",
		    "services", SVC(""), SVC(""), 0 }, RULE_PASS, NULL },
		{ { "bob", "['gitgate:break-glass']", "UPDATE", "", "Service",
		    "services", SVC(""), SVC(""), 0 }, RULE_WARN,
		    "break-glass by \"bob\": Flux reverts this unless it is "
		    "committed to Git" },
		/* `flux reconcile ks apps`: only requestedAt changes. */
		{ { "alice", NULL, "UPDATE", "kustomize.toolkit.fluxcd.io",
		    "Kustomization", "kustomizations", KS(REQ_AT("2"), "false"),
		    KS(REQ_AT("1"), "false"), 0 }, RULE_PASS, NULL },
		{ { "alice", NULL, "UPDATE", "kustomize.toolkit.fluxcd.io",
		    "Kustomization", "kustomizations", KS(REQ_AT("1") ","
		    "'reconcile.fluxcd.io/forceAt':'1'", "false"), KS("",
		    "false"), 0 }, RULE_PASS, NULL },
		/* ... not with another change (flux suspend), not unchanged */
		{ { "alice", NULL, "UPDATE", "kustomize.toolkit.fluxcd.io",
		    "Kustomization", "kustomizations", KS(REQ_AT("2"), "true"),
		    KS(REQ_AT("1"), "false"), 0 }, RULE_FAIL, NULL },
		{ { "alice", NULL, "UPDATE", "kustomize.toolkit.fluxcd.io",
		    "Kustomization", "kustomizations", KS(REQ_AT("1"), "false"),
		    KS(REQ_AT("1"), "false"), 0 }, RULE_FAIL, NULL },
		{ { "alice", NULL, "UPDATE", "kustomize.toolkit.fluxcd.io",
		    "Kustomization", "kustomizations", KS(REQ_AT("2") ","
		    "'kustomize.toolkit.fluxcd.io/reconcile':'disabled'",
		    "false"), KS(REQ_AT("1"), "false"), 0 }, RULE_FAIL, NULL },
		/* ... and only on Flux's kinds. */
		{ { "alice", NULL, "UPDATE", "", "Service", "services",
		    SVC(REQ_AT("2")), SVC(REQ_AT("1")), 0 }, RULE_FAIL, NULL },
		/* Workload-only safe operations do not apply. */
		{ { "alice", NULL, "UPDATE", "", "Service", "services",
		    SVC("'kubectl.kubernetes.io/restartedAt':'now'"), SVC(""),
		    0 }, RULE_FAIL, NULL },
	};
	struct review		rv;
	struct rule_result	r;
	size_t			i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (decode(&cases[i].q, &rv) != 0)
			continue;
		p->kind->eval(p, &rv, &r);
		if (r.verdict != cases[i].want)
			fprintf(stderr, "case %zu: verdict %d (%s)\n", i,
			    r.verdict, r.n ? r.text[0] : "");
		CHECK_INT(r.verdict, cases[i].want);
		if (cases[i].text != NULL && r.n > 0)
			CHECK_STR(r.text[0], cases[i].text);
		review_free(&rv);
	}
}

/* allow.from: the same identities, in the same order, as the source. */
static void
test_allow_from(const struct policy *from, const struct policy *p)
{
	const struct rule_actor	*f = RULE_ACTOR(from), *a = RULE_ACTOR(p);
	const struct strlist	*fl[] = { &f->users, &f->groups,
		&f->service_accounts, &f->flux_tenants, &f->scale_users,
		&f->scale_groups, &f->scale_service_accounts };
	const struct strlist	*al[] = { &a->users, &a->groups,
		&a->service_accounts, &a->flux_tenants, &a->scale_users,
		&a->scale_groups, &a->scale_service_accounts };
	size_t			 i, j;

	CHECK_STR(a->allow_from, "reconciler-only");
	CHECK_INT(f->service_accounts.n, 2);
	CHECK_INT(f->scale_service_accounts.n, 1);
	for (i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
		CHECK_INT(al[i]->n, fl[i]->n);
		for (j = 0; j < fl[i]->n && j < al[i]->n; j++)
			CHECK_STR(al[i]->v[j], fl[i]->v[j]);
	}
}

int
main(void)
{
	struct policy_set	*set;
	struct diag		 d;
	size_t			 i;

	diag_init(&d);
	set = policy_set_load_buffer("kinds.yaml", policies_yaml,
	    sizeof(policies_yaml) - 1, rules_kinds, &d);
	for (i = 0; i < d.n; i++)
		fprintf(stderr, "diag: %s\n", d.v[i].text);
	CHECK(set != NULL);
	CHECK_INT(d.n, 0);
	diag_free(&d);
	if (set != NULL && set->n_policies == 2) {
		test_allow_from(&set->policies[0], &set->policies[1]);
		test_eval(&set->policies[1]);
	}
	policy_set_unref(set);
	return unit_done("rule_actor_kinds");
}
