/*
 * yaml_doc.c - libyaml's document loader behind limits, node accessors with
 * positions, and a bounded YAML-to-cJSON conversion. It knows nothing of
 * policies or Kubernetes: callers give meaning to the nodes.
 */
#include "wire/yaml_doc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int
ydoc_line(const yaml_node_t *node)
{
	return (int)node->start_mark.line + 1;
}

int
ydoc_col(const yaml_node_t *node)
{
	return (int)node->start_mark.column + 1;
}

/* Appends doc; the array grows by doubling (YAML_DOC_MAX_DOCS bounds it). */
static int
docs_push(struct ydocs *docs, yaml_document_t *doc)
{
	yaml_document_t	*nv;
	size_t		 cap;

	if (docs->n == docs->cap) {
		cap = docs->cap == 0 ? 4 : docs->cap * 2;
		if ((nv = reallocarray(docs->v, cap, sizeof(*nv))) == NULL)
			return -1;
		docs->v = nv;
		docs->cap = cap;
	}
	docs->v[docs->n++] = *doc;
	return 0;
}

int
ydoc_load(const char *file, const char *buf, size_t len,
    struct ydocs *docs, struct diag *d)
{
	yaml_parser_t	 parser;
	yaml_document_t	 doc;
	int		 rc = -1;

	memset(docs, 0, sizeof(*docs));
	if (!yaml_parser_initialize(&parser)) {
		diag_add(d, DIAG_ERROR, file, 0, 0, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	for (;;) {
		if (!yaml_parser_load(&parser, &doc)) {
			diag_add(d, DIAG_ERROR, file,
			    (int)parser.problem_mark.line + 1,
			    (int)parser.problem_mark.column + 1,
			    "YAML syntax error: %s%s%s",
			    parser.problem ? parser.problem : "unknown",
			    parser.context ? " " : "",
			    parser.context ? parser.context : "");
			goto out;
		}
		if (yaml_document_get_root_node(&doc) == NULL) {
			yaml_document_delete(&doc);
			if (parser.stream_end_produced)
				break;
			continue;
		}
		if (docs->n >= YAML_DOC_MAX_DOCS) {
			diag_add(d, DIAG_ERROR, file,
			    (int)doc.start_mark.line + 1, 1,
			    "more than %d documents", YAML_DOC_MAX_DOCS);
			yaml_document_delete(&doc);
			goto out;
		}
		if (docs_push(docs, &doc) == -1) {
			yaml_document_delete(&doc);
			diag_add(d, DIAG_ERROR, file, 0, 0, "out of memory");
			goto out;
		}
	}
	rc = 0;
out:
	yaml_parser_delete(&parser);
	if (rc == -1)
		ydoc_free(docs);
	return rc;
}

void
ydoc_free(struct ydocs *docs)
{
	size_t	i;

	if (docs == NULL)
		return;
	for (i = 0; i < docs->n; i++)
		yaml_document_delete(&docs->v[i]);
	free(docs->v);
	memset(docs, 0, sizeof(*docs));
}

yaml_node_t *
ydoc_map_get(yaml_document_t *doc, yaml_node_t *map, const char *key,
    yaml_node_t **keynode)
{
	yaml_node_pair_t	*p;
	yaml_node_t		*k;

	if (keynode != NULL)
		*keynode = NULL;
	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		k = yaml_document_get_node(doc, p->key);
		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0) {
			if (keynode != NULL)
				*keynode = k;
			return yaml_document_get_node(doc, p->value);
		}
	}
	return NULL;
}

const char *
ydoc_scalar(const yaml_node_t *node)
{
	if (node == NULL || node->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)node->data.scalar.value;
}

