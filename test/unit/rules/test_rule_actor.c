/*
 * test_rule_actor.c - webhook/rules/rule_actor.c: a hand-built ActorPolicy
 * (users, service accounts, groups, all globs) against reviews decoded
 * from JSON; the exact denial text for create, update, delete, scale,
 * anonymous and hostile users, and how the object is described; with
 * requireBoundToken, service accounts with and without bound-token extras.
 */
#include "rules/rule_actor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/kube.h"
#include "fixture.h"
#include "unit.h"

static void
actor_policy(struct policy *p)
{
	static char			name[] = "test-actor";
	static const char *const	users[] = {
		"system:kube-controller-manager", "ci-bot-*" };
	static const char *const	sas[] = {
		"flux-system:kustomize-controller", "kube-system:*",
		"*:flux" };
	static const char *const	groups[] = { "system:nodes",
		"gitgate:break-*" };

	memset(p, 0, sizeof(*p));
	p->name = name;
	p->kind = &rule_actor_kind;
	p->params = calloc(1, sizeof(struct rule_actor));
	p->match.ops = KUBE_OP_ALL;
	fixture_list_set(&RULE_ACTOR(p)->users, users, 2);
	fixture_list_set(&RULE_ACTOR(p)->service_accounts, sas, 3);
	fixture_list_set(&RULE_ACTOR(p)->groups, groups, 2);
}

static void
actor_policy_free(struct policy *p)
{
	fixture_list_free(&RULE_ACTOR(p)->users);
	fixture_list_free(&RULE_ACTOR(p)->service_accounts);
	fixture_list_free(&RULE_ACTOR(p)->groups);
	free(p->params);
	p->params = NULL;
}

struct actor_case {
	const char		*user;		/* JSON string body */
	const char		*groups;	/* JSON array, or NULL */
	const char		*op, *kind, *resource, *sub;
	const char		*name, *ns;
	const char		*object;	/* JSON, or "null" */
	enum rule_verdict	 want;
	const char		*text;		/* exact, or NULL */
};

/* Run case c with userInfo.extra (JSON) when extra is not NULL. */
static void
run_extra(const struct policy *p, const struct actor_case *c,
    const char *extra, size_t i)
{
	static char		 tmpl[8192], body[8192];
	struct review		 rv;
	struct rule_result	 r;
	char			 err[128], groups[1024];
	size_t			 off = 0;

	groups[0] = '\0';
	if (c->groups != NULL)
		off = (size_t)snprintf(groups, sizeof(groups), ",'groups':%s",
		    c->groups);
	if (extra != NULL && off < sizeof(groups))
		snprintf(groups + off, sizeof(groups) - off, ",'extra':%s",
		    extra);
	snprintf(tmpl, sizeof(tmpl), "{'apiVersion':'admission.k8s.io/v1',"
	    "'kind':'AdmissionReview','request':{'uid':'u1','kind':{"
	    "'kind':'%s'},'resource':{'resource':'%s'},'subResource':'%s',"
	    "'name':'%s','namespace':'%s','operation':'%s','userInfo':{"
	    "'username':'%s'%s},'object':%s,'dryRun':true}}", c->kind,
	    c->resource, c->sub, c->name, c->ns, c->op, c->user, groups,
	    c->object);
	fixture_json(body, sizeof(body), tmpl);
	if (review_decode(body, strlen(body), &rv, err, sizeof(err)) != 0) {
		fprintf(stderr, "case %zu: review_decode: %s\n", i, err);
		CHECK(0);
		return;
	}
	rule_actor_kind.eval(p, &rv, &r);
	review_free(&rv);
	if (r.verdict != c->want)
		fprintf(stderr, "case %zu (%s): verdict %d (%s)\n", i, c->user,
		    r.verdict, r.n ? r.text[0] : "");
	CHECK_INT(r.verdict, c->want);
	CHECK_INT(r.n, c->want == RULE_PASS ? 0 : 1);
	if (c->text != NULL && r.n > 0)
		CHECK_STR(r.text[0], c->text);
}

static void
run(const struct policy *p, const struct actor_case *c, size_t i)
{
	run_extra(p, c, NULL, i);
}

#define DEPLOY	"Deployment", "deployments", ""
#define WEB	"web", "default", "{'metadata':{'name':'web'}}"

