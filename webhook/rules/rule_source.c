/*
 * rule_source.c - rule 2: an object must carry a Git-source marker (Flux
 * labels, Argo CD's tracking annotation, a repo annotation; a marker bound
 * to actors counts only for those writers). Objects a controller owns,
 * subresource requests and DELETEs are not asked.
 */
#include "rules/rule_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/kube.h"
#include "base/match.h"
#include "policy/policy_schema.h"

/* MATCH_YES if every key is there (with a matching value), else NO/ERROR. */
static enum match_result
keys_present(const cJSON *map, const struct rule_source_key *keys,
    size_t n, char *err, size_t errlen)
{
	const cJSON		*v;
	enum match_result	 m;
	size_t			 i;

	for (i = 0; i < n; i++) {
		v = cJSON_GetObjectItemCaseSensitive(map, keys[i].key);
		if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
			return MATCH_NO;
		if (keys[i].value == NULL)
			continue;
		m = match_regex(keys[i].value, v->valuestring,
		    strlen(v->valuestring), err, errlen);
		if (m != MATCH_YES)
			return m;
	}
	return MATCH_YES;
}

enum match_result
rule_source_marker_present(const struct rule_source_marker *mk,
    const cJSON *obj, char *err, size_t errlen)
{
	const cJSON		*meta;
	enum match_result	 m;

	meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	m = keys_present(cJSON_GetObjectItemCaseSensitive(meta, "labels"),
	    mk->labels, mk->n_labels, err, errlen);
	if (m == MATCH_YES)
		m = keys_present(cJSON_GetObjectItemCaseSensitive(meta,
		    "annotations"), mk->annotations, mk->n_annotations, err,
		    errlen);
	return m;
}

static void
source_eval(const struct policy *p, const struct review *rv,
    struct rule_result *r)
{
	const struct rule_source	*ps = RULE_SOURCE(p);
	enum match_result		 m;
	char				 err[128], what[160], names[160];
	size_t				 i, used = 0;

	rule_result_init(r);
	if (rv->op == KUBE_OP_DELETE || rv->subresource[0] != '\0')
		return;
	if (rv->object == NULL) {
		rule_result_add(r, RULE_ERROR, "request carries no object");
		return;
	}
	if (rule_has_controller_owner(rv->object))
		return;
	names[0] = '\0';
	for (i = 0; i < ps->n_markers; i++) {
		const struct rule_source_marker *mk = &ps->markers[i];

		/* Not this writer's marker: absent, and not offered. */
		if (mk->has_actors && !rule_writer_matches(&mk->actors.users,
		    &mk->actors.groups, &mk->actors.service_accounts, rv))
			continue;
		m = rule_source_marker_present(mk, rv->object, err,
		    sizeof(err));
		if (m == MATCH_YES)
			return;
		if (m == MATCH_ERROR) {
			rule_result_add(r, RULE_ERROR, "cannot check marker "
			    "%s: %s", mk->name, err);
			return;
		}
		if (used < sizeof(names))
			used += (size_t)snprintf(names + used,
			    sizeof(names) - used, "%s%s", used ? ", " : "",
			    mk->name);
	}
	rule_result_add(r, RULE_FAIL, "%s carries no Git-source marker (%s%s)",
	    rule_describe(rv, what, sizeof(what)), names[0] != '\0' ?
	    "one of: " : "none counts for this writer", names);
}

/* match.managedBy's lookup: the first marker of p named name. */
static const void *
source_marker(const struct policy *p, const char *name)
{
	const struct rule_source	*ps = RULE_SOURCE(p);
	size_t				 i;

	for (i = 0; i < ps->n_markers; i++)
		if (ps->markers[i].name != NULL &&
		    strcmp(ps->markers[i].name, name) == 0)
			return &ps->markers[i];
	return NULL;
}

/*
 * The spec: markers, each a name, the labels / annotations it needs and
 * optionally the actors it counts for.
 */

#define QNAME_MAX	63	/* name part of a qualified name */
#define SUBDOMAIN_MAX	253	/* its DNS subdomain prefix */

