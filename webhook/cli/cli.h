/*
 * cli.h - the subcommands of build/gitgate. Each takes the argv after the
 * subcommand name and returns the process exit status; main.c is the only
 * caller of exit().
 */
#ifndef GITGATE_CLI_H
#define GITGATE_CLI_H

#include <stddef.h>

#include "base/diag.h"
#include "cli/cli_opt.h"
#include "policy/policy.h"

#define CLI_INPUT_MAX	(64u * 1024 * 1024)	/* one input file */

int	cli_serve(int argc, char **argv);	/* cli_serve.c */
int	cli_check(int argc, char **argv);	/* cli_check.c */
int	cli_test(int argc, char **argv);	/* cli_test.c */
int	cli_review(int argc, char **argv);	/* cli_tools.c */
int	cli_lint(int argc, char **argv);
int	cli_certs(int argc, char **argv);

/*
 * Each subcommand's option table (cli_opt.h), next to its code: main.c's
 * usage text and every --help come from these. serve's is serve_opts_cmd
 * (serve_opts.h).
 */
extern const struct cli_cmd	cli_check_cmd;		/* check_opts.c */
extern const struct cli_cmd	cli_test_cmd;		/* cli_test.c */
extern const struct cli_cmd	cli_review_cmd;		/* cli_tools.c */
extern const struct cli_cmd	cli_lint_cmd;
extern const struct cli_cmd	cli_certs_cmd;

/* cli_util.c */

/*
 * Read path ("-" is stdin) into a malloc'd NUL-terminated buffer of at
 * most max bytes. Returns 0, or -1 after printing "gitgate: path: why".
 */
int	cli_read_file(const char *path, size_t max, char **buf, size_t *len);
/* Print every diagnostic of d to stderr, one per line. */
void	cli_print_diag(const struct diag *d);
/* Load a policy directory or print why not (all errors); NULL on error. */
struct policy_set *cli_load_policies(const char *dir);
/*
 * The time of --now s (RFC 3339, or a date: its midnight UTC) into *now,
 * or the clock when s is NULL. 0, or -1 after printing why.
 */
int	cli_now_parse(const char *s, long long *now);

/* --now in every offline subcommand's option table. */
#define CLI_NOW_OPT \
	{ "now", 'N', CLI_OPT_STRING, "RFC3339", 0, 0, 0, 0, NULL, NULL, \
	    CLI_NO_STORE, "decide at this time (PolicyException expiry)" }

#endif
