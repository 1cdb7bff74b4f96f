/*
 * policy_set.h - load a policy set: every policy file of a directory (or
 * one buffer), parsed with libyaml, checked against the schema of the
 * kinds the caller passes, regexes compiled, then frozen (policy.h).
 */
#ifndef GITGATE_POLICY_SET_H
#define GITGATE_POLICY_SET_H

#include <stddef.h>

#include "base/diag.h"
#include "policy/policy.h"

/*
 * Load every *.yaml / *.yml file directly in dir (names starting with '.'
 * are skipped, as are kubelet's "..data" entries and subdirectories;
 * symlinks are followed), knowing the policy kinds of kinds (a
 * NULL-terminated list, borrowed for the set's life: rules/rules.h has
 * gitgate's). Every problem goes into d as "file:line:col: message";
 * warnings (e.g. a regex that backtracks catastrophically) do not fail
 * the load. Returns a set with refs = 1, or NULL if d holds any error.
 */
struct policy_set *policy_set_load(const char *dir,
	    const struct policy_kind *const *kinds, struct diag *d);

/* Same, from one buffer; name is used in diagnostics. For tests/fuzzing. */
struct policy_set *policy_set_load_buffer(const char *name, const char *buf,
	    size_t len, const struct policy_kind *const *kinds, struct diag *d);

#endif
