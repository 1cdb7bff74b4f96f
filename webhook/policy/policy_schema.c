/*
 * policy_schema.c - the declared-key walker: a mapping is checked against a
 * table of keys (type function + offset), unknown keys get a "did you mean",
 * and the walk keeps going after an error so a file reports every problem
 * at once. Generic types live here; the policy format is policy_spec.c.
 */
#include "policy/policy_schema.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/yaml_doc.h"

#define SUGGEST_MAX	64	/* longer keys get no suggestion */
#define SUGGEST_DIST	2	/* edit distance of a suggestion */

#define ERR	SCHEMA_ERR

void
policy_schema_msg(struct policy_schema_walk *w, enum diag_level level,
    const yaml_node_t *node, const char *path, const char *fmt, ...)
{
	char	msg[DIAG_LINE_MAX];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(w->d, level, w->file, node ? ydoc_line(node) : 0,
	    node ? ydoc_col(node) : 0, "%s%s%s", path,
	    *path != '\0' ? ": " : "", msg);
}

static int
is_null_text(const char *s)
{
	return *s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

const char *
policy_schema_desc(const yaml_node_t *n)
{
	const char	*s;
	char		*end;

	if (n == NULL || n->type == YAML_NO_NODE)
		return "nothing";
	if (n->type != YAML_SCALAR_NODE)
		return ydoc_kind(n);
	if (!ydoc_scalar_is_plain(n))
		return "a string";
	s = ydoc_scalar(n);
	if (is_null_text(s))
		return "null";
	if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)
		return "a boolean";
	(void)strtod(s, &end);
	if (*end == '\0' && strspn(s, "+-0123456789.eE") == strlen(s))
		return "a number";
	return "a string";
}

void
policy_schema_path(char *buf, const char *path, const char *key)
{
	snprintf(buf, POLICY_SCHEMA_PATH_LEN, "%s%s%s", path, *path ? "." : "",
	    key);
}

void
policy_schema_path_index(char *buf, const char *path, size_t i)
{
	snprintf(buf, POLICY_SCHEMA_PATH_LEN, "%s[%zu]", path, i);
}

const char *
policy_schema_get_string(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path)
{
	const char	*desc = policy_schema_desc(n);

	if (strcmp(desc, "a string") != 0) {
		ERR(w, n, path, "expected a string, got %s", desc);
		return NULL;
	}
	if (strlen(ydoc_scalar(n)) != n->data.scalar.length) {
		ERR(w, n, path, "string contains a NUL byte");
		return NULL;
	}
	return ydoc_scalar(n);
}

long
policy_schema_list(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, int allow_empty)
{
	long	count;

	if (n->type != YAML_SEQUENCE_NODE) {
		ERR(w, n, path, "expected a list, got %s",
		    policy_schema_desc(n));
		return -1;
	}
	count = n->data.sequence.items.top - n->data.sequence.items.start;
	if (count > POLICY_LIST_MAX) {
		ERR(w, n, path, "too many entries (%ld, limit %d)", count,
		    POLICY_LIST_MAX);
		return -1;
	}
	if (count == 0 && !allow_empty) {
		ERR(w, n, path, "must not be empty (omit it for the default)");
		return -1;
	}
	return count;
}

yaml_node_t *
policy_schema_item(struct policy_schema_walk *w, yaml_node_t *list, long i)
{
	return yaml_document_get_node(w->doc,
	    list->data.sequence.items.start[i]);
}

/* Levenshtein distance, case-insensitive, two short strings. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t	row[SUGGEST_MAX + 1], la = strlen(a), lb = strlen(b);
	size_t	i, j, diag, up, best;

	if (la > SUGGEST_MAX || lb > SUGGEST_MAX)
		return SUGGEST_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			best = diag + (tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]));
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static void
unknown_key(struct policy_schema_walk *w, yaml_node_t *k, const char *path,
    const struct policy_schema_keyset *sets, size_t n_sets)
{
	const struct policy_schema_key	*f, *best = NULL;
	size_t				 dist, best_dist = SUGGEST_DIST + 1, s;

	for (s = 0; s < n_sets; s++)
		for (f = sets[s].keys; f->name != NULL; f++) {
			dist = edit_distance(ydoc_scalar(k), f->name);
			if (dist < best_dist) {
				best = f;
				best_dist = dist;
			}
		}
	if (best != NULL)
		ERR(w, k, path, "unknown key (did you mean \"%s\"?)",
		    best->name);
	else
		ERR(w, k, path, "unknown key");
}

/* The key named name, its set in *set and its bit (index) in *bit. */
static const struct policy_schema_key *
find_key(const struct policy_schema_keyset *sets, size_t n_sets,
    const char *name, size_t *set, unsigned *bit)
{
	const struct policy_schema_key	*f;
	size_t				 s;
	unsigned			 i = 0;

	for (s = 0; s < n_sets; s++)
		for (f = sets[s].keys; f->name != NULL; f++, i++)
			if (strcmp(f->name, name) == 0) {
				*set = s;
				*bit = i;
				return f;
			}
	return NULL;
}

