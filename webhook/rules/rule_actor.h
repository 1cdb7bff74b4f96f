/*
 * rule_actor.h - the actor rule's parameters (ActorPolicy spec: who may
 * write) and its kind, for rules.c's table and the unit tests that build
 * one by hand.
 */
#ifndef GITGATE_RULE_ACTOR_H
#define GITGATE_RULE_ACTOR_H

#include "rules/rule.h"
#include "policy/policy_schema.h"

/*
 * Identities allowed to write; everything is a glob. With
 * require_bound_token, a service-account username is allowed only when
 * userInfo.extra shows a bound token (not an impersonation). The ints
 * below require_bound_token default to 1 in a loaded policy (0 in a
 * zeroed struct: the strict answer).
 */
struct rule_actor {
	struct strlist	users;			/* on userInfo.username */
	struct strlist	groups;			/* on each userInfo.groups[] */
	struct strlist	service_accounts;	/* on "NS:NAME" */
	struct strlist	flux_tenants;		/* on NAME of "NS:NAME" */
	struct strlist	scale_users;		/* allowScale: the scale */
	struct strlist	scale_groups;		/* subresource only */
	struct strlist	scale_service_accounts;
	struct strlist	break_glass_users;	/* lift this rule, loudly */
	struct strlist	break_glass_groups;
	int		require_bound_token;	/* default 0 */
	int		dry_run_warn;		/* dryRun: warn (default) */
	int		allow_rollout_restart;
	int		allow_owned_pod_delete;
	int		allow_reconcile_request;
	char		*allow_from;		/* allow.from: a policy name */
	int		allow_from_line;	/* of allow.from, for errors */
	int		allow_from_col;
};

extern const struct policy_kind rule_actor_kind;	/* kind: ActorPolicy */

/* p's parameters; p must be of rule_actor_kind. */
#define RULE_ACTOR(p)	((struct rule_actor *)(p)->params)

/* rule_actor_ops.c: the slow path, for requests the allow list misses. */

enum actor_tenant {
	ACTOR_NOT_TENANT = 0,	/* fluxTenants does not name the writer */
	ACTOR_TENANT_OK,	/* every object is labelled with its namespace */
	ACTOR_TENANT_DENY,	/* why says whose the object is */
	ACTOR_TENANT_ERROR	/* oldObject unreadable: why says so */
};

/*
 * A service account NS:NAME whose NAME matches a->flux_tenants may write
 * an object labelled kustomize.toolkit.fluxcd.io/namespace (or helm's)
 * NS: the new object for CREATE, the stored one for DELETE, both for
 * UPDATE.
 */
enum actor_tenant actor_tenant_check(const struct rule_actor *a,
	    const struct review *rv, char *why, size_t whylen);
/*
 * 1 if rv is a `kubectl rollout restart` (an UPDATE of a Deployment,
 * StatefulSet or DaemonSet that changes nothing but the pod template's
 * restartedAt), 0 if not, -1 with err when oldObject cannot be read.
 */
int	actor_rollout_restart(const struct review *rv, char *err,
	    size_t errlen);
/* rule_actor_from.c: allow.from, the field and its resolution. */
void	actor_f_allow_from(struct policy_schema_walk *w, yaml_node_t *n,
	    const char *path, void *dst);
int	actor_link(struct policy *p, const struct policy_set *set,
	    struct diag *d);

/*
 * 1 if rv is `flux reconcile` on a Flux object (an UPDATE that changes
 * only the reconcile.fluxcd.io/requestedAt, forceAt, resetAt
 * annotations); 0; -1 (oldObject unreadable: err says so).
 */
int	actor_reconcile_request(const struct review *rv, char *err,
	    size_t errlen);
/*
 * 1 if rv is an UPDATE of the status subresource that leaves metadata
 * (labels, annotations, finalizers, owners) as stored; 0; -1 (err).
 */
int	actor_status_write(const struct review *rv, char *err,
	    size_t errlen);
/* 1 if rv deletes a Pod with a controller ownerReference; 0; -1 (err). */
int	actor_owned_pod_delete(const struct review *rv, char *err,
	    size_t errlen);

#endif
