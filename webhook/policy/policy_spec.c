/*
 * policy_spec.c - the policy format as declared-key tables: the document
 * (apiVersion, kind, metadata), Settings, and the block every policy has
 * (mode, message, match) with its defaults. Each kind's own spec keys come
 * from its rule (struct policy_kind); type checking and error reporting
 * are policy_schema.c's; the set is policy_set.c's.
 */
#include "policy/policy_spec.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/kube.h"
#include "base/match.h"
#include "policy/policy_exception.h"
#include "policy/policy_schema.h"
#include "wire/yaml_doc.h"

#define ERR	SCHEMA_ERR

#define LOWER	"abcdefghijklmnopqrstuvwxyz"
#define UPPER	"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGITS	"0123456789"

static void
f_mode(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	const char	*s;

	if ((s = policy_schema_get_string(w, n, path)) == NULL)
		return;
	if (strcmp(s, "enforce") == 0)
		*(enum policy_mode *)dst = POLICY_ENFORCE;
	else if (strcmp(s, "audit") == 0)
		*(enum policy_mode *)dst = POLICY_AUDIT;
	else
		ERR(w, n, path, "invalid mode \"%s\" (expected enforce or "
		    "audit)", s);
}

/* "v1", "v2beta1": a version where a group belongs. */
static int
looks_like_version(const char *s, size_t len)
{
	size_t	n;

	if (len < 2 || s[0] != 'v' || strchr(DIGITS, s[1]) == NULL)
		return 0;
	n = 1 + strspn(s + 1, DIGITS);
	if (n < len && strncmp(s + n, "alpha", 5) == 0)
		n += 5;
	else if (n < len && strncmp(s + n, "beta", 4) == 0)
		n += 4;
	return n + strspn(s + n, DIGITS) >= len;
}

/* An API group: "core", or DNS-1123 labels joined by dots. */
static int
group_ok(const char *s, size_t len)
{
	const char	*p = s, *dot, *end = s + len;

	if (len == 0 || len > 253)
		return 0;
	for (;; p = dot + 1) {
		if ((dot = memchr(p, '.', (size_t)(end - p))) == NULL)
			dot = end;
		if (!policy_schema_dns_label(p, (size_t)(dot - p)))
			return 0;
		if (dot == end)
			return 1;
	}
}

static int
camel_ok(const char *s)
{
	size_t	len = strlen(s);

	return len > 0 && len <= POLICY_NAME_MAX && strchr(UPPER, *s) != NULL &&
	    strspn(s, UPPER LOWER DIGITS) == len;
}

/* A match.kinds entry: Kind, GROUP/Kind, GROUP/ then a star, or a star. */
void
policy_spec_check_kind(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, const char *s)
{
	const char	*slash = strchr(s, '/'), *kind = s;
	size_t		 glen;

	if (slash != NULL) {
		glen = (size_t)(slash - s);
		kind = slash + 1;
		if (looks_like_version(s, glen) || strchr(kind, '/') != NULL) {
			ERR(w, n, path, "invalid kind \"%s\" (expected "
			    "GROUP/Kind without a version, e.g. "
			    "apps/Deployment; core/Service for the core "
			    "group)", s);
			return;
		}
		if (!group_ok(s, glen)) {
			ERR(w, n, path, "invalid API group in \"%s\" (expected "
			    "lowercase DNS labels joined by dots, or core)", s);
			return;
		}
	}
	if (strcmp(kind, "*") != 0 && !camel_ok(kind)) {
		ERR(w, n, path, "invalid kind \"%s\" (expected a CamelCase "
		    "kind such as Deployment%s)", s, slash != NULL ?
		    " after GROUP/, or *" : "");
		return;
	}
	if (w->kind == NULL || !w->kind->podspec_only ||
	    kube_kind_is_workload(kind))
		return;
	if (strcmp(kind, "*") == 0)
		policy_schema_msg(w, DIAG_WARNING, n, path, "\"%s\" includes "
		    "kinds without pod specs; an %s only checks pod specs",
		    s, w->kind->name);
	else
		policy_schema_msg(w, DIAG_WARNING, n, path, "\"%s\" is not a "
		    "workload kind; an %s only checks pod specs", s,
		    w->kind->name);
}

static void
f_kinds(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	policy_schema_strings(w, n, path, dst, 0, policy_spec_check_kind);
}

