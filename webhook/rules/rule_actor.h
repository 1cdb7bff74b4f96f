/*
 * rule_actor.h - the actor rule's parameters (ActorPolicy spec: who may
 * write) and its kind, for rules.c's table and the unit tests that build
 * one by hand.
 */
#ifndef GITGATE_RULE_ACTOR_H
#define GITGATE_RULE_ACTOR_H

#include "rules/rule.h"

/*
 * Identities allowed to write; everything is a glob. With
 * require_bound_token, a service-account username is allowed only when
 * userInfo.extra shows a bound token (not an impersonation).
 */
struct rule_actor {
	struct strlist	users;			/* on userInfo.username */
	struct strlist	groups;			/* on each userInfo.groups[] */
	struct strlist	service_accounts;	/* on "NS:NAME" */
	int		require_bound_token;	/* default 0 */
};

extern const struct policy_kind rule_actor_kind;	/* kind: ActorPolicy */

/* p's parameters; p must be of rule_actor_kind. */
#define RULE_ACTOR(p)	((struct rule_actor *)(p)->params)

#endif
