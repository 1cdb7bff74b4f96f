/*
 * cli_tools.c - the small offline subcommands: review (answer one
 * AdmissionReview exactly as serve would), lint (report every policy
 * error as file:line:col) and certs (CA + serving certificate), each with
 * its option table (cli_opt.h) for getopt and --help.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admission/admission.h"
#include "certs/certs.h"
#include "policy/policy.h"
#include "policy/policy_set.h"
#include "rules/rules.h"

#define END	{ NULL, 0, CLI_OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL, 0, NULL }

static const struct cli_opt	review_opts[] = {
	{ "policies", 'p', CLI_OPT_STRING, "DIR", CLI_OPT_REQUIRED, 0, 0, 0,
	    NULL, NULL, CLI_NO_STORE, "policy directory" },
	{ "audit", 'a', CLI_OPT_BOOL, NULL, 0, 0, 0, 0,
	    NULL, NULL, CLI_NO_STORE, "every policy in audit mode, as serve's" },
	END
};

const struct cli_cmd	cli_review_cmd = {
	"review", "FILE|-",
	"Answer one AdmissionReview (a file, or - for stdin) exactly as serve\n"
	    "would, byte for byte. Bad input: exit 2 with serve's HTTP status.",
	review_opts
};

static const struct cli_opt	lint_opts[] = {
	{ "policies", 'p', CLI_OPT_STRING, "DIR", CLI_OPT_REQUIRED, 0, 0, 0,
	    NULL, NULL, CLI_NO_STORE, "policy directory (or as the operand)" },
	END
};

const struct cli_cmd	cli_lint_cmd = {
	"lint", NULL,
	"Validate a policy directory: every error and warning as\n"
	    "file:line:col: message. Exit 0 valid, 2 invalid.",
	lint_opts
};

static const struct cli_opt	certs_opts[] = {
	{ "out", 'o', CLI_OPT_STRING, "DIR", CLI_OPT_REQUIRED, 0, 0, 0,
	    NULL, NULL, CLI_NO_STORE, "where ca.crt ca.key tls.crt tls.key go" },
	{ "dns", 'd', CLI_OPT_STRING, "NAME", CLI_OPT_REQUIRED | CLI_OPT_MANY,
	    0, 0, 0, NULL, NULL, CLI_NO_STORE,
	    "a DNS name (or IP address) of the server" },
	{ "days", 'n', CLI_OPT_COUNT, "N", 0, 1, CERTS_DAYS_MAX,
	    CERTS_DAYS_DEFAULT, NULL, NULL, CLI_NO_STORE,
	    "validity of both certificates" },
	END
};

const struct cli_cmd	cli_certs_cmd = {
	"certs", NULL,
	"Make an ECDSA P-256 CA and a serving certificate signed by it\n"
	    "(keys mode 0600); print the base64 caBundle on stdout.",
	certs_opts
};

int
cli_review(int argc, char **argv)
{
	struct cli_getopt		 g;
	struct admission_opts		 ao = { 0 };
	struct admission_reply		 rep;
	struct policy_set		*set;
	const char			*dir = NULL;
	char				*body;
	size_t				 len;
	int				 c, rc = 2;

	if (cli_opt_getopt(&cli_review_cmd, &g) == -1)
		return 2;
	while ((c = getopt_long(argc, argv, g.sopts, g.lopts, NULL)) != -1) {
		if (c == 'p')
			dir = optarg;
		else if (c == 'a')
			ao.force_audit = 1;
		else
			return cli_opt_default(&cli_review_cmd, c);
	}
	if (dir == NULL || optind != argc - 1) {
		cli_opt_usage(stderr, &cli_review_cmd, "usage: ", 0);
		return 2;
	}
	if ((set = cli_load_policies(dir)) == NULL)
		return 2;
	if (cli_read_file(argv[optind], CLI_INPUT_MAX, &body, &len) == -1)
		goto out;
	admission_handle(set, &ao, body, len, &rep);
	free(body);
	if (rep.body == NULL) {
		fprintf(stderr, "gitgate: out of memory\n");
		goto out;
	}
	if (rep.status == 200) {
		printf("%s\n", rep.body);
		rc = 0;
	} else
		fprintf(stderr, "gitgate: %s: HTTP %d: %s\n", argv[optind],
		    rep.status, rep.body);
	free(rep.body);
out:
	policy_set_unref(set);
	return rc;
}

int
cli_lint(int argc, char **argv)
{
	struct cli_getopt		 g;
	struct policy_set		*set;
	struct diag			 d;
	const char			*dir = NULL;
	int				 c;

	if (cli_opt_getopt(&cli_lint_cmd, &g) == -1)
		return 2;
	while ((c = getopt_long(argc, argv, g.sopts, g.lopts, NULL)) != -1) {
		if (c != 'p')
			return cli_opt_default(&cli_lint_cmd, c);
		dir = optarg;
	}
	if (dir == NULL && optind == argc - 1)
		dir = argv[optind++];
	if (dir == NULL || optind != argc) {
		cli_opt_usage(stderr, &cli_lint_cmd, "usage: ", 0);
		return 2;
	}
	diag_init(&d);
	set = policy_set_load(dir, rules_kinds, &d);
	cli_print_diag(&d);
	if (set != NULL)
		printf("%s: %zu policies in %zu files, %zu warning(s)\n", dir,
		    set->n_policies, set->n_files, d.warnings);
	else
		printf("%s: %zu error(s), %zu warning(s)\n", dir, d.errors,
		    d.warnings);
	diag_free(&d);
	c = set != NULL ? 0 : 2;
	policy_set_unref(set);
	return c;
}

int
cli_certs(int argc, char **argv)
{
	struct cli_getopt		 g;
	const char			*out = NULL, *dns[CERTS_DNS_MAX];
	char				 err[512], path[4096], *b64, *end;
	size_t				 n_dns = 0;
	long				 days = CERTS_DAYS_DEFAULT;
	int				 c;

	if (cli_opt_getopt(&cli_certs_cmd, &g) == -1)
		return 2;
	while ((c = getopt_long(argc, argv, g.sopts, g.lopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'd':
			if (n_dns == CERTS_DNS_MAX) {
				fprintf(stderr, "gitgate: too many --dns\n");
				return 2;
			}
			dns[n_dns++] = optarg;
			break;
		case 'n':
			days = strtol(optarg, &end, 10);
			if (*end != '\0' || days < 1 || days > CERTS_DAYS_MAX) {
				fprintf(stderr, "gitgate: --days must be 1.."
				    "%d\n", CERTS_DAYS_MAX);
				return 2;
			}
			break;
		default:
			return cli_opt_default(&cli_certs_cmd, c);
		}
	}
	if (out == NULL || n_dns == 0 || optind != argc) {
		cli_opt_usage(stderr, &cli_certs_cmd, "usage: ", 0);
		return 2;
	}
	if (certs_generate(out, dns, n_dns, (int)days, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "gitgate: certs: %s\n", err);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/ca.crt", out);
	if ((b64 = certs_ca_bundle_base64(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "gitgate: certs: %s\n", err);
		return 2;
	}
	fprintf(stderr, "gitgate: wrote %s/ca.crt, ca.key, tls.crt, tls.key; "
	    "caBundle on stdout\n", out);
	printf("%s\n", b64);
	free(b64);
	return 0;
}