static void
test_actors(void)
{
	static const struct actor_case cases[] = {
		/* Allowed identities. */
		{ "system:kube-controller-manager", NULL, "CREATE", DEPLOY, WEB,
		  RULE_PASS, NULL },
		{ "ci-bot-7", NULL, "UPDATE", DEPLOY, WEB, RULE_PASS, NULL },
		{ "system:serviceaccount:flux-system:kustomize-controller",
		  "['system:serviceaccounts','system:serviceaccounts:"
		  "flux-system','system:authenticated']", "CREATE", DEPLOY, WEB,
		  RULE_PASS, NULL },
		{ "system:serviceaccount:kube-system:horizontal-pod-autoscaler",
		  NULL, "UPDATE", "Scale", "deployments", "scale", WEB,
		  RULE_PASS, NULL },
		{ "system:serviceaccount:kube-system:replicaset-controller",
		  NULL, "CREATE", "Pod", "pods", "", WEB, RULE_PASS, NULL },
		{ "system:serviceaccount:team-a:flux", NULL, "DELETE", DEPLOY,
		  "web", "team-a", "null", RULE_PASS, NULL },
		{ "system:node:worker-1", "['system:nodes',"
		  "'system:authenticated']", "UPDATE", "Pod", "pods", "status",
		  WEB, RULE_PASS, NULL },
		{ "bob", "['dev','gitgate:break-glass']", "DELETE", DEPLOY,
		  "web", "default", "null", RULE_PASS, NULL },
		/* Denied: exact text. */
		{ "alice", "['dev','system:authenticated']", "CREATE", DEPLOY,
		  WEB, RULE_FAIL,
		  "user \"alice\" may not CREATE Deployment default/web" },
		{ "alice", NULL, "UPDATE", DEPLOY, WEB, RULE_FAIL,
		  "user \"alice\" may not UPDATE Deployment default/web" },
		{ "alice", NULL, "DELETE", DEPLOY, "web", "default", "null",
		  RULE_FAIL,
		  "user \"alice\" may not DELETE Deployment default/web" },
		{ "alice", NULL, "UPDATE", "Scale", "deployments", "scale",
		  "web", "default", "{'kind':'Scale','spec':{'replicas':5}}",
		  RULE_FAIL,
		  "user \"alice\" may not scale Deployment default/web" },
		{ "alice", NULL, "UPDATE", "Scale", "statefulsets", "scale",
		  "db", "default", "null", RULE_FAIL,
		  "user \"alice\" may not scale StatefulSet default/db" },
		{ "alice", NULL, "UPDATE", "Pod", "pods", "status", "p", "ns",
		  "null", RULE_FAIL,
		  "user \"alice\" may not UPDATE the status of Pod ns/p" },
		{ "", NULL, "CREATE", DEPLOY, WEB, RULE_FAIL,
		  "user \"(anonymous)\" may not CREATE Deployment default/web" },
		{ "system:anonymous", "['system:unauthenticated']", "CREATE",
		  DEPLOY, WEB, RULE_FAIL, "user \"system:anonymous\" may not "
		  "CREATE Deployment default/web" },
		/* Near misses. */
		{ "ci-bot", NULL, "CREATE", DEPLOY, WEB, RULE_FAIL, NULL },
		{ "system:serviceaccount:default:kustomize-controller", NULL,
		  "CREATE", DEPLOY, WEB, RULE_FAIL, NULL },
		{ "flux-system:kustomize-controller", NULL, "CREATE", DEPLOY,
		  WEB, RULE_FAIL, NULL },
		{ "system:serviceaccount:kube-systemx:foo", NULL, "CREATE",
		  DEPLOY, WEB, RULE_FAIL, NULL },
		{ "system:serviceaccount:team-a:flux-other", NULL, "CREATE",
		  DEPLOY, WEB, RULE_FAIL, NULL },
		{ "alice", "['system:serviceaccounts:kube-system',"
		  "'gitgate:breakglass',5]", "CREATE", DEPLOY, WEB, RULE_FAIL,
		  NULL },
		/* Groups as a non-array are ignored, not crashed on. */
		{ "alice", "'system:nodes'", "CREATE", DEPLOY, WEB, RULE_FAIL,
		  NULL },
		/* fieldManager is not an identity: the username is. */
		{ "alice", NULL, "CREATE", DEPLOY, "web", "default",
		  "{'metadata':{'name':'web','managedFields':[{'manager':"
		  "'kustomize-controller'}]}}", RULE_FAIL, NULL },
		/* How the object is described. */
		{ "alice", NULL, "CREATE", "Pod", "pods", "", "", "default",
		  "{'metadata':{'generateName':'web-'}}", RULE_FAIL,
		  "user \"alice\" may not CREATE Pod default/web-" },
		{ "alice", NULL, "CREATE", "Pod", "pods", "", "", "default",
		  "{'metadata':{'name':'from-object'}}", RULE_FAIL,
		  "user \"alice\" may not CREATE Pod default/from-object" },
		{ "alice", NULL, "CREATE", "Pod", "pods", "", "", "default",
		  "{}", RULE_FAIL,
		  "user \"alice\" may not CREATE Pod default/(unnamed)" },
		{ "alice", NULL, "CREATE", "Namespace", "namespaces", "", "x",
		  "", "{}", RULE_FAIL,
		  "user \"alice\" may not CREATE Namespace x" },
		/* Hostile username: quoted safely. */
		{ "al\\'ice\\n\\u001b[31m", NULL, "CREATE", DEPLOY, WEB,
		  RULE_FAIL, "user \"al?ice??[31m\" may not CREATE Deployment "
		  "default/web" },
	};
	struct policy	p;
	size_t		i;

	actor_policy(&p);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(&p, &cases[i], i);
	actor_policy_free(&p);
}

