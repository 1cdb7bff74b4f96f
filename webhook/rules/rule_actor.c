/*
 * rule_actor.c - rule 3: only the reconciler writes. The request's user,
 * groups and service account are matched against the policy's allow list
 * (the fast path: one glob pass, oldObject never read). Anyone else takes
 * the slow path (rule_actor_ops.c): Flux tenants, the safe operations,
 * break-glass (allowed with a warning), then a denial, or a warning for a
 * dry run. fieldManager is client-chosen and never decides. With
 * requireBoundToken, an allowed service account must also show the extras
 * only a real bound token carries: impersonation yields the name alone.
 */
#include "rules/rule_actor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/kube.h"
#include "base/match.h"
#include "policy/policy_schema.h"
#include "rules/rule_owner.h"

static int
glob_any_group(const struct strlist *l, const cJSON *groups)
{
	const cJSON	*g;

	cJSON_ArrayForEach(g, groups) {
		if (cJSON_IsString(g) && rule_glob_any(l, g->valuestring))
			return 1;
	}
	return 0;
}

/* 1 if rv's user, one of its groups or its service account matches. */
static int
identity_in(const struct strlist *users, const struct strlist *groups,
    const struct strlist *sas, const struct review *rv)
{
	const char	*sa;

	if (rv->username[0] != '\0' && rule_glob_any(users, rv->username))
		return 1;
	sa = kube_serviceaccount(rv->username);
	if (sa != NULL && rule_glob_any(sas, sa))
		return 1;
	return glob_any_group(groups, rv->groups);
}

static int
actor_allowed(const struct rule_actor *pa, const struct review *rv)
{
	if (identity_in(&pa->users, &pa->groups, &pa->service_accounts, rv))
		return 1;
	return strcmp(rv->subresource, "scale") == 0 &&
	    identity_in(&pa->scale_users, &pa->scale_groups,
	    &pa->scale_service_accounts, rv);
}

/* 1 if the extras list of key has a string with prefix (and more). */
static int
extra_has(const cJSON *extra, const char *key, const char *prefix)
{
	const cJSON	*list, *v;
	size_t		 n = strlen(prefix);

	list = cJSON_GetObjectItemCaseSensitive(extra, key);
	if (!cJSON_IsArray(list))
		return 0;
	cJSON_ArrayForEach(v, list) {
		if (cJSON_IsString(v) && strncmp(v->valuestring, prefix,
		    n) == 0 && v->valuestring[n] != '\0')
			return 1;
	}
	return 0;
}

/*
 * 1 if userInfo.extra shows a bound service-account token: a JTI
 * credential id (Kubernetes >= 1.30, every TokenRequest token) or the pod
 * it is bound to. An x509 credential id ("X509SHA256=") does not count.
 */
static int
bound_token(const cJSON *extra)
{
	return extra_has(extra, "authentication.kubernetes.io/credential-id",
	    "JTI=") || extra_has(extra, "authentication.kubernetes.io/pod-name",
	    "");
}

static const char *
verb_of(const struct review *rv)
{
	if (strcmp(rv->subresource, "ephemeralcontainers") == 0)
		return "debug";		/* kubectl debug */
	if (strcmp(rv->subresource, "status") == 0)
		return "UPDATE the status of";
	if (rv->subresource[0] != '\0')
		return rv->subresource;
	return kube_op_name(rv->op);
}

/*
 * 1 if the object a service account "NS:NAME" writes is labelled by Flux
 * for NS: the write of a tenant's Kustomization or HelmRelease, which
 * fluxTenants (not serviceAccounts, which trusts every write) is for.
 */
static int
tenant_shaped(const struct review *rv, const char *sa)
{
	static const char *const keys[] = {
	    "kustomize.toolkit.fluxcd.io/namespace",
	    "helm.toolkit.fluxcd.io/namespace" };
	const char	*colon = strchr(sa, ':'), *v;
	size_t		 i, nslen;

	if (colon == NULL)
		return 0;
	nslen = (size_t)(colon - sa);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if ((v = rule_label(rv->object, keys[i])) != NULL &&
		    strlen(v) == nslen && memcmp(v, sa, nslen) == 0)
			return 1;
	return 0;
}

/*
 * The fix for a denied service account: fluxTenants for a tenant's write,
 * serviceAccounts otherwise, naming the policy's file.
 */
