/*
 * cli_check.c - `gitgate check`: evaluate manifests offline as a CREATE by
 * one identity (default: the policies' first reconciler), through the very
 * same decode/decide/render path as serve. Exit 0 clean, 1 denied, 2 error.
 */
#include "cli/cli.h"

#include <ctype.h>
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "admission/eval.h"
#include "base/kube.h"
#include "wire/manifest.h"
#include "wire/review.h"
#include "admission/verdict.h"

#define CHECK_GROUPS_MAX	32
#define CHECK_FILES_MAX		4096

static const struct cli_opt	check_opts[] = {
	{ "policies", 'p', CLI_OPT_STRING, "DIR", CLI_OPT_REQUIRED, 0, 0, 0,
	    NULL, NULL, CLI_NO_STORE, "policy directory" },
	{ "user", 'u', CLI_OPT_STRING, "NAME", 0, 0, 0, 0,
	    NULL, NULL, CLI_NO_STORE,
	    "who applies (default: the first reconciler)" },
	{ "group", 'g', CLI_OPT_STRING, "G", CLI_OPT_MANY, 0, 0, 0,
	    NULL, NULL, CLI_NO_STORE, "a group of that user" },
	{ "output", 'o', CLI_OPT_STRING, "text|json", CLI_OPT_SHORT, 0, 0, 0,
	    "text", NULL, CLI_NO_STORE, "one line per object, or a JSON array" },
	{ NULL, 0, CLI_OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL, 0, NULL }
};

const struct cli_cmd	cli_check_cmd = {
	"check", "FILE|DIR|-",
	"Evaluate manifests (YAML or JSON, directories recursively, - for\n"
	    "stdin) offline as a CREATE by one identity. Exit 0 clean,\n"
	    "1 something denied, 2 error.",
	check_opts
};

struct check {
	struct policy_set	*set;
	const char		*user;
	const char		*groups[CHECK_GROUPS_MAX + 3];
	size_t			 n_groups;
	int			 json;
	cJSON			*results;	/* -o json */
	int			 denied;
	int			 errors;
};

/* request.kind / request.resource from the object's apiVersion and kind. */
static void
add_gvk(cJSON *req, const cJSON *obj)
{
	const cJSON	*av = cJSON_GetObjectItemCaseSensitive(obj, "apiVersion");
	const cJSON	*k = cJSON_GetObjectItemCaseSensitive(obj, "kind");
	const char	*kind = cJSON_IsString(k) ? k->valuestring : "";
	const char	*api = cJSON_IsString(av) ? av->valuestring : "";
	const char	*slash = strchr(api, '/'), *res;
	char		 group[256], plural[256];
	cJSON		*o;
	size_t		 i;

	snprintf(group, sizeof(group), "%.*s", slash ? (int)(slash - api) : 0,
	    api);
	if ((res = kube_resource_for_kind(kind)) == NULL) {
		for (i = 0; i < sizeof(plural) - 2 && kind[i] != '\0'; i++)
			plural[i] = (char)tolower((unsigned char)kind[i]);
		plural[i++] = 's';
		plural[i] = '\0';
		res = plural;
	}
	o = cJSON_AddObjectToObject(req, "kind");
	cJSON_AddStringToObject(o, "group", group);
	cJSON_AddStringToObject(o, "version", slash ? slash + 1 : api);
	cJSON_AddStringToObject(o, "kind", kind);
	o = cJSON_AddObjectToObject(req, "resource");
	cJSON_AddStringToObject(o, "group", group);
	cJSON_AddStringToObject(o, "version", slash ? slash + 1 : api);
	cJSON_AddStringToObject(o, "resource", res);
}

