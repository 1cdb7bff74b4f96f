/*
 * cli_opt.h - a subcommand's options as one table, from which come its
 * getopt_long options, its environment variables, its --help and its lines
 * of the usage text. Options with a storage offset are parsed and range
 * checked here (serve); the others are handed back to the subcommand's own
 * switch (check, review, lint, certs). Nothing here allocates.
 */
#ifndef GITGATE_CLI_OPT_H
#define GITGATE_CLI_OPT_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CLI_OPTS_MAX	32		/* options of one subcommand */
#define CLI_HELP_COL	28		/* where an option's help starts */
#define CLI_USAGE_COLS	80		/* usage lines wrap before this */
#define CLI_NO_STORE	SIZE_MAX	/* offset: the subcommand stores it */

enum cli_opt_type {
	CLI_OPT_STRING,		/* const char *, borrowed from argv/environ */
	CLI_OPT_BOOL,		/* int 0/1: the flag takes no value; its
				   variable is 1, 0, true or false */
	CLI_OPT_SIZE,		/* size_t, bytes, in [min, max] */
	CLI_OPT_COUNT,		/* unsigned, in [min, max] */
	CLI_OPT_SECONDS,	/* unsigned, seconds, in [min, max] */
	CLI_OPT_LEVEL		/* enum log_level: debug|info|warn|error */
};

#define CLI_OPT_REQUIRED 0x1u	/* must be given; usage shows it bare */
#define CLI_OPT_BARE	0x2u	/* usage shows it bare though optional */
#define CLI_OPT_MANY	0x4u	/* may be repeated: "[--x ARG]..." */
#define CLI_OPT_SHORT	0x8u	/* key is also -key; usage shows -key */

struct cli_opt {
	const char		*name;	/* long name without "--"; NULL ends */
	int			 key;	/* getopt's value (0: one is made) */
	enum cli_opt_type	 type;
	const char		*arg;	/* its value in usage ("FILE"), or NULL */
	unsigned		 flags;	/* CLI_OPT_* */
	unsigned long long	 min;	/* numbers: accepted range */
	unsigned long long	 max;
	unsigned long long	 def;	/* numbers: default, 0 is not shown */
	const char		*def_str; /* strings, levels: default */
	const char		*env;	/* GITGATE_...; NULL: none */
	size_t			 offset; /* in the caller's struct */
	const char		*help;	/* one short line */
};

struct cli_cmd {
	const char		*name;		/* "serve" */
	const char		*operands;	/* "FILE|-"; NULL: none */
	const char		*summary;	/* first line of --help */
	const struct cli_opt	*opts;		/* ends with a NULL name */
};

/* getopt_long's tables for one subcommand, "-h" and "--help" added. */
struct cli_getopt {
	struct option		 lopts[CLI_OPTS_MAX + 2];
	char			 sopts[2 * CLI_OPTS_MAX + 2];
};

#define CLI_HELP_KEY	'h'	/* what getopt returns for -h, --help */

/*
 * Fill g from cmd and reset getopt (optind). Returns 0, or -1 if cmd has
 * more than CLI_OPTS_MAX options (a programming error, said on stderr).
 */
int	cli_opt_getopt(const struct cli_cmd *cmd, struct cli_getopt *g);
/* The option getopt_long returned key for, or NULL. */
const struct cli_opt *cli_opt_find(const struct cli_cmd *cmd, int key);
/*
 * For the default: of a subcommand's own getopt switch: key is
 * CLI_HELP_KEY: print cmd's help on stdout and return 0 (exit status);
 * anything else (getopt has said why): return 2.
 */
int	cli_opt_default(const struct cli_cmd *cmd, int key);
/*
 * Store value (NULL: a bool flag given on the command line) at opt's
 * offset in store; from_env says it came from opt->env. Returns 0, or -1
 * after printing why on stderr (the flag, or for a bool, the variable, and
 * what is accepted).
 */
int	cli_opt_set(const struct cli_opt *opt, void *store, const char *value,
	    int from_env);
/*
 * Parse a subcommand whose options all have storage: defaults, then each
 * non-empty environment variable, then the flags (a flag wins over its
 * variable). Returns 0; 1 after printing --help on stdout; -1 after
 * printing why (a bad value; a missing required option, an operand where
 * cmd takes none: the usage) on stderr. Strings are borrowed from argv
 * and the environment.
 */
int	cli_opt_parse(const struct cli_cmd *cmd, void *store, int argc,
	    char **argv);
/*
 * The synopsis of cmd, wrapped before CLI_USAGE_COLS: lead ("usage: "),
 * "gitgate", the name padded to pad columns, the options, the operands.
 */
void	cli_opt_usage(FILE *f, const struct cli_cmd *cmd, const char *lead,
	    int pad);
/* --help: the synopsis, the summary, one entry per option. */
void	cli_opt_help(FILE *f, const struct cli_cmd *cmd);

#endif
