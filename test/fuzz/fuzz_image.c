/*
 * fuzz_image.c - libFuzzer harness for image_parse and image_format: any
 * bytes, cut to IMAGE_REF_MAX + 1 so the length limit is exercised too.
 * A parsed reference must format and parse back to the same fields.
 */
#include "base/image.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char in[IMAGE_REF_MAX + 2], out[IMAGE_REF_MAX + 64];
	struct image_ref ref, again;
	char err[128];

	if (size > IMAGE_REF_MAX + 1)
		size = IMAGE_REF_MAX + 1;
	memcpy(in, data, size);
	in[size] = '\0';
	if (image_parse(in, &ref, err, sizeof(err)) == 0) {
		image_format(&ref, out, sizeof(out));
		if (image_parse(out, &again, err, sizeof(err)) != 0 ||
		    strcmp(again.domain, ref.domain) != 0 ||
		    strcmp(again.path, ref.path) != 0 ||
		    strcmp(again.tag, ref.tag) != 0 ||
		    strcmp(again.digest, ref.digest) != 0)
			abort();
	}
	return 0;
}
