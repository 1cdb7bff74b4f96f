/*
 * match.h - bounded pattern matching: PCRE2 regular expressions compiled
 * once (JIT when available) and matched under match/depth/heap limits, and
 * shell-style globs. A pattern that cannot decide (limit hit) says so:
 * callers must treat MATCH_ERROR as "cannot decide", never as a match.
 */
#ifndef GITGATE_MATCH_H
#define GITGATE_MATCH_H

#include <stddef.h>

#define MATCH_PATTERN_MAX	1024		/* bytes of one regex */
#define MATCH_LIMIT		100000		/* pcre2_set_match_limit */
#define MATCH_DEPTH_LIMIT	1000		/* pcre2_set_depth_limit */
#define MATCH_HEAP_LIMIT_KIB	1024		/* pcre2_set_heap_limit */
#define MATCH_SUBJECT_MAX	(64 * 1024)	/* longer subjects: error */

enum match_result {
	MATCH_ERROR = -1,
	MATCH_NO = 0,
	MATCH_YES = 1
};

struct match_regex;	/* opaque; immutable once compiled, thread-safe */

/*
 * Compile pattern (UTF-8, PCRE2 syntax, unanchored unless the pattern
 * anchors itself). Returns NULL with "offset N: reason" in err.
 * Caller frees with match_regex_free().
 */
struct match_regex *match_regex_new(const char *pattern, char *err,
	    size_t errlen);
void	match_regex_free(struct match_regex *re);
/* Free n regexes of v, then v. NULL-safe. */
void	match_regex_list_free(struct match_regex **v, size_t n);
/* The source text of the pattern; borrowed until match_regex_free(). */
const char *match_regex_pattern(const struct match_regex *re);

/*
 * Match subject against re. Returns MATCH_YES, MATCH_NO, or MATCH_ERROR
 * with a reason in err (match limit hit, subject too long, bad UTF-8).
 * Allocates nothing after the first call on a thread (match data is cached
 * per thread).
 */
enum match_result match_regex(const struct match_regex *re,
	    const char *subject, size_t len, char *err, size_t errlen);

/*
 * Probe a compiled pattern against adversarial subjects; returns 1 if one
 * of them hits a limit (catastrophic backtracking), 0 otherwise. For lint.
 */
int	match_regex_is_pathological(const struct match_regex *re);

/*
 * Shell glob: '*' matches any run (also empty, also '/' and ':'), '?' one
 * byte, everything else literally. Linear time, no allocation. 1 or 0.
 */
int	match_glob(const char *pattern, const char *s);
/* The same, ASCII letters compared without case ("LATEST" matches "latest"). */
int	match_glob_nocase(const char *pattern, const char *s);

#endif
