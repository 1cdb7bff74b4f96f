/*
 * main.c - gitgate's entry point: pick the subcommand, run it, exit with
 * its status. The only file that calls exit().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: gitgate serve  --listen ADDR:PORT --tls-cert FILE "
	    "--tls-key FILE --policies DIR\n"
	    "                      [--audit] [--client-ca FILE] "
	    "[--max-body BYTES] [--threads N] [--log-level L]\n"
	    "       gitgate check  --policies DIR [--user NAME|NS:NAME] "
	    "[--group G]...\n"
	    "                      [--kustomization NS/NAME | --helmrelease "
	    "NS/NAME] [--live]\n"
	    "                      [-o text|json|junit|github|policyreport] "
	    "FILE|DIR|-...\n"
	    "       gitgate test   --policies DIR [-o text|junit] SUITE...\n"
	    "       gitgate review --policies DIR [--audit] FILE|-\n"
	    "       gitgate lint   --policies DIR\n"
	    "       gitgate certs  --out DIR --dns NAME [--dns NAME]... "
	    "[--days N] [--force]\n"
	    "       gitgate version\n");
}

int
main(int argc, char **argv)
{
	const char	*cmd = argc > 1 ? argv[1] : "";


	if (strcmp(cmd, "serve") == 0)
		exit(cli_serve(argc - 1, argv + 1));
	if (strcmp(cmd, "check") == 0)
		exit(cli_check(argc - 1, argv + 1));
	if (strcmp(cmd, "test") == 0)
		exit(cli_test(argc - 1, argv + 1));
	if (strcmp(cmd, "review") == 0)
		exit(cli_review(argc - 1, argv + 1));
	if (strcmp(cmd, "lint") == 0)
		exit(cli_lint(argc - 1, argv + 1));
	if (strcmp(cmd, "certs") == 0)
		exit(cli_certs(argc - 1, argv + 1));
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("gitgate %s (%s)\n", GITGATE_VERSION, GITGATE_GITREV);
		exit(0);
	}
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
