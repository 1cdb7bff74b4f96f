/*
 * check_opts.c - the command line of `gitgate check`: its option table
 * (cli_opt.h: getopt options, usage, --help) and the checks of its values.
 * The identity flags (--user NS:NAME, --kustomization, --helmrelease)
 * become the identity the objects are written as.
 */
#include "cli/check_eval.h"

#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define END \
	{ NULL, 0, CLI_OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL, 0, NULL }

static const struct cli_opt	check_opt_table[] = {
	{ "policies", 'p', CLI_OPT_STRING, "DIR", CLI_OPT_REQUIRED, 0, 0, 0,
	    NULL, NULL, CLI_NO_STORE, "policy directory" },
	{ "user", 'u', CLI_OPT_STRING, "NAME|NS:NAME", 0, 0, 0, 0, NULL, NULL,
	    CLI_NO_STORE, "who applies (NS:NAME: a service account)" },
	{ "group", 'g', CLI_OPT_STRING, "G", CLI_OPT_MANY, 0, 0, 0, NULL, NULL,
	    CLI_NO_STORE, "a group of that user" },
	{ "kustomization", 'k', CLI_OPT_STRING, "NS/NAME", 0, 0, 0, 0, NULL,
	    NULL, CLI_NO_STORE, "as Flux's kustomize-controller applies it" },
	{ "helmrelease", 'H', CLI_OPT_STRING, "NS/NAME", 0, 0, 0, 0, NULL, NULL,
	    CLI_NO_STORE, "as Flux's helm-controller applies it" },
	{ "live", 'l', CLI_OPT_BOOL, NULL, 0, 0, 0, 0, NULL, NULL,
	    CLI_NO_STORE, "objects as they run: no actor rule" },
	{ "output", 'o', CLI_OPT_STRING, "text|json|junit|github|policyreport",
	    CLI_OPT_SHORT, 0, 0, 0, "text", NULL, CLI_NO_STORE,
	    "output format" },
	CLI_NOW_OPT,
	END
};

const struct cli_cmd	cli_check_cmd = {
	"check", "FILE|DIR|-...",
	"Evaluate manifests offline, as a CREATE by one identity\n"
	    "(default: the first reconciler of the policies). Folders are\n"
	    "read recursively; kustomization files, the files they use as\n"
	    "patches or generator inputs, Helm charts and documents without\n"
	    "apiVersion/kind are skipped with a note. CI: kubectl kustomize\n"
	    "DIR | gitgate check --policies P --kustomization\n"
	    "flux-system/apps -\n"
	    "The last line counts objects, denials, warnings and skips.\n"
	    "Exit 0 clean, 1 denied, 2 an error or no object read.",
	check_opt_table
};

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
	case 'N':
		o->now = optarg;
		return 0;
	case 'o':
		if (check_format_parse(optarg, &o->format) == 0)
			return 0;
		fprintf(stderr, "gitgate: -o %s: must be text, json, junit, "
		    "github or policyreport\n", optarg);
		return -1;
	default:	/* --help, or getopt has said what is wrong */
		o->help = cli_opt_default(&cli_check_cmd, c) == 0;
		return -1;
	}
}

int
check_opts_parse(int argc, char **argv, struct check_opts *o,
    struct check_identity *id)
{
	struct cli_getopt	g;
	int			c;

	memset(o, 0, sizeof(*o));
	if (cli_opt_getopt(&cli_check_cmd, &g) == -1)
		return -1;
	while ((c = getopt_long(argc, argv, g.sopts, g.lopts, NULL)) != -1)
		if (opt_one(c, o, id) == -1)
			return -1;
	if (id->live && id->flux_prefix != NULL) {
		fprintf(stderr, "gitgate: --live judges objects as they run; "
		    "--kustomization/--helmrelease are for manifests\n");
		return -1;
	}
	if (o->policies == NULL || optind >= argc) {
		cli_opt_usage(stderr, &cli_check_cmd, "usage: ", 0);
		return -1;
	}
	return cli_now_parse(o->now, &id->now);
}
