/*
 * json_scan.h - one linear pass over an AdmissionReview body before any
 * tree is built: bounds nesting, refuses bytes that are not UTF-8, raw
 * control characters and \u0000 in strings, and finds the values no rule
 * reads (request.oldObject, request.object.metadata.managedFields) so the
 * parser can skip them: half the bytes of a typical UPDATE.
 */
#ifndef GITGATE_JSON_SCAN_H
#define GITGATE_JSON_SCAN_H

#include <stddef.h>

#define JSON_SCAN_SKIPS_MAX	2

struct json_scan_span {
	size_t	start;		/* offset of the value's '{' or '[' */
	size_t	end;		/* offset just past its closing bracket */
};

struct json_scan {
	struct json_scan_span	skip[JSON_SCAN_SKIPS_MAX];	/* in order */
	size_t			n_skip;
};

/*
 * Scan len bytes of b. Returns 0 with the skippable spans in *out, or -1
 * with the reason in err ("JSON nested deeper than 64 at byte 812").
 * Syntax beyond nesting is left to the parser.
 */
int	json_scan(const char *b, size_t len, unsigned max_depth,
	    struct json_scan *out, char *err, size_t errlen);

/*
 * The body with every span replaced by "null", into dst (at least len
 * bytes). Returns the new length.
 */
size_t	json_scan_compact(const char *b, size_t len,
	    const struct json_scan *scan, char *dst);

#endif
