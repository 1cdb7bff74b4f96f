/*
 * match.c - PCRE2 (8-bit, UTF) under match, depth and heap limits, JIT when
 * the library has it, and an iterative shell glob. A limit hit is
 * MATCH_ERROR, never MATCH_NO: the caller decides what an error becomes.
 * No pattern semantics beyond PCRE2's; no caching of compiled patterns.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "base/match.h"

#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Adversarial subject length. Backtracking that runs away hits the match
 * limit within a few hundred bytes; the length only has to outgrow that.
 * Longer costs load time: an unanchored pattern is tried from every start
 * offset, and one that scans to the end each time is quadratic (30000
 * bytes took 3 s per probe, up to 36 probes: a policy load stalled).
 */
#define PROBE_LEN	4000
#define PROBE_CHARS	12	/* distinct pattern characters probed */
#define SUBJECT_PAD	64	/* zero bytes after a subject copy */

struct match_regex {
	pcre2_code	*code;
	char		*pattern;
};

/*
 * Per-thread match data and match context, made on a thread's first match
 * and freed by the pthread key destructor when the thread exits (threads
 * that never exit, like main, keep theirs until process exit). Subjects
 * are matched from a copy followed by zero bytes: PCRE2's JIT loads whole
 * words and may look at bytes past the end of the subject, which then
 * have a defined value (and memcheck has nothing to report).
 */
struct match_tls {
	pcre2_match_data	*md;
	pcre2_match_context	*mctx;
	char			 subject[MATCH_SUBJECT_MAX + SUBJECT_PAD];
};

static _Thread_local struct match_tls	*tls;
static pthread_key_t			 tls_key;
static pthread_once_t			 tls_once = PTHREAD_ONCE_INIT;

static void
tls_destroy(void *arg)
{
	struct match_tls	*t = arg;

	if (t == NULL)
		return;
	pcre2_match_data_free(t->md);
	pcre2_match_context_free(t->mctx);
	free(t);
}

static void
tls_key_create(void)
{
	(void)pthread_key_create(&tls_key, tls_destroy);
}

static struct match_tls *
tls_get(void)
{
	struct match_tls	*t;

	if (tls != NULL)
		return tls;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->md = pcre2_match_data_create(1, NULL);
	t->mctx = pcre2_match_context_create(NULL);
	if (t->md == NULL || t->mctx == NULL) {
		tls_destroy(t);
		return NULL;
	}
	pcre2_set_match_limit(t->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(t->mctx, MATCH_DEPTH_LIMIT);
	pcre2_set_heap_limit(t->mctx, MATCH_HEAP_LIMIT_KIB);
	(void)pthread_once(&tls_once, tls_key_create);
	(void)pthread_setspecific(tls_key, t);
	tls = t;
	return t;
}

struct match_regex *
match_regex_new(const char *pattern, char *err, size_t errlen)
{
	struct match_regex	*re = NULL;
	PCRE2_UCHAR		 msg[256];
	PCRE2_SIZE		 off = 0;
	size_t			 len = strlen(pattern);
	int			 code = 0;

	if (len > MATCH_PATTERN_MAX) {
		snprintf(err, errlen, "offset %d: pattern too long "
		    "(%zu bytes, limit %d)", MATCH_PATTERN_MAX, len,
		    MATCH_PATTERN_MAX);
		return NULL;
	}
	if ((re = calloc(1, sizeof(*re))) == NULL ||
	    (re->pattern = strdup(pattern)) == NULL) {
		snprintf(err, errlen, "offset 0: out of memory");
		goto fail;
	}
	re->code = pcre2_compile((PCRE2_SPTR)pattern, len,
	    PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C, &code, &off, NULL);
	if (re->code == NULL) {
		if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "error %d", code);
		snprintf(err, errlen, "offset %zu: %s", (size_t)off,
		    (const char *)msg);
		goto fail;
	}
	/* Without JIT (unsupported platform) the interpreter is used. */
	(void)pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
	return re;
fail:
	match_regex_free(re);
	return NULL;
}

void
match_regex_free(struct match_regex *re)
{
	if (re == NULL)
		return;
	pcre2_code_free(re->code);
	free(re->pattern);
	free(re);
}

void
match_regex_list_free(struct match_regex **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		match_regex_free(v[i]);
	free(v);
}

const char *
match_regex_pattern(const struct match_regex *re)
{
	return re->pattern;
}

static int
match_is_limit(int rc)
{
	return rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT;
}