/* A very long username is cut, and the text stays within bounds. */
static void
test_long_user(void)
{
	struct actor_case	c;
	struct policy		p;
	char			user[2048], text[RULE_TEXT_MAX];

	memset(user, 'u', sizeof(user) - 1);
	user[sizeof(user) - 1] = '\0';
	snprintf(text, sizeof(text), "user \"%.*s...\" may not CREATE "
	    "Deployment default/web", RULE_QUOTE_MAX, user);
	memset(&c, 0, sizeof(c));
	c.user = user;
	c.op = "CREATE";
	c.kind = "Deployment";
	c.resource = "deployments";
	c.sub = "";
	c.name = "web";
	c.ns = "default";
	c.object = "null";
	c.want = RULE_FAIL;
	c.text = text;
	actor_policy(&p);
	run(&p, &c, 0);
	actor_policy_free(&p);
}

#define SA_FLUX		"system:serviceaccount:flux-system:" \
			"kustomize-controller"
#define SA_GROUPS	"['system:serviceaccounts','system:serviceaccounts:" \
			"flux-system','system:authenticated']"
#define CRED		"'authentication.kubernetes.io/credential-id'"
#define POD_NAME	"'authentication.kubernetes.io/pod-name'"
#define IMPERSONATED	"service account \"flux-system:" \
			"kustomize-controller\" lacks a bound-token " \
			"credential (impersonated?) and may not CREATE " \
			"Deployment default/web"

struct bound_case {
	struct actor_case	 c;
	const char		*extra;	/* userInfo.extra or NULL */
};

/*
 * requireBoundToken: a service account passes only with a JTI credential
 * id or a pod name in userInfo.extra (what `kubectl --as` cannot send);
 * other identities are unaffected; without the option nothing changes.
 */