/* An AdmissionReview for creating obj, as the API server would send it. */
static cJSON *
synthesize(const struct check *ck, cJSON *obj, int seq)
{
	const cJSON	*meta, *v;
	cJSON		*root, *req, *user, *groups;
	char		 uid[64];
	size_t		 i;

	meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "apiVersion", "admission.k8s.io/v1");
	cJSON_AddStringToObject(root, "kind", "AdmissionReview");
	req = cJSON_AddObjectToObject(root, "request");
	snprintf(uid, sizeof(uid), "gitgate-check-%d", seq);
	cJSON_AddStringToObject(req, "uid", uid);
	add_gvk(req, obj);
	v = cJSON_GetObjectItemCaseSensitive(meta, "name");
	if (cJSON_IsString(v))
		cJSON_AddStringToObject(req, "name", v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(meta, "namespace");
	cJSON_AddStringToObject(req, "namespace", cJSON_IsString(v) ?
	    v->valuestring : "default");
	cJSON_AddStringToObject(req, "operation", "CREATE");
	user = cJSON_AddObjectToObject(req, "userInfo");
	cJSON_AddStringToObject(user, "username", ck->user);
	groups = cJSON_AddArrayToObject(user, "groups");
	for (i = 0; i < ck->n_groups; i++)
		cJSON_AddItemToArray(groups, cJSON_CreateString(ck->groups[i]));
	cJSON_AddItemReferenceToObject(req, "object", obj);
	cJSON_AddNullToObject(req, "oldObject");
	cJSON_AddTrueToObject(req, "dryRun");
	return root;
}

static void
report(struct check *ck, const char *file, const struct manifest_obj *mo,
    const struct review *rv, const struct eval_decision *d,
    const struct verdict *v)
{
	char	what[256];
	cJSON	*r, *w;
	size_t	i;

	rule_describe(rv, what, sizeof(what));
	if (ck->json) {
		r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "file", file);
		cJSON_AddNumberToObject(r, "line", mo->line);
		cJSON_AddStringToObject(r, "object", what);
		cJSON_AddBoolToObject(r, "allowed", d->allowed);
		if (!d->allowed)
			cJSON_AddStringToObject(r, "message", v->message);
		w = cJSON_AddArrayToObject(r, "warnings");
		for (i = 0; i < v->resp.n_warnings; i++)
			cJSON_AddItemToArray(w,
			    cJSON_CreateString(v->resp.warnings[i]));
		cJSON_AddItemToArray(ck->results, r);
		return;
	}
	if (d->allowed)
		printf("%s:%d: %s: allowed\n", file, mo->line, what);
	else
		printf("%s:%d: %s: DENIED: %s\n", file, mo->line, what,
		    v->message);
	for (i = 0; i < v->resp.n_warnings; i++)
		printf("%s:%d: %s: warning: %s\n", file, mo->line, what,
		    v->resp.warnings[i]);
}

static void
check_object(struct check *ck, const char *file, struct manifest_obj *mo,
    int seq)
{
	struct review		 rv;
	struct eval_decision	 d;
	struct verdict		*v;
	char			 err[256];

	if (review_decode_json(synthesize(ck, mo->obj, seq), &rv, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "%s:%d: %s\n", file, mo->line, err);
		ck->errors++;
		return;
	}
	if ((v = malloc(sizeof(*v))) == NULL) {
		review_free(&rv);
		ck->errors++;
		return;
	}
	eval_review(ck->set, &rv, 0, &d);
	verdict_render(&d, v);
	report(ck, file, mo, &rv, &d, v);
	if (!d.allowed)
		ck->denied++;
	free(v);
	review_free(&rv);
}

static void
check_file(struct check *ck, const char *file)
{
	struct manifest	 m;
	struct diag	 dg;
	char		*buf;
	size_t		 len, i;

	if (cli_read_file(file, MANIFEST_MAX_BYTES, &buf, &len) == -1) {
		ck->errors++;
		return;
	}
	diag_init(&dg);
	if (manifest_decode(file, buf, len, &m, &dg) == -1) {
		cli_print_diag(&dg);
		ck->errors++;
	} else {
		for (i = 0; i < m.n; i++)
			check_object(ck, file, &m.v[i], (int)i + 1);
		manifest_free(&m);
	}
	diag_free(&dg);
	free(buf);
}

