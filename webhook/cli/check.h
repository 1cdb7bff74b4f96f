/*
 * check.h - the parts of `gitgate check` and `gitgate test`: walking a
 * config repo (check_walk.c), one result per object in the chosen output
 * format (check_out.c). Internal to cli/; the subcommands are in cli.h.
 */
#ifndef GITGATE_CHECK_H
#define GITGATE_CHECK_H

#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "admission/eval.h"

#define CHECK_FILES_MAX		20000	/* files read in one run */
#define CHECK_DEPTH_MAX		32	/* directory nesting */
#define CHECK_PATH_MAX		4096
#define CHECK_SKIPS_MAX		4096	/* kustomization inputs remembered */
#define CHECK_RESULTS_MAX	200000	/* objects kept for -o json/junit/.. */

enum check_format {
	CHECK_TEXT = 0,
	CHECK_JSON,
	CHECK_JUNIT,
	CHECK_GITHUB,
	CHECK_POLICYREPORT
};

/* A file to check, or a note about one that is not. */
struct check_file {
	char	*path;
	char	*skip;		/* why it is not read, or NULL */
};

struct check_files {
	struct check_file	*v;
	size_t			 n;
	size_t			 cap;
};

/*
 * Expand the paths given on the command line into files: directories
 * recursively, in name order, without kustomization files and the files a
 * kustomization uses as inputs (patches, transformer and generator
 * configs), without folders that hold a Chart.yaml; "-" and files as
 * given. Skipped files come with a note. Every limit hit is an error.
 * Returns the number of errors (each printed to stderr as "gitgate: ...");
 * the caller frees with check_files_free().
 */
size_t	check_walk(char **paths, int n, struct check_files *out);
void	check_files_free(struct check_files *f);

/* 1 when buf looks like a Helm template (Go template actions). */
int	check_is_helm_template(const char *buf, size_t len);

/* One finding of one object, as the outputs show it. */
struct check_finding {
	const char	*policy;
	const char	*mode;		/* "enforce" | "audit" */
	const char	*message;
	const char	*exception;	/* lifted by it, or NULL */
};

/* The decision on one object. decision: deny, warn, allow, none. */
struct check_result {
	const char		*file;
	int			 line;
	const char		*api_version;
	const char		*kind;
	const char		*ns;		/* "" for cluster-scoped */
	const char		*name;
	const char		*decision;
	const char		*why_none;	/* decision none: exempt, ... */
	const char		*message;	/* deny: the kubectl message */
	const char		*exceptions;	/* "a,b" that lifted, or "" */
	struct check_finding	 f[EVAL_FINDINGS_MAX];
	size_t			 n;
	const char		*ran[EVAL_FINDINGS_MAX]; /* policies run */
	size_t			 n_ran;
};

struct check_out;

/* A new output in format fmt on f; NULL when out of memory. */
struct check_out *check_out_new(enum check_format fmt, FILE *f);
/* Record one object (text/github print it now; the others keep it). */
void	check_out_result(struct check_out *o, const struct check_result *r);
/* A file or document not read as an object, and why. */
void	check_out_skip(struct check_out *o, const char *file, int line,
	    const char *why);
/* An error ("file:line:col: message" when file is known). */
void	check_out_error(struct check_out *o, const char *file, int line,
	    int col, const char *message);
/*
 * Print what is kept, then the summary line; frees o. Returns the exit
 * status: 0 clean, 1 denied, 2 errors or nothing checked.
 */
int	check_out_finish(struct check_out *o);
/*
 * check_report.c: the kept records (check_out.c's JSON form) as a JUnit
 * XML document on f (testsuite name suite), and as wgpolicyk8s.io/v1alpha2
 * reports (a v1 List of
 * one PolicyReport per namespace and a ClusterPolicyReport for
 * cluster-scoped objects; caller frees). now: the results' timestamp.
 */
void	check_out_junit(FILE *f, const char *suite, const cJSON *objects,
	    const cJSON *skipped, const cJSON *errors);
cJSON	*check_out_policyreport(const cJSON *objects, long long now);

/* Parse "text", "json", ... into *fmt: 0, or -1. */
int	check_format_parse(const char *s, enum check_format *fmt);

#endif
