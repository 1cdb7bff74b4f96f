/*
 * suite.h - policy test suites (kind: PolicyTest) for `gitgate test`:
 * files and folders of cases read into suite_case, and each case as the
 * AdmissionReview kube-apiserver would send. Judging is cli_test.c's.
 */
#ifndef GITGATE_SUITE_H
#define GITGATE_SUITE_H

#include <stddef.h>
#include <cjson/cJSON.h>

#define SUITE_FILE_MAX		(4 * 1024 * 1024)	/* one suite file */
#define SUITE_FILES_MAX		1024			/* per run */
#define SUITE_CASES_MAX		10000			/* per file */
#define SUITE_KIND		"PolicyTest"

struct suite_case {
	const char	*file;
	int		 line;
	const char	*name;
	cJSON		*object;	/* NULL for a DELETE without one */
	cJSON		*old_object;	/* UPDATE, DELETE */
	const char	*operation;	/* CREATE, UPDATE, DELETE */
	const char	*subresource;	/* "" or "scale", ... */
	char		 user[320];	/* "" : the default user */
	const cJSON	*groups;	/* strings, or NULL: the user's own */
	int		 dry_run;
	long long	 now;		/* the case's time; 0: the run's */
	const char	*decision;	/* allow, warn, deny */
	const cJSON	*policies;	/* expected policy names, or NULL */
	char		 policies_text[512];
	const char	*message;	/* expected substring, or NULL */
};

typedef void	(*suite_case_fn)(void *arg, const struct suite_case *c);

/*
 * Read every suite file of paths (folders: their .yaml/.yml files,
 * recursively) and call each() once per valid case, in order. A case or
 * file in error is reported on stderr as "file:line: why" and counted.
 * Returns the number of errors.
 */
size_t	suite_run(char **paths, int n, suite_case_fn each, void *arg);

/*
 * The AdmissionReview (JSON text) of c, written by c->user or else
 * default_user. Caller frees; NULL when out of memory.
 */
char	*suite_review(const struct suite_case *c, const char *default_user);

#endif
