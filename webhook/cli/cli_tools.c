/*
 * cli_tools.c - the small offline subcommands: review (answer one
 * AdmissionReview exactly as serve would), lint (report every policy
 * error as file:line:col) and certs (CA + serving certificate).
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admission/admission.h"
#include "certs/certs.h"
#include "policy/policy.h"

int
cli_review(int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "policies", required_argument, NULL, 'p' },
		{ "audit", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	struct admission_opts		 ao = { 0 };
	struct admission_reply		 rep;
	struct policy_set		*set;
	const char			*dir = NULL;
	char				*body;
	size_t				 len;
	int				 c, rc = 2;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'p')
			dir = optarg;
		else if (c == 'a')
			ao.force_audit = 1;
		else
			return 2;
	}
	if (dir == NULL || optind != argc - 1) {
		fprintf(stderr, "usage: gitgate review --policies DIR "
		    "[--audit] FILE|-\n");
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
	static const struct option	 opts[] = {
		{ "policies", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	struct policy_set		*set;
	struct diag			 d;
	const char			*dir = NULL;
	int				 c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'p')
			return 2;
		dir = optarg;
	}
	if (dir == NULL && optind == argc - 1)
		dir = argv[optind++];
	if (dir == NULL || optind != argc) {
		fprintf(stderr, "usage: gitgate lint --policies DIR\n");
		return 2;
	}
	diag_init(&d);
	set = policy_set_load(dir, &d);
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
	static const struct option	 opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "dns", required_argument, NULL, 'd' },
		{ "days", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	const char			*out = NULL, *dns[CERTS_DNS_MAX];
	char				 err[512], path[4096], *b64, *end;
	size_t				 n_dns = 0;
	long				 days = CERTS_DAYS_DEFAULT;
	int				 c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
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
			return 2;
		}
	}
	if (out == NULL || n_dns == 0 || optind != argc) {
		fprintf(stderr, "usage: gitgate certs --out DIR --dns NAME "
		    "[--dns NAME]... [--days N]\n");
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