static void
sa_hint(const struct policy *p, const struct review *rv, const char *sa,
    char *buf, size_t len)
{
	char		 q[RULE_QUOTE_MAX + 4];
	const char	*file = strrchr(p->file, '/') != NULL ?
			    strrchr(p->file, '/') + 1 : p->file;

	if (tenant_shaped(rv, sa))
		snprintf(buf, len, " (a Flux tenant? add \"%s\" to "
		    "spec.allow.fluxTenants in policies/%s)",
		    rule_quote(q, sizeof(q), strchr(sa, ':') + 1), file);
	else
		snprintf(buf, len, " (a controller? add \"%s\" to "
		    "spec.allow.serviceAccounts in policies/%s)",
		    rule_quote(q, sizeof(q), sa), file);
}

/*
 * The denial of someone the allow list does not name, into buf: who, what,
 * who manages the object, and for a service account the fix. When all of
 * it does not fit a finding, the owner goes: the fix matters more.
 */
static void
deny_text(const struct policy *p, const struct review *rv, int listed,
    char *buf, size_t len)
{
	char		 user[RULE_QUOTE_MAX + 4], what[160];
	char		 owner[RULE_OWNER_TEXT_MAX], hint[RULE_TEXT_MAX];
	const char	*sa = kube_serviceaccount(rv->username);
	int		 n;

	rule_describe(rv, what, sizeof(what));
	if (listed) {
		snprintf(buf, len, "service account \"%s\" lacks a bound-token "
		    "credential (impersonated?) and may not %s %s",
		    rule_quote(user, sizeof(user), sa), verb_of(rv), what);
		return;
	}
	hint[0] = '\0';
	if (sa != NULL && p->file != NULL)
		sa_hint(p, rv, sa, hint, sizeof(hint));
	rule_quote(user, sizeof(user), rv->username[0] != '\0' ?
	    rv->username : "(anonymous)");
	n = snprintf(buf, len, "user \"%s\" may not %s %s%s%s", user,
	    verb_of(rv), what, rule_owner_note(rv, owner, sizeof(owner)),
	    hint);
	if (n >= 0 && (size_t)n >= len && hint[0] != '\0')
		snprintf(buf, len, "user \"%s\" may not %s %s%s", user,
		    verb_of(rv), what, hint);
}

/* Who reconciles rv's object back to Git, by its labels. */
enum reconciler {
	RECONCILER_NONE = 0,	/* not in Git, or not said (Flagger's copies) */
	RECONCILER_FLUX,
	RECONCILER_ARGOCD
};

static enum reconciler
reconciler_of(const cJSON *obj)
{
	char	owner[RULE_OWNER_TEXT_MAX];

	if (!rule_owner_name(obj, owner, sizeof(owner)))
		return RECONCILER_NONE;
	if (strncmp(owner, "Argo CD", 7) == 0)
		return RECONCILER_ARGOCD;
	return RECONCILER_FLUX;	/* a Kustomization or a HelmRelease */
}

/*
 * A restart's warning: Flux keeps only the changes of its own client-side
 * field manager (its FAQ) and reverts restartedAt; Argo CD shows the
 * difference and, with self-heal, reverts it. Nothing for an object no
 * reconciler owns (Flagger's -primary copies).
 */
static void
restart_warning(const struct review *rv, struct rule_result *r)
{
	switch (reconciler_of(rv->object)) {
	case RECONCILER_FLUX:
		if (strcmp(review_field_manager(rv), "flux-client-side-apply")
		    != 0)
			rule_result_add(r, RULE_WARN, "rollout restart "
			    "allowed; Flux reverts restartedAt at its next "
			    "reconcile and the pods roll again");
		break;
	case RECONCILER_ARGOCD:
		rule_result_add(r, RULE_WARN, "rollout restart allowed; Argo "
		    "CD shows restartedAt as drift (self-heal reverts it)");
		break;
	case RECONCILER_NONE:
		break;
	}
}

/* Break-glass is loud: what happens to the change, in one line. */
static void
break_glass_warning(const struct review *rv, struct rule_result *r)
{
	char		 user[RULE_QUOTE_MAX + 4], err[128];
	const cJSON	*obj = rv->object;

	rule_quote(user, sizeof(user), rv->username);
	if (strcmp(rv->subresource, "ephemeralcontainers") == 0) {
		rule_result_add(r, RULE_WARN, "break-glass by \"%s\": kubectl "
		    "debug; the container stays until the Pod is replaced",
		    user);
		return;
	}
	if (rv->op == KUBE_OP_DELETE)
		(void)review_old_object(rv, &obj, err, sizeof(err));
	switch (reconciler_of(obj)) {
	case RECONCILER_FLUX:
		rule_result_add(r, RULE_WARN, "break-glass by \"%s\": Flux "
		    "reverts this unless it is committed to Git", user);
		break;
	case RECONCILER_ARGOCD:
		rule_result_add(r, RULE_WARN, "break-glass by \"%s\": Argo CD "
		    "shows this as drift (self-heal reverts it) unless it is "
		    "committed to Git", user);
		break;
	case RECONCILER_NONE:
		rule_result_add(r, RULE_WARN, "break-glass by \"%s\": this "
		    "change is not in Git", user);
		break;
	}
}

