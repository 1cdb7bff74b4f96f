/*
 * policy_params.c - rule parameters beyond plain types: tag regexes,
 * source markers whose keys must be Kubernetes qualified names (values are
 * regexes), actor allow lists that must allow someone. What the rules do
 * with them is webhook/rules/'s business.
 */
#include "policy/policy_params.h"

#include <stdlib.h>
#include <string.h>

#include "base/match.h"
#include "policy/policy.h"
#include "wire/yaml_doc.h"

#define ERR(w, n, path, ...)						\
	policy_schema_msg((w), DIAG_ERROR, (n), (path), __VA_ARGS__)

#define LOWER	"abcdefghijklmnopqrstuvwxyz"
#define UPPER	"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGITS	"0123456789"
#define QNAME_MAX	63	/* name part of a qualified name */
#define SUBDOMAIN_MAX	253	/* its DNS subdomain prefix */

/* A DNS-1123 label run: [a-z0-9]([-a-z0-9]*[a-z0-9])?, len > 0. */
int
policy_params_dns_label(const char *s, size_t len)
{
	return len > 0 && len <= POLICY_NAME_MAX &&
	    strchr(LOWER DIGITS, s[0]) != NULL &&
	    strchr(LOWER DIGITS, s[len - 1]) != NULL &&
	    strspn(s, LOWER DIGITS "-") >= len;
}

static void
check_service_account(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, const char *s)
{
	const char	*colon = strchr(s, ':');

	if (colon == NULL || colon == s || colon[1] == '\0' ||
	    strchr(colon + 1, ':') != NULL)
		ERR(w, n, path, "expected \"NAMESPACE:NAME\" (globs allowed), "
		    "got \"%s\"", s);
}

static void
policy_params_sa_globs(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	policy_schema_strings(w, n, path, dst, 1, check_service_account);
}

void
policy_params_allowed_tags(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	struct policy_image	*img = dst;
	char			 sub[POLICY_SCHEMA_PATH_LEN];
	struct match_regex	*re;
	long			 count, i;

	if ((count = policy_schema_list(w, n, path, 1)) <= 0)
		return;
	img->allowed_tags = calloc((size_t)count, sizeof(*img->allowed_tags));
	if (img->allowed_tags == NULL) {
		ERR(w, n, path, "out of memory");
		return;
	}
	for (i = 0; i < count; i++) {
		policy_schema_path_index(sub, path, (size_t)i);
		re = policy_schema_compile(w, policy_schema_item(w, n, i), sub);
		if (re != NULL)
			img->allowed_tags[img->n_allowed_tags++] = re;
	}
}

/* Kubernetes qualified name: [DNS-subdomain "/"] name (<= 63). */
static int
qualified_name_ok(const char *s)
{
	const char	*slash = strchr(s, '/'), *name = s, *p, *dot;
	size_t		 len;

	if (slash != NULL) {
		if (slash - s > SUBDOMAIN_MAX)
			return 0;
		/* Labels separated by single dots; none may be empty. */
		for (p = s;; p = dot + 1) {
			if ((dot = memchr(p, '.', (size_t)(slash - p))) == NULL)
				dot = slash;
			if (!policy_params_dns_label(p, (size_t)(dot - p)))
				return 0;
			if (dot == slash)
				break;
		}
		name = slash + 1;
	}
	len = strlen(name);
	return len > 0 && len <= QNAME_MAX &&
	    strchr(UPPER LOWER DIGITS, name[0]) != NULL &&
	    strchr(UPPER LOWER DIGITS, name[len - 1]) != NULL &&
	    strspn(name, UPPER LOWER DIGITS "-_.") == len;
}

static void
f_qualified_key(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	char	**key = dst;

	policy_schema_string(w, n, path, dst);
	if (*key != NULL && !qualified_name_ok(*key))
		ERR(w, n, path, "invalid %s key \"%s\" (expected an optional "
		    "DNS subdomain and '/', then a name of at most 63 "
		    "letters, digits, '-', '_' or '.')", w->key_kind, *key);
}

static const struct policy_schema_key key_keys[] = {
	{ "key", f_qualified_key, offsetof(struct policy_source_key, key), 1 },
	{ "value", policy_schema_regex,
	    offsetof(struct policy_source_key, value), 0 },
	{ NULL, NULL, 0, 0 }
};

/* labels / annotations: strings or {key, value} mappings. */
static void
source_keys(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, struct policy_source_key **out, size_t *n_out)
{
	char		 sub[POLICY_SCHEMA_PATH_LEN];
	yaml_node_t	*it;
	long		 count, i;

	if ((count = policy_schema_list(w, n, path, 1)) <= 0)
		return;
	if ((*out = calloc((size_t)count, sizeof(**out))) == NULL) {
		ERR(w, n, path, "out of memory");
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
	struct policy_source_marker	*m = dst;

	w->key_kind = "label";
	source_keys(w, n, path, &m->labels, &m->n_labels);
}

static void
f_annotations(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	struct policy_source_marker	*m = dst;

	w->key_kind = "annotation";
	source_keys(w, n, path, &m->annotations, &m->n_annotations);
}

static const struct policy_schema_key marker_keys[] = {
	{ "name", policy_schema_string,
	    offsetof(struct policy_source_marker, name), 1 },
	{ "labels", f_labels, 0, 0 },
	{ "annotations", f_annotations, 0, 0 },
	{ NULL, NULL, 0, 0 }
};

void
policy_params_markers(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	struct policy_source		*src = dst;
	struct policy_source_marker	*m;
	char				 sub[POLICY_SCHEMA_PATH_LEN];
	yaml_node_t			*it;
	size_t				 errors;
	long				 count, i;

	if ((count = policy_schema_list(w, n, path, 0)) <= 0)
		return;
	if ((src->markers = calloc((size_t)count, sizeof(*m))) == NULL) {
		ERR(w, n, path, "out of memory");
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
			ERR(w, it, sub, "marker \"%s\" lists no labels or "
			    "annotations", m->name);
	}
}

static const struct policy_schema_key allow_keys[] = {
	{ "users", policy_schema_globs, offsetof(struct policy_actor, users),
	    0 },
	{ "groups", policy_schema_globs, offsetof(struct policy_actor, groups),
	    0 },
	{ "serviceAccounts", policy_params_sa_globs,
	    offsetof(struct policy_actor, service_accounts), 0 },
	{ NULL, NULL, 0, 0 }
};

void
policy_params_allow(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	struct policy_actor	*a = dst;
	size_t			 errors = w->d->errors;

	policy_schema_map(w, n, path, allow_keys, a);
	if (w->d->errors == errors &&
	    a->users.n + a->groups.n + a->service_accounts.n == 0)
		ERR(w, n, path, "allows nobody (list at least one user, group "
		    "or service account)");
}