static void
check_subresource(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, const char *s)
{
	if (strspn(s, LOWER) != strlen(s))
		ERR(w, n, path, "invalid subresource \"%s\" (expected "
		    "lowercase letters, or \"\" for the main resource)", s);
}

static void
f_subresources(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	policy_schema_strings(w, n, path, dst, 0, check_subresource);
}

static void
f_operations(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	char		 sub[POLICY_SCHEMA_PATH_LEN];
	const char	*s;
	unsigned	 ops = 0, op;
	long		 count, i;

	if ((count = policy_schema_list(w, n, path, 0)) <= 0)
		return;
	for (i = 0; i < count; i++) {
		policy_schema_path_index(sub, path, (size_t)i);
		s = policy_schema_get_string(w, policy_schema_item(w, n, i),
		    sub);
		if (s == NULL)
			continue;
		op = strcmp(s, "*") == 0 ? KUBE_OP_ALL : kube_op_parse(s);
		if (op == 0)
			ERR(w, policy_schema_item(w, n, i), sub, "invalid "
			    "operation \"%s\" (expected CREATE, UPDATE, "
			    "DELETE, CONNECT or \"*\")", s);
		ops |= op;
	}
	*(unsigned *)dst = ops;
}

static const struct policy_schema_key namespace_keys[] = {
	{ "include", policy_schema_globs,
	    offsetof(struct policy_match, ns_include), 0 },
	{ "exclude", policy_schema_globs,
	    offsetof(struct policy_match, ns_exclude), 0 },
	{ NULL, NULL, 0, 0 }
};

static void
f_namespaces(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	policy_schema_map(w, n, path, namespace_keys, dst);
}

/* managedBy: marker names, resolved once the whole set is loaded. */
static void
f_managed_by(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	struct policy_match	*m = dst;
	struct policy_marker_ref *r;
	char			 sub[POLICY_SCHEMA_PATH_LEN];
	yaml_node_t		*it;
	const char		*s;
	long			 count, i;

	if ((count = policy_schema_list(w, n, path, 0)) <= 0)
		return;
	if ((m->managed_by = calloc((size_t)count, sizeof(*r))) == NULL) {
		ERR(w, n, path, "out of memory");
		return;
	}
	for (i = 0; i < count; i++) {
		it = policy_schema_item(w, n, i);
		policy_schema_path_index(sub, path, (size_t)i);
		if ((s = policy_schema_get_string(w, it, sub)) == NULL)
			continue;
		r = &m->managed_by[m->n_managed_by];
		if ((r->name = strdup(s)) == NULL) {
			ERR(w, it, sub, "out of memory");
			return;
		}
		r->line = ydoc_line(it);
		r->col = ydoc_col(it);
		m->n_managed_by++;
	}
}

static const struct policy_schema_key match_keys[] = {
	{ "kinds", f_kinds, offsetof(struct policy_match, kinds), 0 },
	{ "namespaces", f_namespaces, 0, 0 },
	{ "operations", f_operations, offsetof(struct policy_match, ops), 0 },
	{ "subresources", f_subresources,
	    offsetof(struct policy_match, subresources), 0 },
	{ "managedBy", f_managed_by, 0, 0 },
	{ NULL, NULL, 0, 0 }
};

static void
f_match(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	policy_schema_map(w, n, path, match_keys, dst);
}

/* The keys every policy's spec has, besides its rule's own. */
static const struct policy_schema_key common_keys[] = {
	{ "mode", f_mode, offsetof(struct policy, mode), 0 },
	{ "message", policy_schema_string, offsetof(struct policy, hint), 0 },
	{ "match", f_match, offsetof(struct policy, match), 0 },
	{ NULL, NULL, 0, 0 }
};

static const struct policy_schema_key exempt_actor_keys[] = {
	{ "users", policy_schema_globs,
	    offsetof(struct policy_settings, exempt_users), 0 },
	{ "groups", policy_schema_globs,
	    offsetof(struct policy_settings, exempt_groups), 0 },
	{ NULL, NULL, 0, 0 }
};

static void
f_exempt_actors(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	policy_schema_map(w, n, path, exempt_actor_keys, dst);
}