int
ydoc_scalar_is_plain(const yaml_node_t *node)
{
	return node != NULL && node->type == YAML_SCALAR_NODE &&
	    node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

const char *
ydoc_kind(const yaml_node_t *node)
{
	if (node == NULL)
		return "nothing";
	switch (node->type) {
	case YAML_SCALAR_NODE:
		return "a scalar";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

static int
str_in(const char *s, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

/* YAML 1.1 / Kubernetes' sigs.k8s.io/yaml typing of a plain scalar. */
static cJSON *
scalar_to_json(const yaml_node_t *node)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL",
	    NULL };
	static const char *const trues[] = { "true", "True", "TRUE", NULL };
	static const char *const falses[] = { "false", "False", "FALSE",
	    NULL };
	const char	*s = ydoc_scalar(node);
	char		*end;
	double		 v;

	if (!ydoc_scalar_is_plain(node))
		return cJSON_CreateString(s);
	if (str_in(s, nulls))
		return cJSON_CreateNull();
	if (str_in(s, trues))
		return cJSON_CreateTrue();
	if (str_in(s, falses))
		return cJSON_CreateFalse();
	if ((s[0] >= '0' && s[0] <= '9') || ((s[0] == '-' || s[0] == '+') &&
	    s[1] >= '0' && s[1] <= '9')) {
		v = strtod(s, &end);
		if (*end == '\0' && isfinite(v) &&
		    strspn(s, "+-0123456789.eE") == strlen(s))
			return cJSON_CreateNumber(v);
	}
	return cJSON_CreateString(s);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Reject a mapping with a repeated key: readers disagree on which copy
 * wins (sigs.k8s.io/yaml rejects them too). O(n log n) in the key count.
 */
static int
duplicate_key(const cJSON *obj, char *err, size_t errlen)
{
	const cJSON	 *c;
	const char	**keys;
	size_t		  n = 0, i;
	int		  rc = 0;

	cJSON_ArrayForEach(c, obj)
		n++;
	if (n < 2)
		return 0;
	if ((keys = malloc(n * sizeof(*keys))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n = 0;
	cJSON_ArrayForEach(c, obj)
		keys[n++] = c->string;
	qsort(keys, n, sizeof(*keys), cmp_str);
	for (i = 1; i < n && rc == 0; i++)
		if (strcmp(keys[i - 1], keys[i]) == 0) {
			snprintf(err, errlen, "duplicate key \"%.64s\"",
			    keys[i]);
			rc = -1;
		}
	free(keys);
	return rc;
}

static cJSON	*node_to_json(yaml_document_t *, yaml_node_t *, size_t *, int,
		    char *, size_t);

/* A sequence's items, each converted at depth + 1. */
static cJSON *
seq_to_json(yaml_document_t *doc, yaml_node_t *node, size_t *budget,
    int depth, char *err, size_t errlen)
{
	yaml_node_item_t	*it;
	cJSON			*out, *child;

	if ((out = cJSON_CreateArray()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (it = node->data.sequence.items.start;
	    it < node->data.sequence.items.top; it++) {
		child = node_to_json(doc, yaml_document_get_node(doc, *it),
		    budget, depth + 1, err, errlen);
		if (child == NULL) {
			cJSON_Delete(out);
			return NULL;
		}
		cJSON_AddItemToArray(out, child);
	}
	return out;
}

/* A mapping's pairs: scalar keys, values at depth + 1, no repeated key. */
static cJSON *
map_to_json(yaml_document_t *doc, yaml_node_t *node, size_t *budget,
    int depth, char *err, size_t errlen)
{
	yaml_node_pair_t	*p;
	yaml_node_t		*k;
	cJSON			*out, *child;

	if ((out = cJSON_CreateObject()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (p = node->data.mapping.pairs.start;
	    p < node->data.mapping.pairs.top; p++) {
		k = yaml_document_get_node(doc, p->key);
		if (k == NULL || k->type != YAML_SCALAR_NODE) {
			snprintf(err, errlen, "line %d col %d: mapping key is "
			    "not a scalar", k ? ydoc_line(k) : 0,
			    k ? ydoc_col(k) : 0);
			goto fail;
		}
		child = node_to_json(doc, yaml_document_get_node(doc,
		    p->value), budget, depth + 1, err, errlen);
		if (child == NULL)
			goto fail;
		cJSON_AddItemToObject(out, ydoc_scalar(k), child);
	}
	if (duplicate_key(out, err, errlen) == -1)
		goto fail;
	return out;
fail:
	cJSON_Delete(out);
	return NULL;
}

/* One node, within the node budget and the depth limit. */
static cJSON *
node_to_json(yaml_document_t *doc, yaml_node_t *node, size_t *budget,
    int depth, char *err, size_t errlen)
{
	cJSON	*out;

	if (*budget == 0 || depth > YAML_DOC_MAX_DEPTH) {
		snprintf(err, errlen, "line %d col %d: %s", ydoc_line(node),
		    ydoc_col(node), *budget == 0 ?
		    "too many nodes (alias expansion?)" : "nesting too deep");
		return NULL;
	}
	(*budget)--;
	switch (node->type) {
	case YAML_SCALAR_NODE:
		if ((out = scalar_to_json(node)) == NULL)
			snprintf(err, errlen, "out of memory");
		return out;
	case YAML_SEQUENCE_NODE:
		return seq_to_json(doc, node, budget, depth, err, errlen);
	case YAML_MAPPING_NODE:
		return map_to_json(doc, node, budget, depth, err, errlen);
	default:
		snprintf(err, errlen, "empty node");
		return NULL;
	}
}

cJSON *
ydoc_to_json(yaml_document_t *doc, yaml_node_t *node, size_t *budget,
    char *err, size_t errlen)
{
	if (node == NULL) {
		snprintf(err, errlen, "empty document");
		return NULL;
	}
	return node_to_json(doc, node, budget, 0, err, errlen);
}
