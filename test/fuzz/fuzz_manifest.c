/*
 * fuzz_manifest.c - libFuzzer harness for manifest_decode(): any bytes,
 * YAML or JSON, must decode or fail with a diagnostic, within the limits,
 * without leaks or undefined behaviour. Seed it from test/data/manifests.
 */
#include <stddef.h>
#include <stdint.h>

#include "wire/manifest.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct manifest	m;
	struct diag	d;

	diag_init(&d);
	if (manifest_decode("fuzz", (const char *)data, size, &m, &d) == 0)
		manifest_free(&m);
	diag_free(&d);
	return 0;
}