static const struct policy_schema_key settings_keys[] = {
	{ "exemptNamespaces", policy_schema_globs,
	    offsetof(struct policy_settings, exempt_namespaces), 0 },
	{ "exemptActors", f_exempt_actors, 0, 0 },
	{ NULL, NULL, 0, 0 }
};

struct doc_nodes {
	yaml_node_t	*api, *kind, *meta, *spec, *name;
};

static const struct policy_schema_key doc_keys[] = {
	{ "apiVersion", policy_schema_node, offsetof(struct doc_nodes, api),
	    1 },
	{ "kind", policy_schema_node, offsetof(struct doc_nodes, kind), 1 },
	{ "metadata", policy_schema_node, offsetof(struct doc_nodes, meta),
	    1 },
	{ "spec", policy_schema_node, offsetof(struct doc_nodes, spec), 1 },
	{ NULL, NULL, 0, 0 }
};

static const struct policy_schema_key meta_keys[] = {
	{ "name", policy_schema_node, offsetof(struct doc_nodes, name), 1 },
	{ "labels", policy_schema_any_map, 0, 0 },
	{ "annotations", policy_schema_any_map, 0, 0 },
	{ NULL, NULL, 0, 0 }
};

/* "Settings, PolicyException, ImagePolicy, ... or ActorPolicy" into buf. */
static const char *
kind_names(const struct policy_kind *const *kinds, char *buf, size_t len)
{
	size_t	i, n, o;

	for (n = 0; kinds[n] != NULL; n++)
		continue;
	o = (size_t)snprintf(buf, len, "Settings%s", n > 0 ? ", "
	    POLICY_EXCEPTION_KIND : " or " POLICY_EXCEPTION_KIND);
	for (i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s",
		    i + 1 == n ? " or " : ", ", kinds[i]->name);
	return buf;
}

/*
 * The kind of the document: sets *kind (NULL for Settings and
 * PolicyException, which out->is_exception tells apart) and returns 0, or
 * -1 after an error.
 */
static int
doc_kind(struct policy_schema_walk *w, yaml_node_t *n,
    const struct policy_kind *const *kinds, struct policy_doc *out,
    const struct policy_kind **kind)
{
	const char	*s;
	char		 names[256];
	size_t		 i;

	if ((s = policy_schema_get_string(w, n, "kind")) == NULL)
		return -1;
	*kind = NULL;
	for (i = 0; kinds[i] != NULL; i++)
		if (strcmp(s, kinds[i]->name) == 0)
			*kind = kinds[i];
	out->is_exception = strcmp(s, POLICY_EXCEPTION_KIND) == 0;
	if (*kind == NULL && strcmp(s, "Settings") != 0 &&
	    !out->is_exception) {
		ERR(w, n, "kind", "unknown kind \"%s\" (expected %s)", s,
		    kind_names(kinds, names, sizeof(names)));
		return -1;
	}
	out->is_settings = *kind == NULL && !out->is_exception;
	out->kind_line = ydoc_line(n);
	out->kind_col = ydoc_col(n);
	return 0;
}

static void
doc_name(struct policy_schema_walk *w, yaml_node_t *n,
    struct policy_doc *out)
{
	const char	*s;

	if ((s = policy_schema_get_string(w, n, "metadata.name")) == NULL)
		return;
	if (!policy_schema_dns_label(s, strlen(s))) {
		ERR(w, n, "metadata.name", "invalid name \"%s\" (expected a "
		    "DNS label: at most %d lowercase letters, digits or '-', "
		    "starting and ending with a letter or digit)", s,
		    POLICY_NAME_MAX);
		return;
	}
	memcpy(out->name, s, strlen(s) + 1);
	out->name_line = ydoc_line(n);
	out->name_col = ydoc_col(n);
}

static int
strlist_default(struct strlist *l, const char *const *v)
{
	size_t	n;

	if (l->v != NULL)
		return 0;
	for (n = 0; v[n] != NULL; n++)
		continue;
	if ((l->v = calloc(n, sizeof(*l->v))) == NULL)
		return -1;
	for (l->n = 0; l->n < n; l->n++)
		if ((l->v[l->n] = strdup(v[l->n])) == NULL)
			return -1;
	return 0;
}

