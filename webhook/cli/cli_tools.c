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
#include <sys/stat.h>

#include "admission/admission.h"
#include "certs/certs.h"
#include "policy/policy.h"
#include "policy/policy_exception.h"
#include "policy/policy_set.h"
#include "rules/rules.h"

#define END	{ NULL, 0, CLI_OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL, 0, NULL }

static const struct cli_opt	review_opts[] = {
	{ "policies", 'p', CLI_OPT_STRING, "DIR", CLI_OPT_REQUIRED, 0, 0, 0,
	    NULL, NULL, CLI_NO_STORE, "policy directory" },
	{ "audit", 'a', CLI_OPT_BOOL, NULL, 0, 0, 0, 0,
	    NULL, NULL, CLI_NO_STORE, "every policy in audit mode, as serve's" },
	CLI_NOW_OPT,
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
	{ "warn-days", 'w', CLI_OPT_COUNT, "N", 0, 0, 3660,
	    POLICY_EXCEPTION_WARN_DAYS, NULL, NULL, CLI_NO_STORE,
	    "warn of exceptions expiring within N days" },
	{ "fail-expired", 'F', CLI_OPT_BOOL, NULL, 0, 0, 0, 0, NULL, NULL,
	    CLI_NO_STORE, "an expired exception is an error (CI)" },
	CLI_NOW_OPT,
	END
};

const struct cli_cmd	cli_lint_cmd = {
	"lint", NULL,
	"Validate a policy directory: every error and warning as\n"
	    "file:line:col: message; PolicyExceptions expired or expiring\n"
	    "within --warn-days are warnings (expired: errors with\n"
	    "--fail-expired), expiring more than 366 days ahead an error.\n"
	    "Exit 0 valid, 2 invalid.",
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
	{ "force", 'f', CLI_OPT_BOOL, NULL, 0, 0, 0, 0, NULL, NULL,
	    CLI_NO_STORE, "replace an existing CA (its caBundles break)" },
	END
};

const struct cli_cmd	cli_certs_cmd = {
	"certs", NULL,
	"Make an ECDSA P-256 CA and a serving certificate signed by it\n"
	    "(keys mode 0600); print the base64 caBundle on stdout.",
	certs_opts
};

/* An AdmissionReview is a JSON object: its first byte is '{'. */
static int
looks_like_json(const char *buf, size_t len)
{
	size_t	i = 0;

	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' ||
	    buf[i] == '\n'))
		i++;
	return i < len && buf[i] == '{';
}

int
cli_review(int argc, char **argv)
{
	struct cli_getopt		 g;
	struct admission_opts		 ao = { 0 };
	struct admission_reply		 rep;
	struct policy_set		*set;
	const char			*dir = NULL, *now = NULL;
	char				*body;
	size_t				 len;
	int				 c, rc = 2, json;

	if (cli_opt_getopt(&cli_review_cmd, &g) == -1)
		return 2;
	while ((c = getopt_long(argc, argv, g.sopts, g.lopts, NULL)) != -1) {
		if (c == 'p')
			dir = optarg;
		else if (c == 'a')
			ao.force_audit = 1;
		else if (c == 'N')
			now = optarg;
		else
			return cli_opt_default(&cli_review_cmd, c);
	}
	if (dir == NULL || optind != argc - 1) {
		cli_opt_usage(stderr, &cli_review_cmd, "usage: ", 0);
		return 2;
	}
	if (cli_now_parse(now, &ao.now) == -1)
		return 2;
	if ((set = cli_load_policies(dir)) == NULL)
		return 2;
	if (cli_read_file(argv[optind], CLI_INPUT_MAX, &body, &len) == -1)
		goto out;
	json = looks_like_json(body, len);
	admission_handle(set, &ao, body, len, &rep);
	free(body);
	if (rep.body == NULL) {
		fprintf(stderr, "gitgate: out of memory\n");
		goto out;
	}
	if (rep.status == 200) {
		printf("%s\n", rep.body);
		rc = 0;
	} else {
		fprintf(stderr, "gitgate: %s: HTTP %d: %s\n", argv[optind],
		    rep.status, rep.body);
		if (!json && len > 0)
			fprintf(stderr, "gitgate: %s: review takes one "
			    "AdmissionReview in JSON; to check manifests (YAML) "
			    "use: gitgate check --policies %s %s\n",
			    argv[optind], dir, argv[optind]);
	}
	free(rep.body);
out:
	policy_set_unref(set);
	return rc;
}

