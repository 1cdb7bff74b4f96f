/*
 * test_json_scan.c - webhook/json_scan.c: which values are skipped (only
 * request.oldObject and request.object.metadata.managedFields, and only at
 * those paths), what compaction leaves, and the refusals.
 */
#include <stdlib.h>
#include <string.h>

#include "json_scan.h"
#include "unit.h"

static const struct {
	const char	*in;
	const char	*compact;	/* NULL: error expected */
	const char	*err;
} cases[] = {
	{ "{\"request\":{\"uid\":\"1\",\"oldObject\":{\"a\":[1,2]}}}",
	  "{\"request\":{\"uid\":\"1\",\"oldObject\":null}}", NULL },
	{ "{\"request\":{\"object\":{\"metadata\":{\"name\":\"x\","
	  "\"managedFields\":[{\"m\":1}]},\"spec\":{}},\"oldObject\":{\"b\":2}}}",
	  "{\"request\":{\"object\":{\"metadata\":{\"name\":\"x\","
	  "\"managedFields\":null},\"spec\":{}},\"oldObject\":null}}", NULL },
	/* same key names elsewhere: kept */
	{ "{\"oldObject\":{\"a\":1},\"request\":{\"object\":{\"oldObject\":"
	  "{\"a\":1}}}}",
	  "{\"oldObject\":{\"a\":1},\"request\":{\"object\":{\"oldObject\":"
	  "{\"a\":1}}}}", NULL },
	/* a value that merely looks like the key */
	{ "{\"request\":{\"x\":\"oldObject\",\"y\":{\"k\":1}}}",
	  "{\"request\":{\"x\":\"oldObject\",\"y\":{\"k\":1}}}", NULL },
	/* escaped quotes and brackets inside strings do not confuse it */
	{ "{\"request\":{\"oldObject\":{\"s\":\"}\\\"{[\"},\"uid\":\"u\"}}",
	  "{\"request\":{\"oldObject\":null,\"uid\":\"u\"}}", NULL },
	/* null oldObject (CREATE): nothing to skip */
	{ "{\"request\":{\"oldObject\":null}}",
	  "{\"request\":{\"oldObject\":null}}", NULL },
	{ "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
	  NULL, "JSON nested deeper than 64 at byte 64" },
	{ "{\"a\":\"\\u0000\"}", NULL, "\\u0000 in a JSON string at byte 6" },
	{ "{\"a\":\"x\ty\"}", NULL, "control character in a JSON string at "
	  "byte 7" },
	{ "{\"a\":\"\xc3(\"}", NULL, "invalid UTF-8 at byte 6" },
	{ "{\"a\":\"\xed\xa0\x80\"}", NULL, "invalid UTF-8 at byte 6" },
	{ "{\"a\":\"caf\xc3\xa9\"}", "{\"a\":\"caf\xc3\xa9\"}", NULL },
};

int
main(void)
{
	struct json_scan	scan;
	char			err[128], *dst;
	size_t			i, len, n;
	int			rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = strlen(cases[i].in);
		err[0] = '\0';
		rc = json_scan(cases[i].in, len, 64, &scan, err, sizeof(err));
		if (cases[i].compact == NULL) {
			CHECK_INT(rc, -1);
			CHECK_STR(err, cases[i].err);
			continue;
		}
		CHECK_INT(rc, 0);
		if (rc != 0 || (dst = malloc(len + 1)) == NULL)
			continue;
		n = json_scan_compact(cases[i].in, len, &scan, dst);
		dst[n] = '\0';
		CHECK_STR(dst, cases[i].compact);
		free(dst);
	}
	return unit_done("json_scan");
}