/* Walk a policy spec over its defaults; 0 or -1 (out of memory). */
static int
doc_policy(struct policy_schema_walk *w, yaml_node_t *spec,
    const struct policy_kind *kind, struct policy *p)
{
	static const char *const main_only[] = { "", NULL };
	struct policy_schema_keyset	 sets[2];

	p->kind = kind;
	p->match.ops = kind->default_ops;
	if ((p->params = calloc(1, kind->params_size)) == NULL)
		return -1;
	if (kind->init != NULL)
		kind->init(p->params);
	sets[0].keys = common_keys;
	sets[0].base = p;
	sets[1].keys = kind->keys;
	sets[1].base = p->params;
	w->kind = kind;
	policy_schema_map_sets(w, spec, "spec", sets, 2);
	if (strlist_default(&p->match.kinds, kind->default_kinds != NULL ?
	    kind->default_kinds : kube_workload_kinds) == -1 ||
	    strlist_default(&p->match.subresources,
	    kind->default_subresources != NULL ? kind->default_subresources :
	    main_only) == -1)
		return -1;
	return 0;
}

/* Name and place a valid exception; 0, or -1 (out of memory). */
static int
doc_exception(struct policy_schema_walk *w, yaml_node_t *root,
    const char *file, struct policy_doc *out)
{
	out->exception.line = ydoc_line(root);
	out->exception.name = strdup(out->name);
	out->exception.file = strdup(file);
	if (out->exception.name == NULL || out->exception.file == NULL) {
		ERR(w, root, "", "out of memory");
		return -1;
	}
	out->kind = POLICY_DOC_EXCEPTION;
	return 0;
}

int
policy_spec_doc(yaml_document_t *doc, const char *file,
    const struct policy_kind *const *kinds, struct diag *d,
    struct policy_doc *out)
{
	struct policy_schema_walk	 w = { doc, file, d, NULL, "label" };
	const struct policy_kind	*kind = NULL;
	struct doc_nodes		 nodes;
	yaml_node_t			*root;
	size_t				 errors = d->errors;
	int				 k = -1, rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&nodes, 0, sizeof(nodes));
	root = yaml_document_get_root_node(doc);
	policy_schema_map(&w, root, "", doc_keys, &nodes);
	if (nodes.api != NULL && policy_schema_get_string(&w, nodes.api,
	    "apiVersion") != NULL && strcmp(ydoc_scalar(nodes.api),
	    POLICY_API_VERSION) != 0)
		ERR(&w, nodes.api, "apiVersion", "expected \"%s\", got \"%s\"",
		    POLICY_API_VERSION, ydoc_scalar(nodes.api));
	if (nodes.kind != NULL)
		k = doc_kind(&w, nodes.kind, kinds, out, &kind);
	if (nodes.meta != NULL)
		policy_schema_map(&w, nodes.meta, "metadata", meta_keys,
		    &nodes);
	if (nodes.name != NULL)
		doc_name(&w, nodes.name, out);
	if (nodes.spec != NULL && k >= 0 && out->is_exception)
		policy_exception_spec(&w, nodes.spec, &out->exception);
	else if (nodes.spec != NULL && k >= 0 && kind == NULL)
		policy_schema_map(&w, nodes.spec, "spec", settings_keys,
		    &out->settings);
	else if (nodes.spec != NULL && k >= 0 &&
	    doc_policy(&w, nodes.spec, kind, &out->policy) == -1)
		ERR(&w, root, "", "out of memory");
	if (d->errors != errors || k < 0)
		goto out;
	if (out->is_exception) {
		if (doc_exception(&w, root, file, out) == -1)
			goto out;
	} else if (kind == NULL) {
		out->kind = POLICY_DOC_SETTINGS;
	} else {
		out->policy.line = ydoc_line(root);
		out->policy.name = strdup(out->name);
		out->policy.file = strdup(file);
		if (out->policy.name == NULL || out->policy.file == NULL) {
			ERR(&w, root, "", "out of memory");
			goto out;
		}
		out->kind = POLICY_DOC_POLICY;
	}
	rc = 0;
out:
	if (rc == -1) {
		policy_free(&out->policy);
		policy_settings_free(&out->settings);
		policy_exception_free(&out->exception);
		memset(&out->exception, 0, sizeof(out->exception));
		memset(&out->policy, 0, sizeof(out->policy));
		memset(&out->settings, 0, sizeof(out->settings));
	}
	return rc;
}
