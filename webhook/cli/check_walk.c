/*
 * check_walk.c - what `gitgate check DIR` reads in a config repo: every
 * .yaml/.yml/.json file below DIR, in name order, except kustomization
 * files, the files a kustomization uses as inputs (patches, transformer,
 * generator and replacement configs, generator sources) and Helm chart
 * folders. Each file left out gets a note; every limit hit is an error.
 * It does not read manifests: that is cli_check.c.
 */
#include "cli/check.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/diag.h"
#include "cli/cli.h"
#include "wire/yaml_doc.h"

#define KUSTOMIZATION_MAX	(1024 * 1024)	/* bytes of one file */

struct skip {
	char	*path;		/* realpath */
	char	*why;
};

struct walk {
	struct check_files	*out;
	struct skip		 skips[CHECK_SKIPS_MAX];
	size_t			 n_skips;
	size_t			 errors;
	int			 full;		/* CHECK_FILES_MAX said */
};

static const char *const kustomization_names[] = {
	"kustomization.yaml", "kustomization.yml", "Kustomization"
};

static int
file_add(struct walk *w, const char *path, const char *skip)
{
	struct check_file	*nv;
	size_t			 ncap;

	if (w->out->n >= CHECK_FILES_MAX) {
		if (!w->full) {
			fprintf(stderr, "gitgate: more than %d files: %s and "
			    "the files after it are not read (CHECK_FILES_MAX)"
			    "\n", CHECK_FILES_MAX, path);
			w->errors++;
		}
		w->full = 1;
		return -1;
	}
	if (w->out->n == w->out->cap) {
		ncap = w->out->cap == 0 ? 64 : w->out->cap * 2;
		if ((nv = realloc(w->out->v, ncap * sizeof(*nv))) == NULL)
			goto oom;
		w->out->v = nv;
		w->out->cap = ncap;
	}
	nv = &w->out->v[w->out->n];
	nv->skip = NULL;
	if ((nv->path = strdup(path)) == NULL ||
	    (skip != NULL && (nv->skip = strdup(skip)) == NULL)) {
		free(nv->path);
		goto oom;
	}
	w->out->n++;
	return 0;
oom:
	fprintf(stderr, "gitgate: out of memory\n");
	w->errors++;
	return -1;
}

/* Remember dir/name as an input of kfile (not an object), if it exists. */
static void
skip_add(struct walk *w, const char *dir, const char *name, const char *kfile,
    const char *as)
{
	char		 path[CHECK_PATH_MAX], real[PATH_MAX];
	char		 why[CHECK_PATH_MAX];
	struct stat	 st;
	const char	*eq;

	if (strchr(name, '\n') != NULL)
		return;			/* an inline patch, not a file */
	if ((eq = strchr(name, '=')) != NULL)
		name = eq + 1;		/* generator "key=path" */
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (realpath(path, real) == NULL || stat(real, &st) == -1 ||
	    !S_ISREG(st.st_mode))
		return;
	if (w->n_skips == CHECK_SKIPS_MAX) {
		fprintf(stderr, "gitgate: %s: more than %d kustomization "
		    "inputs; %s may be read as an object (CHECK_SKIPS_MAX)\n",
		    kfile, CHECK_SKIPS_MAX, path);
		w->errors++;
		return;
	}
	snprintf(why, sizeof(why), "%s of %s, not an object", as, kfile);
	w->skips[w->n_skips].path = strdup(real);
	w->skips[w->n_skips].why = strdup(why);
	if (w->skips[w->n_skips].path == NULL ||
	    w->skips[w->n_skips].why == NULL) {
		free(w->skips[w->n_skips].path);
		free(w->skips[w->n_skips].why);
		return;
	}
	w->n_skips++;
}

