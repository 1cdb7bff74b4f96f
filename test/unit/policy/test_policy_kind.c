/*
 * test_policy_kind.c - the policy loader knows no rule: a kind defined
 * here, in the test, with its own spec keys, defaults and free, loads like
 * the shipped ones, and the loader's messages name the kinds it was given.
 * Links policy/ without rules/: what a new rule needs from the loader is
 * its struct policy_kind and nothing else.
 */
#include "policy/policy_set.h"

#include <stdlib.h>
#include <string.h>

#include "base/kube.h"
#include "policy/policy_schema.h"
#include "unit.h"

struct count_params {
	int		 strict;	/* default 1 */
	char		*owner;		/* required */
	struct strlist	 teams;
};

static int	count_frees;

static void
count_init(void *params)
{
	((struct count_params *)params)->strict = 1;
}

static void
count_free(void *params)
{
	struct count_params	*c = params;

	free(c->owner);
	strlist_free(&c->teams);
	count_frees++;
}

static const char *
count_identity(const struct policy *p, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "owner:%s",
	    ((struct count_params *)p->params)->owner);
	return buf;
}

static const struct policy_schema_key count_keys[] = {
	{ "strict", policy_schema_bool, offsetof(struct count_params, strict),
	    0 },
	{ "owner", policy_schema_string, offsetof(struct count_params, owner),
	    1 },
	{ "teams", policy_schema_globs, offsetof(struct count_params, teams),
	    0 },
	{ NULL, NULL, 0, 0 }
};

static const char *const count_subresources[] = { "", "status", NULL };

static const struct policy_kind count_kind = {
	.name = "CountPolicy",
	.rule = "count",
	.params_size = sizeof(struct count_params),
	.keys = count_keys,
	.default_ops = KUBE_OP_DELETE,
	.default_subresources = count_subresources,
	.podspec_only = 0,
	.init = count_init,
	.eval = NULL,
	.free = count_free,
	.identity = count_identity,
};

static const struct policy_kind *const kinds[] = { &count_kind, NULL };

static const char good[] =
    "apiVersion: gitgate.io/v1alpha1\n"
    "kind: CountPolicy\n"
    "metadata:\n"
    "  name: counted\n"
    "spec:\n"
    "  mode: audit\n"
    "  owner: platform\n"
    "  teams: [a-*, b]\n";

static void
test_loads(void)
{
	const struct count_params	*c;
	const struct policy		*p;
	struct policy_set		*set;
	struct diag			 d;
	char				 buf[64];

	diag_init(&d);
	set = policy_set_load_buffer("count.yaml", good, strlen(good), kinds,
	    &d);
	CHECK(set != NULL && d.n == 0);
	p = set != NULL && set->n_policies == 1 ? &set->policies[0] : NULL;
	CHECK(p != NULL && p->kind == &count_kind);
	c = p != NULL ? p->params : NULL;
	CHECK_INT(c != NULL ? c->strict : -1, 1);	/* init's default */
	CHECK_STR(c != NULL ? c->owner : NULL, "platform");
	CHECK_INT(c != NULL ? c->teams.n : 0, 2);
	CHECK(p != NULL && p->mode == POLICY_AUDIT);
	/* The kind's default operations and subresources. */
	CHECK_INT(p != NULL ? p->match.ops : 0, KUBE_OP_DELETE);
	CHECK_INT(p != NULL ? p->match.subresources.n : 0, 2);
	CHECK_STR(p != NULL ? policy_rule_name(p) : NULL, "count");
	CHECK_STR(set != NULL ? policy_set_default_user(set, buf,
	    sizeof(buf)) : NULL, "owner:platform");
	count_frees = 0;
	policy_set_unref(set);
	CHECK_INT(count_frees, 1);
	diag_free(&d);
}

/* Each case: one spec, the one diagnostic the loader must give. */
static void
test_errors(void)
{
	static const struct {
		const char	*yaml, *want;
		int		 frees;		/* params allocated: freed once */
	} cases[] = {
		{ "kind: ImagePolicy\nmetadata: {name: x}\nspec: {}\n",
		    "e.yaml:2:7: kind: unknown kind \"ImagePolicy\" (expected "
		    "Settings, PolicyException or CountPolicy)", 0 },
		{ "kind: CountPolicy\nmetadata: {name: x}\nspec: {teams: [a]}"
		    "\n", "e.yaml:4:7: spec: missing required key \"owner\"", 1 },
		{ "kind: CountPolicy\nmetadata: {name: x}\n"
		    "spec: {owner: o, ownr: p}\n", "e.yaml:4:18: spec.ownr: "
		    "unknown key (did you mean \"owner\"?)", 1 },
		{ "kind: CountPolicy\nmetadata: {name: x}\n"
		    "spec: {owner: o, mod: audit}\n", "e.yaml:4:18: spec.mod: "
		    "unknown key (did you mean \"mode\"?)", 1 },
		{ "kind: CountPolicy\nmetadata: {name: x}\n"
		    "spec: {owner: o, strict: 3}\n", NULL, 1 },
	};
	struct policy_set	*set;
	struct diag		 d;
	char			 doc[512];
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(doc, sizeof(doc), "apiVersion: gitgate.io/v1alpha1\n"
		    "%s", cases[i].yaml);
		diag_init(&d);
		count_frees = 0;
		set = policy_set_load_buffer("e.yaml", doc, strlen(doc), kinds,
		    &d);
		CHECK(set == NULL && d.errors >= 1);
		if (cases[i].want != NULL)
			CHECK_STR(d.n > 0 ? d.v[0].text : NULL, cases[i].want);
		/* A rejected document's parameters are freed, once. */
		CHECK_INT(count_frees, cases[i].frees);
		policy_set_unref(set);
		diag_free(&d);
	}
}

int
main(void)
{
	test_loads();
	test_errors();
	return unit_done("policy_kind");
}
