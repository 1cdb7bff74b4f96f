/*
 * rules.h - every kind of policy gitgate knows, for the policy loader
 * (policy_set_load takes this list) and for whoever needs to name them.
 */
#ifndef GITGATE_RULES_H
#define GITGATE_RULES_H

#include "policy/policy.h"

/* NULL-terminated, in the order "unknown kind" messages list them. */
extern const struct policy_kind *const rules_kinds[];

#endif