/* Each string of list (or each list entry's key) as an input of kfile. */
static void
skip_list(struct walk *w, const char *dir, const cJSON *k, const char *key,
    const char *sub, const char *kfile, const char *as)
{
	const cJSON	*list = cJSON_GetObjectItemCaseSensitive(k, key), *e;
	const cJSON	*v, *f, *arr;

	if (cJSON_IsString(list))
		skip_add(w, dir, list->valuestring, kfile, as);
	cJSON_ArrayForEach(e, list) {
		v = sub != NULL ? cJSON_GetObjectItemCaseSensitive(e, sub) : e;
		if (cJSON_IsString(v))
			skip_add(w, dir, v->valuestring, kfile, as);
		arr = cJSON_IsArray(v) ? v : NULL;
		cJSON_ArrayForEach(f, arr) {
			if (cJSON_IsString(f))
				skip_add(w, dir, f->valuestring, kfile, as);
		}
	}
}

/* Read a kustomization and remember the files it uses as inputs. */
static void
kustomization_read(struct walk *w, const char *dir, const char *kfile)
{
	static const char *const gens[] = { "configMapGenerator",
	    "secretGenerator" };
	struct ydocs	 docs;
	struct diag		 d;
	const cJSON		*e;
	cJSON			*k;
	char			*buf, err[256];
	size_t			 len, budget = YAML_DOC_MAX_NODES, i;

	if (cli_read_file(kfile, KUSTOMIZATION_MAX, &buf, &len) == -1) {
		w->errors++;
		return;
	}
	diag_init(&d);
	if (ydoc_load(kfile, buf, len, &docs, &d) == -1) {
		cli_print_diag(&d);
		w->errors++;
		goto out;
	}
	k = docs.n > 0 ? ydoc_to_json(&docs.v[0],
	    yaml_document_get_root_node(&docs.v[0]), &budget, err,
	    sizeof(err)) : NULL;
	skip_list(w, dir, k, "patches", "path", kfile, "a patch");
	skip_list(w, dir, k, "patchesStrategicMerge", NULL, kfile, "a patch");
	skip_list(w, dir, k, "patchesJson6902", "path", kfile, "a patch");
	skip_list(w, dir, k, "transformers", NULL, kfile, "a transformer");
	skip_list(w, dir, k, "generators", NULL, kfile, "a generator");
	skip_list(w, dir, k, "validators", NULL, kfile, "a validator");
	skip_list(w, dir, k, "replacements", "path", kfile, "a replacement");
	skip_list(w, dir, k, "configurations", NULL, kfile, "a configuration");
	skip_list(w, dir, k, "helmCharts", "valuesFile", kfile, "Helm values");
	for (i = 0; i < sizeof(gens) / sizeof(gens[0]); i++)
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(k,
		    gens[i])) {
			skip_list(w, dir, e, "files", NULL, kfile,
			    "a generator input");
			skip_list(w, dir, e, "envs", NULL, kfile,
			    "a generator input");
			skip_list(w, dir, e, "env", NULL, kfile,
			    "a generator input");
		}
	cJSON_Delete(k);
	ydoc_free(&docs);
out:
	diag_free(&d);
	free(buf);
}

static int
name_is(const char *name, const char *const *names, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(name, names[i]) == 0)
			return 1;
	return 0;
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

static void	walk_path(struct walk *, const char *, int);

/* A directory: its kustomization first, then its entries in name order. */
static void
walk_dir(struct walk *w, const char *path, struct dirent **ents, int n,
    int depth)
{
	char		 sub[CHECK_PATH_MAX];
	struct stat	 st;
	int		 i;

	for (i = 0; i < n; i++)
		if (name_is(ents[i]->d_name, kustomization_names, 3)) {
			snprintf(sub, sizeof(sub), "%s/%s", path,
			    ents[i]->d_name);
			kustomization_read(w, path, sub);
		}
	for (i = 0; i < n && w->full == 0; i++) {
		if (ents[i]->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
		    ents[i]->d_name) >= sizeof(sub)) {
			fprintf(stderr, "gitgate: %s/%s: path longer than %d "
			    "bytes\n", path, ents[i]->d_name, CHECK_PATH_MAX);
			w->errors++;
			continue;
		}
		if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			walk_path(w, sub, depth + 1);
		else if (name_is(ents[i]->d_name, kustomization_names, 3))
			file_add(w, sub, "a kustomization (kustomize's input, "
			    "not an object)");
		else if (is_manifest_name(ents[i]->d_name))
			file_add(w, sub, NULL);
	}
}