void
policy_schema_map_sets(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, const struct policy_schema_keyset *sets,
    size_t n_sets)
{
	char				 sub[POLICY_SCHEMA_PATH_LEN];
	const struct policy_schema_key	*f;
	yaml_node_pair_t		*p;
	yaml_node_t			*k;
	unsigned long long		 seen = 0;
	size_t				 s;
	unsigned			 i;

	if (n->type != YAML_MAPPING_NODE) {
		ERR(w, n, path, "expected a mapping, got %s",
		    policy_schema_desc(n));
		return;
	}
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	    p++) {
		k = yaml_document_get_node(w->doc, p->key);
		if (k->type != YAML_SCALAR_NODE) {
			ERR(w, k, path, "mapping key must be a string");
			continue;
		}
		policy_schema_path(sub, path, ydoc_scalar(k));
		if ((f = find_key(sets, n_sets, ydoc_scalar(k), &s, &i)) ==
		    NULL) {
			unknown_key(w, k, sub, sets, n_sets);
		} else if (seen & (1ULL << i)) {
			ERR(w, k, sub, "duplicate key");
		} else {
			seen |= 1ULL << i;
			f->fn(w, yaml_document_get_node(w->doc, p->value),
			    sub, (char *)sets[s].base + f->off);
		}
	}
	for (s = 0, i = 0; s < n_sets; s++)
		for (f = sets[s].keys; f->name != NULL; f++, i++)
			if (f->required && !(seen & (1ULL << i)))
				ERR(w, n, path, "missing required key \"%s\"",
				    f->name);
}

void
policy_schema_map(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, const struct policy_schema_key *keys, void *base)
{
	struct policy_schema_keyset	set = { keys, base };

	policy_schema_map_sets(w, n, path, &set, 1);
}

void
policy_schema_node(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	(void)w;
	(void)path;
	*(yaml_node_t **)dst = n;
}

void
policy_schema_any_map(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	const char	*desc = policy_schema_desc(n);

	(void)dst;
	if (n->type != YAML_MAPPING_NODE && strcmp(desc, "null") != 0)
		ERR(w, n, path, "expected a mapping, got %s", desc);
}

void
policy_schema_string(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	const char	*s;

	if ((s = policy_schema_get_string(w, n, path)) == NULL)
		return;
	if ((*(char **)dst = strdup(s)) == NULL)
		ERR(w, n, path, "out of memory");
}

void
policy_schema_bool(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	const char	*desc = policy_schema_desc(n);

	if (strcmp(desc, "a boolean") != 0) {
		ERR(w, n, path, "expected a boolean (true or false), got %s",
		    desc);
		return;
	}
	*(int *)dst = strcmp(ydoc_scalar(n), "true") == 0;
}

void
policy_schema_strings(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, struct strlist *out, int allow_empty,
    void (*check)(struct policy_schema_walk *, yaml_node_t *, const char *,
    const char *))
{
	char		 sub[POLICY_SCHEMA_PATH_LEN];
	yaml_node_t	*it;
	long		 count, i;

	if ((count = policy_schema_list(w, n, path, allow_empty)) <= 0)
		return;
	if ((out->v = calloc((size_t)count, sizeof(*out->v))) == NULL) {
		ERR(w, n, path, "out of memory");
		return;
	}
	for (i = 0; i < count; i++) {
		it = policy_schema_item(w, n, i);
		policy_schema_path_index(sub, path, (size_t)i);
		policy_schema_string(w, it, sub, &out->v[out->n]);
		if (out->v[out->n] == NULL)
			continue;
		if (check != NULL)
			check(w, it, sub, out->v[out->n]);
		out->n++;
	}
}

static void
check_nonempty(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, const char *s)
{
	if (*s == '\0')
		ERR(w, n, path, "must not be empty");
}

void
policy_schema_globs(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	policy_schema_strings(w, n, path, dst, 1, check_nonempty);
}

struct match_regex *
policy_schema_compile(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path)
{
	struct match_regex	*re;
	const char		*s;
	char			 err[DIAG_LINE_MAX / 2];

	if ((s = policy_schema_get_string(w, n, path)) == NULL)
		return NULL;
	if (strlen(s) > MATCH_PATTERN_MAX) {
		ERR(w, n, path, "regex too long (%zu bytes, limit %d)",
		    strlen(s), MATCH_PATTERN_MAX);
		return NULL;
	}
	if ((re = match_regex_new(s, err, sizeof(err))) == NULL) {
		ERR(w, n, path, "invalid regex at %s", err);
		return NULL;
	}
	if (match_regex_is_pathological(re))
		policy_schema_msg(w, DIAG_WARNING, n, path,
		    "regex may backtrack catastrophically");
	return re;
}

void
policy_schema_regexes(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, int allow_empty, struct match_regex ***out,
    size_t *n_out)
{
	char			 sub[POLICY_SCHEMA_PATH_LEN];
	struct match_regex	*re;
	long			 count, i;

	if ((count = policy_schema_list(w, n, path, allow_empty)) <= 0)
		return;
	if ((*out = calloc((size_t)count, sizeof(**out))) == NULL) {
		ERR(w, n, path, "out of memory");
		return;
	}
	for (i = 0; i < count; i++) {
		policy_schema_path_index(sub, path, (size_t)i);
		re = policy_schema_compile(w, policy_schema_item(w, n, i), sub);
		if (re != NULL)
			(*out)[(*n_out)++] = re;
	}
}

void
policy_schema_regex(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	*(struct match_regex **)dst = policy_schema_compile(w, n, path);
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

void
policy_schema_service_accounts(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	policy_schema_strings(w, n, path, dst, 1, check_service_account);
}

int
policy_schema_dns_label(const char *s, size_t len)
{
	static const char	lower_digits[] = "abcdefghijklmnopqrstuvwxyz"
	    "0123456789";

	return len > 0 && len <= POLICY_NAME_MAX &&
	    strchr(lower_digits, s[0]) != NULL &&
	    strchr(lower_digits, s[len - 1]) != NULL &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") >= len;
}
