/*
 * test_rule_actor.c - webhook/rules/rule_actor.c: a hand-built ActorPolicy
 * (users, service accounts, groups, all globs) against reviews decoded
 * from JSON; the exact denial text for create, update, delete, scale,
 * anonymous and hostile users, and how the object is described.
 */
#include "rule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube.h"
#include "unit.h"

/* JSON written with ' for "; q() converts into buf. */
static const char *
q(char *buf, size_t size, const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0' && i < size - 1; i++)
		buf[i] = s[i] == '\'' ? '"' : s[i];
	buf[i] = '\0';
	return buf;
}

static void
list_set(struct strlist *l, const char *const *v, size_t n)
{
	size_t	i;

	l->v = calloc(n, sizeof(*l->v));
	l->n = l->v != NULL ? n : 0;
	for (i = 0; i < l->n; i++)
		l->v[i] = strdup(v[i]);
}

static void
list_free(struct strlist *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

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
	p->rule = POLICY_RULE_ACTOR;
	p->match.ops = KUBE_OP_ALL;
	list_set(&p->u.actor.users, users, 2);
	list_set(&p->u.actor.service_accounts, sas, 3);
	list_set(&p->u.actor.groups, groups, 2);
}

static void
actor_policy_free(struct policy *p)
{
	list_free(&p->u.actor.users);
	list_free(&p->u.actor.service_accounts);
	list_free(&p->u.actor.groups);
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

static void
run(const struct policy *p, const struct actor_case *c, size_t i)
{
	static char		 tmpl[8192], body[8192];
	struct review		 rv;
	struct rule_result	 r;
	char			 err[128], groups[512];

	if (c->groups != NULL)
		snprintf(groups, sizeof(groups), ",'groups':%s", c->groups);
	else
		groups[0] = '\0';
	snprintf(tmpl, sizeof(tmpl), "{'apiVersion':'admission.k8s.io/v1',"
	    "'kind':'AdmissionReview','request':{'uid':'u1','kind':{"
	    "'kind':'%s'},'resource':{'resource':'%s'},'subResource':'%s',"
	    "'name':'%s','namespace':'%s','operation':'%s','userInfo':{"
	    "'username':'%s'%s},'object':%s,'dryRun':true}}", c->kind,
	    c->resource, c->sub, c->name, c->ns, c->op, c->user, groups,
	    c->object);
	q(body, sizeof(body), tmpl);
	if (review_decode(body, strlen(body), &rv, err, sizeof(err)) != 0) {
		fprintf(stderr, "case %zu: review_decode: %s\n", i, err);
		CHECK(0);
		return;
	}
	rule_actor_eval(p, &rv, &r);
	review_free(&rv);
	if (r.verdict != c->want)
		fprintf(stderr, "case %zu (%s): verdict %d (%s)\n", i, c->user,
		    r.verdict, r.n ? r.text[0] : "");
	CHECK_INT(r.verdict, c->want);
	CHECK_INT(r.n, c->want == RULE_PASS ? 0 : 1);
	if (c->text != NULL && r.n > 0)
		CHECK_STR(r.text[0], c->text);
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
		  "null", RULE_FAIL, "user \"alice\" may not status Pod ns/p" },
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

int
main(void)
{
	test_actors();
	test_long_user();
	return unit_done("rule_actor");
}
