/*
 * check_opts.c - the command line of `gitgate check`: flags, their
 * checks and --help. The identity flags (--user NS:NAME, --kustomization,
 * --helmrelease) become the identity the objects are written as.
 */
#include "cli/check_eval.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char check_usage[] =
    "usage: gitgate check --policies DIR [--user NAME|NS:NAME] [--group G]...\n"
    "                     [--kustomization NS/NAME | --helmrelease NS/NAME]\n"
    "                     [--live] [-o text|json|junit|github|policyreport]\n"
    "                     FILE|DIR|-...\n";

static const char check_help[] =
    "Evaluate manifests offline, as a CREATE by one identity (default: the\n"
    "first reconciler identity of the policies). Directories are read\n"
    "recursively; kustomization files, the files they use as patches or\n"
    "generator inputs, Helm charts and documents without apiVersion/kind\n"
    "are skipped with a note.\n\n"
    "  --policies DIR          the policy directory (required)\n"
    "  --user NAME|NS:NAME     write as this user; NS:NAME is the service\n"
    "                          account system:serviceaccount:NS:NAME\n"
    "  --group G               a group of that user (repeatable)\n"
    "  --kustomization NS/NAME as Flux's kustomize-controller applies them\n"
    "                          (its labels stamped, its identity)\n"
    "  --helmrelease NS/NAME   as Flux's helm-controller applies them\n"
    "  --live                  objects as they run (kubectl get -A -o json):\n"
    "                          rules that judge the object, not the actor\n"
    "  -o FORMAT               text (default), json, junit, github,\n"
    "                          policyreport (wgpolicyk8s.io/v1alpha2)\n"
    "  -h, --help              this help\n\n"
    "CI: kubectl kustomize DIR | gitgate check --policies P "
    "--kustomization flux-system/apps -\n"
    "Last line: N objects checked: N denied, N warned, N skipped.\n"
    "Exit 0 clean, 1 denied, 2 error or nothing checked.\n";

static int
dns_label(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '-' || s[i] == '.'))
			return 0;
	return 1;
}

int
check_user_parse(const char *in, char *buf, size_t len, char *err,
    size_t errlen)
{
	const char	*colon = strchr(in, ':');

	if (colon == NULL || strncmp(in, "system:", 7) == 0) {
		snprintf(buf, len, "%s", in);
		return 0;
	}
	if (strchr(colon + 1, ':') == NULL &&
	    dns_label(in, (size_t)(colon - in)) &&
	    dns_label(colon + 1, strlen(colon + 1))) {
		snprintf(buf, len, "system:serviceaccount:%s", in);
		return 0;
	}
	snprintf(err, errlen, "--user %s: a name with ':' is either a service "
	    "account NS:NAME (DNS labels) or system:serviceaccount:NS:NAME",
	    in);
	return -1;
}

/* NS/NAME of a Flux object; both parts DNS labels. */
static int
flux_ref(const char *flag, const char *v, struct check_identity *id,
    const char *prefix, const char *controller)
{
	static char	 ns[64];
	const char	*slash = strchr(v, '/');

	if (id->flux_prefix != NULL) {
		fprintf(stderr, "gitgate: --kustomization and --helmrelease "
		    "exclude each other\n");
		return -1;
	}
	if (slash == NULL || !dns_label(v, (size_t)(slash - v)) ||
	    !dns_label(slash + 1, strlen(slash + 1))) {
		fprintf(stderr, "gitgate: %s %s: expected NS/NAME (e.g. "
		    "flux-system/apps)\n", flag, v);
		return -1;
	}
	snprintf(ns, sizeof(ns), "%.*s", (int)(slash - v), v);
	id->flux_prefix = prefix;
	id->flux_ns = ns;
	id->flux_name = slash + 1;
	if (id->user == NULL)
		id->user = controller;
	return 0;
}

static int
opt_one(int c, struct check_opts *o, struct check_identity *id)
{
	char	err[512];

	switch (c) {
	case 'p':
		o->policies = optarg;
		return 0;
	case 'u':
		if (check_user_parse(optarg, o->user, sizeof(o->user), err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "gitgate: %s\n", err);
			return -1;
		}
		id->user = o->user;
		return 0;
	case 'g':
		if (id->n_groups == CHECK_GROUPS_MAX) {
			fprintf(stderr, "gitgate: more than %d --group\n",
			    CHECK_GROUPS_MAX);
			return -1;
		}
		id->groups[id->n_groups++] = optarg;
		return 0;
	case 'k':
		return flux_ref("--kustomization", optarg, id,
		    "kustomize.toolkit.fluxcd.io",
		    "system:serviceaccount:flux-system:kustomize-controller");
	case 'H':
		return flux_ref("--helmrelease", optarg, id,
		    "helm.toolkit.fluxcd.io",
		    "system:serviceaccount:flux-system:helm-controller");
	case 'l':
		id->live = 1;
		return 0;
	case 'o':
		if (check_format_parse(optarg, &o->format) == 0)
			return 0;
		fprintf(stderr, "gitgate: -o %s: must be text, json, junit, "
		    "github or policyreport\n", optarg);
		return -1;
	case 'h':
		printf("%s\n%s", check_usage, check_help);
		o->help = 1;
		return -1;
	default:
		return -1;
	}
}

int
check_opts_parse(int argc, char **argv, struct check_opts *o,
    struct check_identity *id)
{
	static const struct option	 opts[] = {
		{ "policies", required_argument, NULL, 'p' },
		{ "user", required_argument, NULL, 'u' },
		{ "group", required_argument, NULL, 'g' },
		{ "kustomization", required_argument, NULL, 'k' },
		{ "helmrelease", required_argument, NULL, 'H' },
		{ "live", no_argument, NULL, 'l' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int				 c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1)
		if (opt_one(c, o, id) == -1)
			return -1;
	if (id->live && id->flux_prefix != NULL) {
		fprintf(stderr, "gitgate: --live judges objects as they run; "
		    "--kustomization/--helmrelease are for manifests\n");
		return -1;
	}
	if (o->policies == NULL || optind >= argc) {
		fputs(check_usage, stderr);
		return -1;
	}
	return 0;
}