/* Kubernetes qualified name: [DNS-subdomain "/"] name (<= 63). */
static int
qualified_name_ok(const char *s)
{
	static const char	 alnum[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	const char		*slash = strchr(s, '/'), *name = s, *p, *dot;
	size_t			 len;

	if (slash != NULL) {
		if (slash - s > SUBDOMAIN_MAX)
			return 0;
		/* Labels separated by single dots; none may be empty. */
		for (p = s;; p = dot + 1) {
			if ((dot = memchr(p, '.', (size_t)(slash - p))) == NULL)
				dot = slash;
			if (!policy_schema_dns_label(p, (size_t)(dot - p)))
				return 0;
			if (dot == slash)
				break;
		}
		name = slash + 1;
	}
	len = strlen(name);
	return len > 0 && len <= QNAME_MAX &&
	    strchr(alnum, name[0]) != NULL &&
	    strchr(alnum, name[len - 1]) != NULL &&
	    strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == len;
}

static void
f_qualified_key(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	char	**key = dst;

	policy_schema_string(w, n, path, dst);
	if (*key != NULL && !qualified_name_ok(*key))
		SCHEMA_ERR(w, n, path, "invalid %s key \"%s\" (expected an "
		    "optional DNS subdomain and '/', then a name of at most "
		    "63 letters, digits, '-', '_' or '.')", w->key_kind, *key);
}

static const struct policy_schema_key key_keys[] = {
	{ "key", f_qualified_key, offsetof(struct rule_source_key, key), 1 },
	{ "value", policy_schema_regex,
	    offsetof(struct rule_source_key, value), 0 },
	{ NULL, NULL, 0, 0 }
};

/* labels / annotations: strings or {key, value} mappings. */
static void
source_keys(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, struct rule_source_key **out, size_t *n_out)
{
	char		 sub[POLICY_SCHEMA_PATH_LEN];
	yaml_node_t	*it;
	long		 count, i;

	if ((count = policy_schema_list(w, n, path, 1)) <= 0)
		return;
	if ((*out = calloc((size_t)count, sizeof(**out))) == NULL) {
		SCHEMA_ERR(w, n, path, "out of memory");
		return;
	}
	*n_out = (size_t)count;
	for (i = 0; i < count; i++) {
		it = policy_schema_item(w, n, i);
		policy_schema_path_index(sub, path, (size_t)i);
		if (it->type == YAML_MAPPING_NODE)
			policy_schema_map(w, it, sub, key_keys, &(*out)[i]);
		else
			f_qualified_key(w, it, sub, &(*out)[i].key);
	}
}

static void
f_labels(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	struct rule_source_marker	*m = dst;

	w->key_kind = "label";
	source_keys(w, n, path, &m->labels, &m->n_labels);
}

static void
f_annotations(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	struct rule_source_marker	*m = dst;

	w->key_kind = "annotation";
	source_keys(w, n, path, &m->annotations, &m->n_annotations);
}

static const struct policy_schema_key actors_keys[] = {
	{ "users", policy_schema_globs,
	    offsetof(struct rule_source_actors, users), 0 },
	{ "groups", policy_schema_globs,
	    offsetof(struct rule_source_actors, groups), 0 },
	{ "serviceAccounts", policy_schema_service_accounts,
	    offsetof(struct rule_source_actors, service_accounts), 0 },
	{ NULL, NULL, 0, 0 }
};

static void
f_actors(struct policy_schema_walk *w, yaml_node_t *n, const char *path,
    void *dst)
{
	struct rule_source_marker	*m = dst;
	struct rule_source_actors	*a = &m->actors;
	size_t				 errors = w->d->errors;

	m->has_actors = 1;
	policy_schema_map(w, n, path, actors_keys, a);
	if (w->d->errors == errors &&
	    a->users.n + a->groups.n + a->service_accounts.n == 0)
		SCHEMA_ERR(w, n, path, "names nobody (list at least one user, "
		    "group or service account, or drop actors)");
}

static const struct policy_schema_key marker_keys[] = {
	{ "name", policy_schema_string,
	    offsetof(struct rule_source_marker, name), 1 },
	{ "labels", f_labels, 0, 0 },
	{ "annotations", f_annotations, 0, 0 },
	{ "actors", f_actors, 0, 0 },
	{ NULL, NULL, 0, 0 }
};

static void
f_markers(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	struct rule_source		*src = dst;
	struct rule_source_marker	*m;
	char				 sub[POLICY_SCHEMA_PATH_LEN];
	yaml_node_t			*it;
	size_t				 errors;
	long				 count, i;

	if ((count = policy_schema_list(w, n, path, 0)) <= 0)
		return;
	if ((src->markers = calloc((size_t)count, sizeof(*m))) == NULL) {
		SCHEMA_ERR(w, n, path, "out of memory");
		return;
	}
	src->n_markers = (size_t)count;
	for (i = 0; i < count; i++) {
		m = &src->markers[i];
		it = policy_schema_item(w, n, i);
		policy_schema_path_index(sub, path, (size_t)i);
		errors = w->d->errors;
		policy_schema_map(w, it, sub, marker_keys, m);
		if (w->d->errors == errors &&
		    m->n_labels + m->n_annotations == 0)
			SCHEMA_ERR(w, it, sub, "marker \"%s\" lists no labels "
			    "or annotations", m->name);
	}
}

static const struct policy_schema_key source_keys_table[] = {
	{ "markers", f_markers, 0, 1 },
	{ NULL, NULL, 0, 0 }
};

static void
source_keys_free(struct rule_source_key *keys, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(keys[i].key);
		match_regex_free(keys[i].value);
	}
	free(keys);
}

static void
source_free(void *params)
{
	struct rule_source	*src = params;
	size_t			 i;

	for (i = 0; i < src->n_markers; i++) {
		free(src->markers[i].name);
		source_keys_free(src->markers[i].labels,
		    src->markers[i].n_labels);
		source_keys_free(src->markers[i].annotations,
		    src->markers[i].n_annotations);
		strlist_free(&src->markers[i].actors.users);
		strlist_free(&src->markers[i].actors.groups);
		strlist_free(&src->markers[i].actors.service_accounts);
	}
	free(src->markers);
}

const struct policy_kind rule_source_kind = {
	.name = "SourcePolicy",
	.rule = "source",
	.params_size = sizeof(struct rule_source),
	.keys = source_keys_table,
	.default_ops = KUBE_OP_CREATE | KUBE_OP_UPDATE,
	.default_subresources = NULL,
	.podspec_only = 0,
	.init = NULL,
	.eval = source_eval,
	.free = source_free,
	.identity = NULL,
	.marker = source_marker,
};