/* lint's flags; 0, or an exit status (2, or 0 after --help) + 1. */
struct lint_opts {
	const char	*dir, *now;
	unsigned	 flags;		/* POLICY_EXC_* */
	unsigned long	 warn_days;
};

static int
lint_parse(int argc, char **argv, struct lint_opts *o)
{
	struct cli_getopt	 g;
	char			*end;
	int			 c;

	memset(o, 0, sizeof(*o));
	o->flags = POLICY_EXC_FAIL_FAR;
	o->warn_days = POLICY_EXCEPTION_WARN_DAYS;
	if (cli_opt_getopt(&cli_lint_cmd, &g) == -1)
		return 3;
	while ((c = getopt_long(argc, argv, g.sopts, g.lopts, NULL)) != -1) {
		if (c == 'p')
			o->dir = optarg;
		else if (c == 'N')
			o->now = optarg;
		else if (c == 'F')
			o->flags |= POLICY_EXC_FAIL_EXPIRED;
		else if (c == 'w') {
			o->warn_days = strtoul(optarg, &end, 10);
			if (*end != '\0' || optarg[0] == '-' ||
			    o->warn_days > 3660) {
				fprintf(stderr, "gitgate: --warn-days must be "
				    "0..3660\n");
				return 3;
			}
		} else
			return cli_opt_default(&cli_lint_cmd, c) + 1;
	}
	if (o->dir == NULL && optind == argc - 1)
		o->dir = argv[optind++];
	if (o->dir == NULL || optind != argc) {
		cli_opt_usage(stderr, &cli_lint_cmd, "usage: ", 0);
		return 3;
	}
	return 0;
}

int
cli_lint(int argc, char **argv)
{
	struct lint_opts	 o;
	struct policy_set	*set;
	struct diag		 d;
	long long		 now;
	int			 c;

	if ((c = lint_parse(argc, argv, &o)) != 0)
		return c - 1;
	if (cli_now_parse(o.now, &now) == -1)
		return 2;
	diag_init(&d);
	set = policy_set_load(o.dir, rules_kinds, &d);
	if (set != NULL && policy_exception_report(set, now,
	    (unsigned)o.warn_days, o.flags, &d) > 0) {
		policy_set_unref(set);
		set = NULL;
	}
	cli_print_diag(&d);
	if (set != NULL && set->n_exceptions > 0)
		printf("%s: %zu policies, %zu exception(s) in %zu files, %zu "
		    "warning(s)\n", o.dir, set->n_policies, set->n_exceptions,
		    set->n_files, d.warnings);
	else if (set != NULL)
		printf("%s: %zu policies in %zu files, %zu warning(s)\n",
		    o.dir, set->n_policies, set->n_files, d.warnings);
	else
		printf("%s: %zu error(s), %zu warning(s)\n", o.dir, d.errors,
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
	struct stat			 st;
	int				 force = 0;
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
		case 'f':
			force = 1;
			break;
		default:
			return cli_opt_default(&cli_certs_cmd, c);
		}
	}
	if (out == NULL || n_dns == 0 || optind != argc) {
		cli_opt_usage(stderr, &cli_certs_cmd, "usage: ", 0);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/ca.key", out);
	if (!force && stat(path, &st) == 0) {
		fprintf(stderr, "gitgate: certs: %s exists: a new CA would "
		    "break every caBundle made from it; pass --force to "
		    "replace it\n", path);
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
