/*
 * test_match.c - webhook/base/match.c: regex yes/no/error under limits, subject
 * and pattern bounds, the pathological-pattern probe, and a glob table.
 * Run from the repository root.
 */
#include "base/match.h"

#include <stdlib.h>
#include <string.h>

#include "unit.h"

struct regex_case {
	const char		*pattern;
	const char		*subject;
	enum match_result	 want;
};

static const struct regex_case regex_cases[] = {
	{ "^v?(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)"
	  "(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$", "v1.2.3", MATCH_YES },
	{ "^v?(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)"
	  "(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$", "1.25-alpine", MATCH_NO },
	{ "^[0-9a-f]{7,40}$", "3f2a9c1", MATCH_YES },
	{ "^[0-9a-f]{7,40}$", "latest", MATCH_NO },
	{ "abc", "xxabcxx", MATCH_YES },		/* unanchored */
	{ "^abc$", "xxabcxx", MATCH_NO },
	{ "^(https://|ssh://|git@)\\S+$", "https://github.com/o/r", MATCH_YES },
	{ "^(https://|ssh://|git@)\\S+$", "http://x", MATCH_NO },
	{ "^.$", "\xc3\xa9", MATCH_YES },		/* UTF mode: one char */
	{ "(a)(b)(c)(d)", "abcd", MATCH_YES },		/* groups > ovector */
	{ "", "anything", MATCH_YES },
};

static void
test_regex_table(void)
{
	struct match_regex	*re;
	char			 err[128];
	size_t			 i;

	for (i = 0; i < sizeof(regex_cases) / sizeof(regex_cases[0]); i++) {
		re = match_regex_new(regex_cases[i].pattern, err, sizeof(err));
		CHECK(re != NULL);
		if (re == NULL)
			continue;
		CHECK_STR(match_regex_pattern(re), regex_cases[i].pattern);
		CHECK_INT(match_regex(re, regex_cases[i].subject,
		    strlen(regex_cases[i].subject), err, sizeof(err)),
		    regex_cases[i].want);
		CHECK_INT(match_regex_is_pathological(re), 0);
		match_regex_free(re);
	}
}

static void
test_regex_errors(void)
{
	struct match_regex	*re;
	char			 err[128], *big;

	err[0] = '\0';
	CHECK(match_regex_new("a(b", err, sizeof(err)) == NULL);
	CHECK(strncmp(err, "offset 3: ", 10) == 0);
	CHECK(match_regex_new("[z-a]", err, sizeof(err)) == NULL);
	CHECK(strncmp(err, "offset ", 7) == 0);
	CHECK(match_regex_new("\xff", err, sizeof(err)) == NULL);

	big = malloc(MATCH_SUBJECT_MAX + 2);
	CHECK(big != NULL);
	if (big == NULL)
		return;
	memset(big, 'a', MATCH_SUBJECT_MAX + 1);
	big[MATCH_SUBJECT_MAX + 1] = '\0';
	CHECK(match_regex_new(big + MATCH_SUBJECT_MAX - MATCH_PATTERN_MAX,
	    err, sizeof(err)) == NULL);
	CHECK(strstr(err, "too long") != NULL);

	/* Catastrophic backtracking hits the limit: an error, not a NO. */
	re = match_regex_new("^(a+)+$", err, sizeof(err));
	CHECK(re != NULL);
	if (re != NULL) {
		big[30000] = '!';
		err[0] = '\0';
		CHECK_INT(match_regex(re, big, 30001, err, sizeof(err)),
		    MATCH_ERROR);
		CHECK_STR(err, "regex match limit exceeded");
		CHECK_INT(match_regex(re, "aaaa", 4, err, sizeof(err)),
		    MATCH_YES);
		CHECK_INT(match_regex_is_pathological(re), 1);
		/* Subject bound. */
		CHECK_INT(match_regex(re, big, MATCH_SUBJECT_MAX, err,
		    sizeof(err)), MATCH_ERROR);
		CHECK_INT(match_regex(re, big, MATCH_SUBJECT_MAX + 1, err,
		    sizeof(err)), MATCH_ERROR);
		CHECK(strstr(err, "subject too long") != NULL);
		CHECK_INT(match_regex(re, "a\xff", 2, err, sizeof(err)),
		    MATCH_ERROR);
		CHECK_STR(err, "subject is not valid UTF-8");
		match_regex_free(re);
	}
	re = match_regex_new("^(x|xx)+y$", err, sizeof(err));
	CHECK(re != NULL);
	if (re != NULL) {
		CHECK_INT(match_regex_is_pathological(re), 1);
		match_regex_free(re);
	}
	free(big);
	match_regex_free(NULL);
}

