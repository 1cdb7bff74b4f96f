/*
 * rules.c - the table of policy kinds. A new rule is a rules/rule_X.c
 * that defines its struct policy_kind, and one line here.
 */
#include "rules/rules.h"

#include <stddef.h>

#include "rules/rule_actor.h"
#include "rules/rule_flux_source.h"
#include "rules/rule_image.h"
#include "rules/rule_source.h"

const struct policy_kind *const rules_kinds[] = {
	&rule_image_kind,
	&rule_source_kind,
	&rule_actor_kind,
	&rule_flux_source_kind,
	NULL
};
