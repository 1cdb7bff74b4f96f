/*
 * main.c - gitgate's entry point: pick the subcommand, run it, exit with
 * its status. The only file that calls exit(). The usage text is made
 * from each subcommand's option table, in the order of commands[].
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/serve_opts.h"

#define MAIN_NAME_COLS	6	/* "review": the usage's second column */

static const struct cli_opt	version_opts[] = {
	{ NULL, 0, CLI_OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL, 0, NULL }
};

static const struct cli_cmd	version_cmd = {
	"version", NULL,
	"Print the version and the Git revision it was built from.",
	version_opts
};

static int
version(int argc, char **argv)
{
	struct cli_getopt	g;
	int			c;

	if (cli_opt_getopt(&version_cmd, &g) == -1)
		return 2;
	if ((c = getopt_long(argc, argv, g.sopts, g.lopts, NULL)) != -1)
		return cli_opt_default(&version_cmd, c);
	printf("gitgate %s (%s)\n", GITGATE_VERSION, GITGATE_GITREV);
	return 0;
}

static const struct {
	const struct cli_cmd	*cmd;
	int			(*run)(int, char **);
} commands[] = {
	{ &serve_opts_cmd, cli_serve },
	{ &cli_check_cmd, cli_check },
	{ &cli_review_cmd, cli_review },
	{ &cli_lint_cmd, cli_lint },
	{ &cli_certs_cmd, cli_certs },
	{ &version_cmd, version },
};

#define MAIN_COMMANDS	(sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *f)
{
	size_t	i;

	for (i = 0; i < MAIN_COMMANDS; i++)
		cli_opt_usage(f, commands[i].cmd, i == 0 ? "usage: " :
		    "       ", MAIN_NAME_COLS);
	fprintf(f, "Each serve flag also reads a GITGATE_* variable; see "
	    "gitgate COMMAND --help.\n");
}

int
main(int argc, char **argv)
{
	const char	*cmd = argc > 1 ? argv[1] : "";
	size_t		 i;

	for (i = 0; i < MAIN_COMMANDS; i++)
		if (strcmp(cmd, commands[i].cmd->name) == 0)
			exit(commands[i].run(argc - 1, argv + 1));
	if (strcmp(cmd, "--version") == 0)
		exit(version(1, argv + 1));
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "-h") == 0) {
		usage(stdout);
		exit(0);
	}
	if (cmd[0] != '\0')
		fprintf(stderr, "gitgate: unknown command \"%s\"\n", cmd);
	usage(stderr);
	exit(2);
}
