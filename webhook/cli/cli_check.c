/*
 * cli_check.c - `gitgate check`: evaluate a config repo's manifests
 * offline, document by document, as a CREATE by one identity (default:
 * the policies' first reconciler; --kustomization/--helmrelease: as Flux
 * will apply them), or objects as they run (--live). Decisions come from
 * eval, as in serve. Exit 0 clean, 1 denied, 2 error or nothing checked.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/kube.h"
#include "cli/check.h"
#include "cli/check_eval.h"
#include "wire/manifest.h"
#include "wire/review.h"

#define CHECK_HINT	" (Flux stamps its labels when it applies: check as " \
			"it will with --kustomization NS/NAME or " \
			"--helmrelease NS/NAME)"

struct check {
	struct policy_set	*set;
	struct check_identity	 id;
	struct check_out	*out;
	struct check_work	*work;
	const char		*file;
	int			 seq;
	int			 hint;		/* add CHECK_HINT to denials */
	char			 msg[VERDICT_MESSAGE_MAX + sizeof(CHECK_HINT)];
};

static const char *
jstr(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* Kustomize's own configuration (transformer configs, Components). */
static int
is_kustomize_config(const cJSON *obj)
{
	const char	*av = jstr(obj, "apiVersion");

	return strncmp(av, "kustomize.config.k8s.io/", 24) == 0 ||
	    strcmp(av, "builtin") == 0;
}

static void
check_object(void *arg, struct manifest_obj *mo, const char *skip)
{
	struct check		*ck = arg;
	struct check_result	 r;
	struct review		 rv;
	cJSON			*root;
	char			 err[256];

	if (skip != NULL || is_kustomize_config(mo->obj)) {
		check_out_skip(ck->out, ck->file, mo->line, skip != NULL ?
		    skip : "kustomize configuration, not an object");
		return;
	}
	if ((root = check_review_new(&ck->id, mo->obj, ++ck->seq)) == NULL ||
	    review_decode_json(root, &rv, err, sizeof(err)) == -1) {
		check_out_error(ck->out, ck->file, mo->line, mo->col,
		    root == NULL ? "out of memory" : err);
		return;
	}
	check_decide(&ck->id, ck->set, &rv, ck->work, &r);
	r.file = ck->file;
	r.line = mo->line;
	r.api_version = jstr(mo->obj, "apiVersion");
	r.kind = jstr(mo->obj, "kind");
	r.ns = check_namespace(mo->obj);
	r.name = jstr(cJSON_GetObjectItemCaseSensitive(mo->obj, "metadata"),
	    "name");
	if (r.name[0] == '\0')
		r.name = jstr(cJSON_GetObjectItemCaseSensitive(mo->obj,
		    "metadata"), "generateName");
	if (r.message != NULL && ck->hint &&
	    check_has_source_finding(ck->work)) {
		snprintf(ck->msg, sizeof(ck->msg), "%s%s", r.message,
		    CHECK_HINT);
		r.message = ck->msg;
	}
	check_out_result(ck->out, &r);
	review_free(&rv);	/* the object itself stays with the manifest */
}

/* diag's "file:line:col: message" back into its parts. */
static void
report_diag(struct check *ck, const struct diag *d)
{
	const char	*t, *p;
	char		*end;
	size_t		 i, fl = strlen(ck->file);
	long		 line, col;

	for (i = 0; i < d->n; i++) {
		t = d->v[i].text;
		line = col = 0;
		p = t;
		if (strncmp(t, ck->file, fl) == 0 && t[fl] == ':') {
			line = strtol(t + fl + 1, &end, 10);
			if (*end == ':')
				col = strtol(end + 1, &end, 10);
			p = *end == ':' ? end + 1 : t + fl + 1;
			p += *p == ' ';
		}
		check_out_error(ck->out, ck->file, (int)line, (int)col, p);
	}
	if (d->dropped > 0)
		check_out_error(ck->out, ck->file, 0, 0, "more errors not "
		    "shown (DIAG_MAX)");
}

static void
check_file(struct check *ck, const char *file)
{
	struct diag	 dg;
	char		*buf;
	size_t		 len;

	ck->file = file;
	if (cli_read_file(file, MANIFEST_MAX_BYTES, &buf, &len) == -1) {
		check_out_error(ck->out, file, 0, 0, "not read (see above)");
		return;
	}
	if (check_is_helm_template(buf, len)) {
		check_out_skip(ck->out, file, 0, "a Helm template: render it "
		    "first: helm template NAME CHART | gitgate check "
		    "--helmrelease NS/NAME ... -");
		free(buf);
		return;
	}
	diag_init(&dg);
	(void)manifest_each(file, buf, len, check_object, ck, &dg);
	report_diag(ck, &dg);
	diag_free(&dg);
	free(buf);
}

/* The groups the API server would give the user (SA groups, authenticated). */
static void
default_groups(struct check_identity *id, char *sa_ns_group, size_t len)
{
	const char	*sa = kube_serviceaccount(id->user);
	const char	*colon = sa != NULL ? strchr(sa, ':') : NULL;

	if (colon != NULL) {
		id->groups[id->n_groups++] = "system:serviceaccounts";
		snprintf(sa_ns_group, len, "system:serviceaccounts:%.*s",
		    (int)(colon - sa), sa);
		id->groups[id->n_groups++] = sa_ns_group;
	}
	id->groups[id->n_groups++] = "system:authenticated";
}

static int
check_run(struct check *ck, char **paths, int n)
{
	struct check_files	files;
	size_t			i, errors;

	errors = check_walk(paths, n, &files);
	for (i = 0; i < errors; i++)
		check_out_error(ck->out, NULL, 0, 0, "a limit was hit or a "
		    "folder not read (see above)");
	for (i = 0; i < files.n; i++) {
		if (files.v[i].skip != NULL)
			check_out_skip(ck->out, files.v[i].path, 0,
			    files.v[i].skip);
		else
			check_file(ck, files.v[i].path);
	}
	check_files_free(&files);
	return check_out_finish(ck->out);
}

int
cli_check(int argc, char **argv)
{
	struct check		 ck;
	struct check_opts	 o;
	char			 userbuf[512], sagroup[512];
	int			 rc = 2;

	memset(&ck, 0, sizeof(ck));
	if (check_opts_parse(argc, argv, &o, &ck.id) != 0)
		return o.help ? 0 : 2;
	if ((ck.set = cli_load_policies(o.policies)) == NULL)
		return 2;
	if (ck.id.user == NULL && (ck.id.user = policy_set_default_user(ck.set,
	    userbuf, sizeof(userbuf))) == NULL) {
		fprintf(stderr, "gitgate: %s: no reconciler identity in the "
		    "policies; pass --user\n", o.policies);
		goto out;
	}
	default_groups(&ck.id, sagroup, sizeof(sagroup));
	ck.hint = ck.id.flux_prefix == NULL && !ck.id.live;
	if ((ck.work = malloc(sizeof(*ck.work))) == NULL ||
	    (ck.out = check_out_new(o.format, stdout)) == NULL) {
		fprintf(stderr, "gitgate: out of memory\n");
		goto out;
	}
	rc = check_run(&ck, argv + optind, argc - optind);
out:
	free(ck.work);
	policy_set_unref(ck.set);
	return rc;
}