/* 1 (allowed: a warning added if due), 0 (not safe), -1 (error added). */
static int
safe_operation(const struct rule_actor *a, const struct review *rv,
    struct rule_result *r)
{
	char	err[128];
	int	rc = 0;

	if (a->allow_owned_pod_delete &&
	    (rc = actor_owned_pod_delete(rv, err, sizeof(err))) == 1)
		return 1;
	if (rc == 0 && a->allow_rollout_restart &&
	    (rc = actor_rollout_restart(rv, err, sizeof(err))) == 1) {
		restart_warning(rv, r);
		return 1;
	}
	if (rc == 0 && a->allow_reconcile_request &&
	    (rc = actor_reconcile_request(rv, err, sizeof(err))) == 1)
		return 1;
	if (rc == 0 && (rc = actor_status_write(rv, err, sizeof(err))) == 1)
		return 1;
	if (rc == -1)
		rule_result_add(r, RULE_ERROR, "%s", err);
	return rc;
}

static void
actor_eval(const struct policy *p, const struct review *rv,
    struct rule_result *r)
{
	const struct rule_actor	*a = RULE_ACTOR(p);
	enum actor_tenant	 t = ACTOR_NOT_TENANT;
	char			 deny[RULE_TEXT_MAX], why[RULE_TEXT_MAX / 2];
	char			 user[RULE_QUOTE_MAX + 4], what[160];
	int			 listed;

	rule_result_init(r);
	listed = actor_allowed(a, rv);
	if (listed && (!a->require_bound_token ||
	    kube_serviceaccount(rv->username) == NULL ||
	    bound_token(rv->extra)))
		return;
	/* The slow path; the denial text is written only when it is due. */
	if (!listed && (t = actor_tenant_check(a, rv, why, sizeof(why))) ==
	    ACTOR_TENANT_OK)
		return;
	if (t == ACTOR_TENANT_ERROR) {
		rule_result_add(r, RULE_ERROR, "%s", why);
		return;
	}
	if (safe_operation(a, rv, r) != 0)
		return;
	if ((rv->username[0] != '\0' && rule_glob_any(&a->break_glass_users,
	    rv->username)) || glob_any_group(&a->break_glass_groups,
	    rv->groups)) {
		r->break_glass = 1;
		break_glass_warning(rv, r);
		return;
	}
	if (t == ACTOR_TENANT_DENY)
		snprintf(deny, sizeof(deny), "tenant \"%s\" may not %s %s: %s",
		    rule_quote(user, sizeof(user),
		    kube_serviceaccount(rv->username)), verb_of(rv),
		    rule_describe(rv, what, sizeof(what)), why);
	else
		deny_text(p, rv, listed, deny, sizeof(deny));
	if (rv->dry_run && a->dry_run_warn)
		rule_result_add(r, RULE_WARN, "dry run; the real write is "
		    "denied: %s", deny);
	else
		rule_result_add(r, RULE_FAIL, "%s", deny);
}

/*
 * The spec: allow (users, groups, service accounts, fluxTenants),
 * allowScale (the same identities, for the scale subresource only),
 * breakGlass, dryRun, allowRolloutRestart, allowOwnedPodDelete,
 * requireBoundToken.
 */

static const struct policy_schema_key allow_keys[] = {
	{ "users", policy_schema_globs, offsetof(struct rule_actor, users),
	    0 },
	{ "groups", policy_schema_globs, offsetof(struct rule_actor, groups),
	    0 },
	{ "serviceAccounts", policy_schema_service_accounts,
	    offsetof(struct rule_actor, service_accounts), 0 },
	{ "fluxTenants", policy_schema_globs,
	    offsetof(struct rule_actor, flux_tenants), 0 },
	{ "from", actor_f_allow_from, 0, 0 },
	{ NULL, NULL, 0, 0 }
};

static void
f_allow(struct policy_schema_walk *w, yaml_node_t *n, const char *path,
    void *dst)
{
	struct rule_actor	*a = dst;
	size_t			 errors = w->d->errors;

	policy_schema_map(w, n, path, allow_keys, a);
	if (w->d->errors == errors && a->users.n + a->groups.n +
	    a->service_accounts.n + a->flux_tenants.n == 0 &&
	    a->allow_from == NULL)
		SCHEMA_ERR(w, n, path, "allows nobody (list at least one "
		    "user, group or service account)");
}