/*
 * Raw pcre2_match result under the limits, on a padded copy of subject
 * (len <= MATCH_SUBJECT_MAX); -1000 when setup failed.
 */
static int
match_run(const struct match_regex *re, const char *subject, size_t len)
{
	struct match_tls	*t;

	if ((t = tls_get()) == NULL || len > MATCH_SUBJECT_MAX)
		return -1000;
	memcpy(t->subject, subject, len);
	memset(t->subject + len, 0, SUBJECT_PAD);
	return pcre2_match(re->code, (PCRE2_SPTR)t->subject, len, 0, 0, t->md,
	    t->mctx);
}

enum match_result
match_regex(const struct match_regex *re, const char *subject, size_t len,
    char *err, size_t errlen)
{
	PCRE2_UCHAR	msg[128];
	int		rc;

	if (len > MATCH_SUBJECT_MAX) {
		snprintf(err, errlen, "subject too long (%zu bytes, limit %d)",
		    len, MATCH_SUBJECT_MAX);
		return MATCH_ERROR;
	}
	rc = match_run(re, subject, len);
	/* 0: matched, ovector too small for the groups; still a match. */
	if (rc >= 0)
		return MATCH_YES;
	if (rc == PCRE2_ERROR_NOMATCH)
		return MATCH_NO;
	if (match_is_limit(rc))
		snprintf(err, errlen, "regex match limit exceeded");
	else if (rc == -1000)
		snprintf(err, errlen, "out of memory");
	else if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21)
		snprintf(err, errlen, "subject is not valid UTF-8");
	else if (pcre2_get_error_message(rc, msg, sizeof(msg)) >= 0)
		snprintf(err, errlen, "regex error: %s", (const char *)msg);
	else
		snprintf(err, errlen, "regex error %d", rc);
	return MATCH_ERROR;
}

/*
 * 1 if re hits a limit on c repeated PROBE_LEN times, then tail (the
 * pattern's literal characters, so a "required character" optimisation
 * cannot reject the subject early), then a character that fails.
 */
static int
probe(const struct match_regex *re, char *buf, char c, const char *tail,
    size_t tlen, char end)
{
	memset(buf, c, PROBE_LEN);
	memcpy(buf + PROBE_LEN, tail, tlen);
	buf[PROBE_LEN + tlen] = end;
	return match_is_limit(match_run(re, buf, PROBE_LEN + tlen + 1));
}

int
match_regex_is_pathological(const struct match_regex *re)
{
	char		 chars[PROBE_CHARS + 2];
	const char	*p;
	char		*buf;
	size_t		 n = 0, i;
	int		 bad = 0;

	if ((buf = malloc(PROBE_LEN + sizeof(chars) + 1)) == NULL)
		return 0;
	chars[n++] = 'a';
	chars[n++] = '0';
	/* Literal-looking characters of the pattern, as a repeated run. */
	for (p = re->pattern; *p != '\0' && n < sizeof(chars); p++) {
		if (strchr("\\()[]{}|*+?^$", *p) != NULL ||
		    (unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e ||
		    memchr(chars, *p, n) != NULL)
			continue;
		chars[n++] = *p;
	}
	for (i = 0; i < n && !bad; i++)
		bad = probe(re, buf, chars[i], "", 0, '!') ||
		    probe(re, buf, chars[i], "", 0, '\001') ||
		    probe(re, buf, chars[i], chars + 2, n - 2, '\001');
	free(buf);
	return bad;
}

static int
same_byte(char a, char b, int nocase)
{
	if (nocase && a >= 'A' && a <= 'Z')
		a = (char)(a - 'A' + 'a');
	if (nocase && b >= 'A' && b <= 'Z')
		b = (char)(b - 'A' + 'a');
	return a == b;
}

static int
glob(const char *pattern, const char *s, int nocase)
{
	const char	*p = pattern, *star = NULL, *mark = NULL;

	while (*s != '\0') {
		if (*p == '*') {
			star = p++;
			mark = s;
		} else if (*p != '\0' && (*p == '?' ||
		    same_byte(*p, *s, nocase))) {
			p++;
			s++;
		} else if (star != NULL) {
			/* Let the last '*' swallow one more byte; retry. */
			p = star + 1;
			s = ++mark;
		} else {
			return 0;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

int
match_glob(const char *pattern, const char *s)
{
	return glob(pattern, s, 0);
}

int
match_glob_nocase(const char *pattern, const char *s)
{
	return glob(pattern, s, 1);
}
