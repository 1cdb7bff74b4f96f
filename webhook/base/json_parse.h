/*
 * json_parse.h - the request path's JSON parser. One strict RFC 8259 pass
 * over a body builds a cJSON-shaped tree (rules read it with the cJSON
 * API) whose nodes and strings live in a few blocks the document owns:
 * no allocation per value, one free for the lot. The same pass bounds
 * nesting, refuses bytes that are not UTF-8, raw control characters and
 * \u0000 in strings (a C string would end there), and only checks, never
 * builds, the values at the skip paths (request.oldObject...), which no
 * rule reads.
 *
 * Three readers, each for one job: json_parse for request bodies (the hot
 * path: review.c), cJSON's own parser for manifests (manifest.c, `gitgate
 * check`) and in tests, libyaml for policy files (yaml_doc.c).
 */
#ifndef GITGATE_JSON_PARSE_H
#define GITGATE_JSON_PARSE_H

#include <stddef.h>
#include <cjson/cJSON.h>

#define JSON_PARSE_DEPTH_MAX	1000		/* as cJSON's nesting limit */
#define JSON_PARSE_MEM_MAX	(64u * 1024 * 1024)	/* per document */
#define JSON_PARSE_PAD		16	/* json_parse_in_place: spare bytes */

struct json_block;

#define JSON_SKIP_PATHS_MAX	8
#define JSON_SKIP_DEPTH_MAX	8

/* Where a skipped value lies in the parsed text: at NULL if absent. */
struct json_span {
	const char	*at;
	size_t		 len;
};

struct json_doc {
	cJSON			*root;		/* NULL until parsed */
	struct json_block	*blocks;	/* owned */
	size_t			 mem;		/* bytes of blocks held */
	/*
	 * The text of the first value at each skip path (by index), left as
	 * it was by the parse: in the document's copy, or in the caller's
	 * buffer in place. Valid until json_doc_free(); parse it with
	 * json_parse() when a caller needs it after all.
	 */
	struct json_span	 skipped[JSON_SKIP_PATHS_MAX];
};

/*
 * Key paths through objects whose value is checked like any other but
 * becomes a JSON null in the tree (its text: json_doc.skipped). Compiled
 * once (json_skip_compile), used by every parse; borrows the path strings.
 */
struct json_skip {
	struct {
		const char	*comp[JSON_SKIP_DEPTH_MAX];
		size_t		 len[JSON_SKIP_DEPTH_MAX];
		unsigned	 n;
	}		 path[JSON_SKIP_PATHS_MAX];
	unsigned	 n;
};

struct json_parse_opts {
	unsigned		 max_depth;	/* 0: JSON_PARSE_DEPTH_MAX */
	const struct json_skip	*skip;		/* NULL: none */
	size_t			 max_mem;	/* 0: JSON_PARSE_MEM_MAX */
};

/*
 * Compile NULL-terminated paths, components separated by '/'
 * ("request/oldObject"), into out. Returns 0, or -1 if there are more than
 * JSON_SKIP_PATHS_MAX paths or one is deeper than JSON_SKIP_DEPTH_MAX.
 */
int	json_skip_compile(const char *const *paths, struct json_skip *out);

/*
 * Parse len bytes of b (need not be NUL-terminated) into doc. Returns 0,
 * or -1 with a reason in err naming the byte offset ("malformed JSON near
 * byte 12", "JSON nested deeper than 64 at byte 812", "invalid UTF-8 at
 * byte 7", "\u0000 in a JSON string at byte 6", "control character in a
 * JSON string at byte 9", "malformed JSON: trailing data at byte 40") and
 * nothing left to free. The tree must not be given to cJSON_Delete: free
 * it with json_doc_free().
 */
int	json_parse(const char *b, size_t len, const struct json_parse_opts *o,
	    struct json_doc *doc, char *err, size_t errlen);
/*
 * Same, without the copy: strings are decoded and NUL-terminated inside
 * b, which the tree then points into (keep it until json_doc_free()), and
 * b must have JSON_PARSE_PAD writable bytes after len (overwritten).
 */
int	json_parse_in_place(char *b, size_t len,
	    const struct json_parse_opts *o, struct json_doc *doc, char *err,
	    size_t errlen);
void	json_doc_free(struct json_doc *doc);

#endif
