/*
 * fuzz_policy.c - libFuzzer harness for policy_set_load_buffer(): any bytes
 * must load or fail with at least one error, never both, within the limits,
 * without leaks or undefined behaviour. Seed it from policies/ and
 * test/data/policies-good, test/data/policies-bad.
 */
#include "policy/policy_set.h"
#include "rules/rules.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_set	*set;
	struct diag		 d;

	diag_init(&d);
	set = policy_set_load_buffer("fuzz.yaml", (const char *)data, size,
	    rules_kinds, &d);
	if ((set == NULL) != (d.errors > 0))
		abort();
	policy_set_unref(set);
	diag_free(&d);
	return 0;
}