static int
is_manifest_name(const char *name)
{
	size_t	n = strlen(name);

	if (name[0] == '.')
		return 0;
	return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
	    (n > 4 && strcmp(name + n - 4, ".yml") == 0) ||
	    (n > 5 && strcmp(name + n - 5, ".json") == 0);
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void
check_path(struct check *ck, const char *path)
{
	struct dirent	**ents;
	struct stat	  st;
	char		  sub[4096];
	int		  i, n;

	if (strcmp(path, "-") == 0 || stat(path, &st) == -1 ||
	    !S_ISDIR(st.st_mode)) {
		check_file(ck, path);
		return;
	}
	if ((n = scandir(path, &ents, NULL, by_name)) < 0) {
		perror(path);
		ck->errors++;
		return;
	}
	for (i = 0; i < n; i++) {
		if (i < CHECK_FILES_MAX && is_manifest_name(ents[i]->d_name)) {
			snprintf(sub, sizeof(sub), "%s/%s", path,
			    ents[i]->d_name);
			check_file(ck, sub);
		}
		free(ents[i]);
	}
	free(ents);
}

/* The groups the API server would give user (SA groups, authenticated). */
static void
default_groups(struct check *ck, char *sa_ns_group, size_t len)
{
	const char	*sa = kube_serviceaccount(ck->user);
	const char	*colon = sa != NULL ? strchr(sa, ':') : NULL;

	if (colon != NULL) {
		ck->groups[ck->n_groups++] = "system:serviceaccounts";
		snprintf(sa_ns_group, len, "system:serviceaccounts:%.*s",
		    (int)(colon - sa), sa);
		ck->groups[ck->n_groups++] = sa_ns_group;
	}
	ck->groups[ck->n_groups++] = "system:authenticated";
}

int
cli_check(int argc, char **argv)
{
	struct cli_getopt		 g;
	struct check			 ck;
	const char			*dir = NULL;
	char				 userbuf[512], sagroup[512], *s;
	int				 c;

	memset(&ck, 0, sizeof(ck));
	if (cli_opt_getopt(&cli_check_cmd, &g) == -1)
		return 2;
	while ((c = getopt_long(argc, argv, g.sopts, g.lopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			dir = optarg;
			break;
		case 'u':
			ck.user = optarg;
			break;
		case 'g':
			if (ck.n_groups == CHECK_GROUPS_MAX) {
				fprintf(stderr, "gitgate: too many --group\n");
				return 2;
			}
			ck.groups[ck.n_groups++] = optarg;
			break;
		case 'o':
			if (strcmp(optarg, "json") != 0 &&
			    strcmp(optarg, "text") != 0) {
				fprintf(stderr, "gitgate: -o must be text or "
				    "json\n");
				return 2;
			}
			ck.json = strcmp(optarg, "json") == 0;
			break;
		default:
			return cli_opt_default(&cli_check_cmd, c);
		}
	}
	if (dir == NULL || optind >= argc) {
		cli_opt_usage(stderr, &cli_check_cmd, "usage: ", 0);
		return 2;
	}
	if ((ck.set = cli_load_policies(dir)) == NULL)
		return 2;
	if (ck.user == NULL && (ck.user = policy_set_default_user(ck.set,
	    userbuf, sizeof(userbuf))) == NULL) {
		fprintf(stderr, "gitgate: %s: no reconciler identity in the "
		    "policies; pass --user\n", dir);
		policy_set_unref(ck.set);
		return 2;
	}
	default_groups(&ck, sagroup, sizeof(sagroup));
	if (ck.json)
		ck.results = cJSON_CreateArray();
	for (; optind < argc; optind++)
		check_path(&ck, argv[optind]);
	if (ck.json) {
		if ((s = cJSON_Print(ck.results)) != NULL)
			printf("%s\n", s);
		free(s);
		cJSON_Delete(ck.results);
	}
	policy_set_unref(ck.set);
	return ck.errors > 0 ? 2 : ck.denied > 0 ? 1 : 0;
}