static void
test_bound_token(void)
{
	static const struct bound_case on[] = {
		/* A pod-bound token, as in a Flux controller pod (1.30+). */
		{ { SA_FLUX, SA_GROUPS, "CREATE", DEPLOY, WEB, RULE_PASS,
		  NULL }, "{" CRED ":['JTI=0b6f1d4c-4b1e-4e8a-9b0e-"
		  "6a1c2f3d4e5f'],"
		  "'authentication.kubernetes.io/node-name':['worker-1'],"
		  POD_NAME ":['kustomize-controller-7d9f8-abcde'],"
		  "'authentication.kubernetes.io/pod-uid':['1f2e']}" },
		/* TokenRequest without a pod (kube-controller-manager). */
		{ { "system:serviceaccount:kube-system:replicaset-controller",
		  NULL, "CREATE", "Pod", "pods", "", WEB, RULE_PASS, NULL },
		  "{" CRED ":['JTI=9a8b']}" },
		/* Pod name alone (bound token of a 1.29 cluster). */
		{ { SA_FLUX, NULL, "DELETE", DEPLOY, "web", "default", "null",
		  RULE_PASS, NULL }, "{" POD_NAME ":['p']}" },
		/* Impersonated: no extras at all. */
		{ { SA_FLUX, SA_GROUPS, "CREATE", DEPLOY, WEB, RULE_FAIL,
		  IMPERSONATED }, NULL },
		{ { SA_FLUX, SA_GROUPS, "CREATE", DEPLOY, WEB, RULE_FAIL,
		  IMPERSONATED }, "{}" },
		{ { SA_FLUX, NULL, "CREATE", DEPLOY, WEB, RULE_FAIL,
		  IMPERSONATED }, "null" },
		/* Extras that are not a bound token. */
		{ { SA_FLUX, NULL, "CREATE", DEPLOY, WEB, RULE_FAIL,
		  IMPERSONATED }, "{" CRED ":['X509SHA256=ab12']}" },
		{ { SA_FLUX, NULL, "CREATE", DEPLOY, WEB, RULE_FAIL,
		  IMPERSONATED }, "{" CRED ":['JTI=']," POD_NAME ":['']}" },
		{ { SA_FLUX, NULL, "CREATE", DEPLOY, WEB, RULE_FAIL,
		  IMPERSONATED }, "{" CRED ":'JTI=not-a-list'," POD_NAME
		  ":[7]}" },
		{ { SA_FLUX, NULL, "CREATE", DEPLOY, WEB, RULE_FAIL,
		  IMPERSONATED }, "{'authentication.kubernetes.io/"
		  "credential-ID':['JTI=x'],'scopes':['JTI=x']}" },
		{ { SA_FLUX, NULL, "CREATE", DEPLOY, WEB, RULE_FAIL,
		  IMPERSONATED }, "['JTI=x']" },
		/* The scale wording. */
		{ { "system:serviceaccount:kube-system:horizontal-pod-"
		  "autoscaler", NULL, "UPDATE", "Scale", "deployments",
		  "scale", WEB, RULE_FAIL, "service account \"kube-system:"
		  "horizontal-pod-autoscaler\" lacks a bound-token credential "
		  "(impersonated?) and may not scale Deployment default/web" },
		  NULL },
		/* A service account allowed through a group needs it too. */
		{ { "system:serviceaccount:ops:bot", "['gitgate:break-glass']",
		  "UPDATE", DEPLOY, WEB, RULE_FAIL, "service account \"ops:"
		  "bot\" lacks a bound-token credential (impersonated?) and "
		  "may not UPDATE Deployment default/web" }, NULL },
		/* Not allowed anyway: the usual denial. */
		{ { "system:serviceaccount:default:kustomize-controller", NULL,
		  "CREATE", DEPLOY, WEB, RULE_FAIL, "user \"system:"
		  "serviceaccount:default:kustomize-controller\" may not "
		  "CREATE Deployment default/web" }, "{" CRED ":['JTI=1']}" },
		/* Users and groups that are not service accounts. */
		{ { "system:kube-controller-manager", NULL, "CREATE", DEPLOY,
		  WEB, RULE_PASS, NULL }, NULL },
		{ { "bob", "['gitgate:break-glass']", "DELETE", DEPLOY, "web",
		  "default", "null", RULE_PASS, NULL }, NULL },
		{ { "system:node:worker-1", "['system:nodes']", "UPDATE", "Pod",
		  "pods", "status", WEB, RULE_PASS, NULL }, NULL },
	};
	static const struct bound_case off[] = {
		{ { SA_FLUX, SA_GROUPS, "CREATE", DEPLOY, WEB, RULE_PASS,
		  NULL }, NULL },
		{ { SA_FLUX, NULL, "CREATE", DEPLOY, WEB, RULE_PASS, NULL },
		  "{" CRED ":['X509SHA256=ab12']}" },
	};
	struct policy	p;
	size_t		i;

	actor_policy(&p);
	RULE_ACTOR(&p)->require_bound_token = 1;
	for (i = 0; i < sizeof(on) / sizeof(on[0]); i++)
		run_extra(&p, &on[i].c, on[i].extra, i);
	RULE_ACTOR(&p)->require_bound_token = 0;
	for (i = 0; i < sizeof(off) / sizeof(off[0]); i++)
		run_extra(&p, &off[i].c, off[i].extra, 100 + i);
	actor_policy_free(&p);
}

/*
 * rule_util.c: a finding longer than RULE_TEXT_MAX is cut after its last
 * whole UTF-8 sequence, wherever the limit falls (2-, 3- and 4-byte).
 */
static void
test_finding_cut(void)
{
	static const char *const seq[] = { "\xc3\xa9", "\xe2\x82\xac",
	    "\xf0\x9f\x98\x80" };
	struct rule_result	r;
	char			long_text[1024];
	size_t			i, pre, len;

	for (i = 0; i < 3; i++) {
		for (pre = 0; pre < 4; pre++) {
			memset(long_text, 'a', pre);
			for (len = pre; len + 5 < sizeof(long_text);
			    len += strlen(seq[i]))
				memcpy(long_text + len, seq[i],
				    strlen(seq[i]));
			long_text[len] = '\0';
			rule_result_init(&r);
			rule_result_add(&r, RULE_FAIL, "%s", long_text);
			CHECK(fixture_utf8_whole(r.text[0]));
			CHECK(strlen(r.text[0]) > RULE_TEXT_MAX - 5);
			CHECK(strncmp(r.text[0], long_text,
			    strlen(r.text[0])) == 0);
		}
	}
	/* Short texts are untouched. */
	rule_result_init(&r);
	rule_result_add(&r, RULE_ERROR, "%s", "\xe2\x82\xac");
	CHECK_STR(r.text[0], "\xe2\x82\xac");
}

int
main(void)
{
	test_actors();
	test_finding_cut();
	test_long_user();
	test_bound_token();
	return unit_done("rule_actor");
}