static void
walk_path(struct walk *w, const char *path, int depth)
{
	struct dirent	**ents;
	struct stat	  st;
	char		  chart[CHECK_PATH_MAX];
	int		  i, n;

	if (strcmp(path, "-") == 0 || stat(path, &st) == -1 ||
	    !S_ISDIR(st.st_mode)) {
		file_add(w, path, NULL);	/* missing: said when read */
		return;
	}
	if (depth > CHECK_DEPTH_MAX) {
		fprintf(stderr, "gitgate: %s: more than %d directory levels: "
		    "not read (CHECK_DEPTH_MAX)\n", path, CHECK_DEPTH_MAX);
		w->errors++;
		return;
	}
	snprintf(chart, sizeof(chart), "%s/Chart.yaml", path);
	if (stat(chart, &st) == 0) {
		file_add(w, path, "a Helm chart: render it first: helm "
		    "template NAME DIR | gitgate check --helmrelease NS/NAME "
		    "...  -");
		return;
	}
	if ((n = scandir(path, &ents, NULL, by_name)) < 0) {
		fprintf(stderr, "gitgate: %s: %s\n", path, strerror(errno));
		w->errors++;
		return;
	}
	walk_dir(w, path, ents, n, depth);
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
}

size_t
check_walk(char **paths, int n, struct check_files *out)
{
	struct walk	*w;
	char		 real[PATH_MAX];
	size_t		 i, j, errors;
	int		 k;

	memset(out, 0, sizeof(*out));
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		fprintf(stderr, "gitgate: out of memory\n");
		return 1;
	}
	w->out = out;
	for (k = 0; k < n; k++)
		walk_path(w, paths[k], 0);
	for (i = 0; i < out->n; i++) {
		if (out->v[i].skip != NULL ||
		    strcmp(out->v[i].path, "-") == 0 ||
		    realpath(out->v[i].path, real) == NULL)
			continue;
		for (j = 0; j < w->n_skips; j++)
			if (strcmp(real, w->skips[j].path) == 0) {
				out->v[i].skip = strdup(w->skips[j].why);
				break;
			}
	}
	for (j = 0; j < w->n_skips; j++) {
		free(w->skips[j].path);
		free(w->skips[j].why);
	}
	errors = w->errors;
	free(w);
	return errors;
}

void
check_files_free(struct check_files *f)
{
	size_t	i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		free(f->v[i].path);
		free(f->v[i].skip);
	}
	free(f->v);
	memset(f, 0, sizeof(*f));
}

/*
 * A Go template action that names what only Helm provides (.Values,
 * .Release, .Chart, include, toYaml...). "{{" alone is not enough:
 * PrometheusRules carry "{{ $labels.pod }}" and "{{- end }}".
 */
int
check_is_helm_template(const char *buf, size_t len)
{
	static const char *const marks[] = { ".Values", ".Release.",
	    ".Chart.", ".Capabilities.", "include \"", "toYaml", ".Files." };
	const char	*p = buf, *end = buf + len, *open, *close;
	size_t		 i;

	while ((open = memmem(p, (size_t)(end - p), "{{", 2)) != NULL) {
		if ((close = memmem(open, (size_t)(end - open), "}}", 2)) ==
		    NULL)
			break;
		for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
			if (memmem(open, (size_t)(close - open), marks[i],
			    strlen(marks[i])) != NULL)
				return 1;
		p = close + 2;
	}
	return 0;
}