static const struct policy_schema_key scale_keys[] = {
	{ "users", policy_schema_globs,
	    offsetof(struct rule_actor, scale_users), 0 },
	{ "groups", policy_schema_globs,
	    offsetof(struct rule_actor, scale_groups), 0 },
	{ "serviceAccounts", policy_schema_service_accounts,
	    offsetof(struct rule_actor, scale_service_accounts), 0 },
	{ NULL, NULL, 0, 0 }
};

static void
f_allow_scale(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	policy_schema_map(w, n, path, scale_keys, dst);
}

static const struct policy_schema_key break_glass_keys[] = {
	{ "users", policy_schema_globs,
	    offsetof(struct rule_actor, break_glass_users), 0 },
	{ "groups", policy_schema_globs,
	    offsetof(struct rule_actor, break_glass_groups), 0 },
	{ NULL, NULL, 0, 0 }
};

static void
f_break_glass(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	policy_schema_map(w, n, path, break_glass_keys, dst);
}

static void
f_dry_run(struct policy_schema_walk *w, yaml_node_t *n, const char *path,
    void *dst)
{
	const char	*s = policy_schema_get_string(w, n, path);

	if (s == NULL)
		return;
	if (strcmp(s, "warn") == 0)
		*(int *)dst = 1;
	else if (strcmp(s, "deny") == 0)
		*(int *)dst = 0;
	else
		SCHEMA_ERR(w, n, path, "invalid dryRun \"%s\" (expected warn "
		    "or deny)", s);
}

static const struct policy_schema_key actor_keys[] = {
	{ "allow", f_allow, 0, 1 },
	{ "allowScale", f_allow_scale, 0, 0 },
	{ "breakGlass", f_break_glass, 0, 0 },
	{ "dryRun", f_dry_run, offsetof(struct rule_actor, dry_run_warn), 0 },
	{ "allowRolloutRestart", policy_schema_bool,
	    offsetof(struct rule_actor, allow_rollout_restart), 0 },
	{ "allowOwnedPodDelete", policy_schema_bool,
	    offsetof(struct rule_actor, allow_owned_pod_delete), 0 },
	{ "allowReconcileRequest", policy_schema_bool,
	    offsetof(struct rule_actor, allow_reconcile_request), 0 },
	{ "requireBoundToken", policy_schema_bool,
	    offsetof(struct rule_actor, require_bound_token), 0 },
	{ NULL, NULL, 0, 0 }
};

static void
actor_init(void *params)
{
	struct rule_actor	*a = params;

	a->dry_run_warn = 1;
	a->allow_rollout_restart = 1;
	a->allow_owned_pod_delete = 1;
	a->allow_reconcile_request = 1;
}

static void
actor_free(void *params)
{
	struct rule_actor	*a = params;

	strlist_free(&a->users);
	strlist_free(&a->groups);
	strlist_free(&a->service_accounts);
	strlist_free(&a->flux_tenants);
	strlist_free(&a->scale_users);
	strlist_free(&a->scale_groups);
	strlist_free(&a->scale_service_accounts);
	strlist_free(&a->break_glass_users);
	strlist_free(&a->break_glass_groups);
	free(a->allow_from);
}

/*
 * `gitgate check` acts as the first service account (as
 * "system:serviceaccount:NS:NAME") or else the first user without glob
 * characters; NULL when there is none or it does not fit.
 */
static const char *
actor_identity(const struct policy *p, char *buf, size_t buflen)
{
	const struct rule_actor	*a = RULE_ACTOR(p);
	size_t			 i;
	int			 len;

	for (i = 0; i < a->service_accounts.n; i++)
		if (strpbrk(a->service_accounts.v[i], "*?") == NULL) {
			len = snprintf(buf, buflen, "system:serviceaccount:%s",
			    a->service_accounts.v[i]);
			return len >= 0 && (size_t)len < buflen ? buf : NULL;
		}
	for (i = 0; i < a->users.n; i++)
		if (strpbrk(a->users.v[i], "*?") == NULL) {
			len = snprintf(buf, buflen, "%s", a->users.v[i]);
			return len >= 0 && (size_t)len < buflen ? buf : NULL;
		}
	return NULL;
}

/* kubectl scale and kubectl debug write through subresources. */
static const char *const actor_subresources[] = { "", "scale",
	"ephemeralcontainers", NULL };

const struct policy_kind rule_actor_kind = {
	.name = "ActorPolicy",
	.rule = "actor",
	.params_size = sizeof(struct rule_actor),
	.keys = actor_keys,
	.default_ops = KUBE_OP_CREATE | KUBE_OP_UPDATE | KUBE_OP_DELETE,
	.default_subresources = actor_subresources,
	.podspec_only = 0,
	.init = actor_init,
	.eval = actor_eval,
	.free = actor_free,
	.identity = actor_identity,
	.marker = NULL,
	.link = actor_link,
};