struct glob_case {
	const char	*pattern;
	const char	*s;
	int		 want;
};

static const struct glob_case glob_cases[] = {
	{ "*", "", 1 },
	{ "*", "anything:at/all", 1 },
	{ "", "", 1 },
	{ "", "a", 0 },
	{ "a", "", 0 },
	{ "?", "", 0 },
	{ "?", "a", 1 },
	{ "?", "ab", 0 },
	{ "??", "ab", 1 },
	{ "kube-*", "kube-system", 1 },
	{ "kube-*", "kube-", 1 },
	{ "kube-*", "kube", 0 },
	{ "kube-*", "my-kube-system", 0 },
	{ "a*b*c", "abc", 1 },
	{ "a*b*c", "axxbyyc", 1 },
	{ "a*b*c", "acb", 0 },
	{ "a*b*c", "abcbc", 1 },
	{ "a*b*c", "abcb", 0 },
	{ "*.dkr.ecr.*.amazonaws.com", "123.dkr.ecr.eu-west-1.amazonaws.com",
	  1 },
	{ "*.dkr.ecr.*.amazonaws.com", "dkr.ecr.eu-west-1.amazonaws.com", 0 },
	{ "kube-system:*", "kube-system:horizontal-pod-autoscaler", 1 },
	{ "*:flux", "tenant-a:flux", 1 },
	{ "*:flux", "tenant-a:flux-x", 0 },
	{ "docker.io/istio/proxyv2:*", "docker.io/istio/proxyv2:1.20.0", 1 },
	{ "**", "x", 1 },
	{ "*?", "", 0 },
	{ "*?", "x", 1 },
	{ "a?c", "abc", 1 },
	{ "a?c", "ac", 0 },
	{ "exact", "exact", 1 },
	{ "exact", "exacT", 0 },
	{ "*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  0 },
};

static void
test_glob_table(void)
{
	size_t	i;
	int	got;

	for (i = 0; i < sizeof(glob_cases) / sizeof(glob_cases[0]); i++) {
		got = match_glob(glob_cases[i].pattern, glob_cases[i].s);
		if (got != glob_cases[i].want)
			fprintf(stderr, "glob \"%s\" vs \"%s\"\n",
			    glob_cases[i].pattern, glob_cases[i].s);
		CHECK_INT(got, glob_cases[i].want);
	}
}

/* deniedTags' case-insensitive option: ASCII letters only, same globbing. */
static void
test_glob_nocase(void)
{
	CHECK_INT(match_glob_nocase("latest", "LATEST"), 1);
	CHECK_INT(match_glob_nocase("*-snapshot", "1.0.0-SNAPSHOT"), 1);
	CHECK_INT(match_glob_nocase("*-SNAPSHOT", "1.0.0-snapshot"), 1);
	CHECK_INT(match_glob_nocase("Main", "mAIN"), 1);
	CHECK_INT(match_glob_nocase("main", "mainline"), 0);
	CHECK_INT(match_glob_nocase("a?c", "A-C"), 1);
	CHECK_INT(match_glob_nocase("[a]", "[A]"), 1);
	CHECK_INT(match_glob_nocase("1_0", "1-0"), 0);
	/* the case-sensitive glob stays so */
	CHECK_INT(match_glob("latest", "LATEST"), 0);
}

int
main(void)
{
	test_glob_nocase();
	test_regex_table();
	test_regex_errors();
	test_glob_table();
	return unit_done("match");
}
