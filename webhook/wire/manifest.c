/*
 * manifest.c - manifests into positioned cJSON objects. JSON goes through
 * cJSON plus a small scanner that finds where values start; YAML (and JSON
 * that cJSON refuses) goes through yaml_doc. Only the object envelope is
 * checked here; no policy logic, no Kubernetes schema.
 */
#include "wire/manifest.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/manifest_int.h"
#include "wire/yaml_doc.h"

void
manifest_err_at(struct mctx *c, struct pos at, const char *fmt, ...)
{
	char	msg[DIAG_LINE_MAX];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (at.line > 0)
		at.line += c->line_base;
	diag_add(c->d, DIAG_ERROR, c->file, at.line, at.col, "%s", msg);
}

static void
obj_push(struct mctx *c, cJSON *obj, struct pos at, int index, int item)
{
	struct manifest_obj	*nv, one;
	size_t			 ncap;

	if (c->each != NULL) {
		one.obj = obj;
		one.line = at.line + c->line_base;
		one.col = at.col;
		one.index = index;
		one.item = item;
		c->each(c->arg, &one, NULL);
		cJSON_Delete(one.obj);
		return;
	}
	if (c->m->n == c->cap) {
		ncap = c->cap == 0 ? 16 : c->cap * 2;
		if ((nv = realloc(c->m->v, ncap * sizeof(*nv))) == NULL) {
			cJSON_Delete(obj);
			manifest_err_at(c, at, "out of memory");
			return;
		}
		c->m->v = nv;
		c->cap = ncap;
	}
	nv = &c->m->v[c->m->n++];
	nv->obj = obj;
	nv->line = at.line;
	nv->col = at.col;
	nv->index = index;
	nv->item = item;
}

static const char *
json_kind(const cJSON *j)
{
	if (cJSON_IsObject(j))
		return "a mapping";
	if (cJSON_IsArray(j))
		return "a list";
	return "a scalar";
}

/* kind ends in "List" and there are items: kubectl's idea of a list. */
int
manifest_is_list(const cJSON *o)
{
	const cJSON	*kind = cJSON_GetObjectItemCaseSensitive(o, "kind");
	size_t		 n;

	if (!cJSON_IsObject(o) || !cJSON_IsString(kind) ||
	    !cJSON_HasObjectItem(o, "items"))
		return 0;
	n = strlen(kind->valuestring);
	return n >= 4 && strcmp(kind->valuestring + n - 4, "List") == 0;
}

/* The envelope of a streamed List: kind and apiVersion, lent to items. */
cJSON *
manifest_envelope_new(const char *kind, const char *api)
{
	cJSON	*env;

	if ((env = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(env, "kind", kind);
	if (api != NULL)
		cJSON_AddStringToObject(env, "apiVersion", api);
	return env;
}

int
manifest_ends_with_list(const char *s)
{
	size_t	n = s != NULL ? strlen(s) : 0;

	return n >= 4 && strcmp(s + n - 4, "List") == 0;
}

/* A typed list (DeploymentList) implies kind and apiVersion of items. */
void
manifest_list_lend(const cJSON *list, cJSON *item)
{
	const char	*kind = cJSON_GetObjectItemCaseSensitive(list,
			    "kind")->valuestring;
	const cJSON	*av = cJSON_GetObjectItemCaseSensitive(list,
			    "apiVersion");
	char		*k;

	if (!cJSON_IsObject(item) || strcmp(kind, "List") == 0)
		return;
	if (!cJSON_HasObjectItem(item, "kind") &&
	    (k = strndup(kind, strlen(kind) - 4)) != NULL) {
		cJSON_AddStringToObject(item, "kind", k);
		free(k);
	}
	if (!cJSON_HasObjectItem(item, "apiVersion") && cJSON_IsString(av))
		cJSON_AddStringToObject(item, "apiVersion", av->valuestring);
}

static void
why_add(char *why, size_t len, const char *what, const char *label)
{
	size_t	n = strlen(why);

	snprintf(why + n, len - n, "%s%s%s", n > 0 ? "; " : "", what, label);
}

static void
check_string(const cJSON *o, const char *key, const char *label, char *why,
    size_t len)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (v == NULL)
		why_add(why, len, "missing ", label);
	else if (!cJSON_IsString(v))
		why_add(why, len, label, " is not a string");
	else if (v->valuestring[0] == '\0')
		why_add(why, len, label, " is empty");
}

/* 0 when o has the envelope of a Kubernetes object, else -1 and why. */
static int
check_obj(const cJSON *o, char *why, size_t len)
{
	const cJSON	*md;

	why[0] = '\0';
	if (!cJSON_IsObject(o)) {
		snprintf(why, len, "expected a mapping (a Kubernetes object), "
		    "found %s", json_kind(o));
		return -1;
	}
	check_string(o, "apiVersion", "apiVersion", why, len);
	check_string(o, "kind", "kind", why, len);
	md = cJSON_GetObjectItemCaseSensitive(o, "metadata");
	if (md == NULL)
		why_add(why, len, "missing ", "metadata");
	else if (!cJSON_IsObject(md))
		why_add(why, len, "metadata", " is not a mapping");
	else if (!cJSON_HasObjectItem(md, "name") &&
	    !cJSON_HasObjectItem(md, "generateName"))
		why_add(why, len, "missing ",
		    "metadata.name (or generateName)");
	else if (cJSON_HasObjectItem(md, "name"))
		check_string(md, "name", "metadata.name", why, len);
	else
		check_string(md, "generateName", "metadata.generateName", why,
		    len);
	return why[0] == '\0' ? 0 : -1;
}

/*
 * Streaming only: a mapping with neither apiVersion nor kind (Helm values,
 * a config file) is not an object. Says so to each() and returns 1.
 */
static int
not_object(struct mctx *c, const cJSON *o, struct pos at, int index,
    int item)
{
	struct manifest_obj	one;

	if (c->each == NULL || !cJSON_IsObject(o) ||
	    cJSON_HasObjectItem(o, "apiVersion") ||
	    cJSON_HasObjectItem(o, "kind"))
		return 0;
	one.obj = NULL;
	one.line = at.line + c->line_base;
	one.col = at.col;
	one.index = index;
	one.item = item;
	c->each(c->arg, &one, "not a Kubernetes object (no apiVersion or "
	    "kind)");
	return 1;
}

/*
 * One decoded document, owned: checked and kept, or expanded into its
 * items when it is a List (or a top-level list with c->arrays). at[i] is
 * where item i starts, when known (nat of them).
 */
void
manifest_doc_add(struct mctx *c, cJSON *doc, int index, struct pos docat,
    const struct pos *at, size_t nat)
{
	cJSON	*items, *it;
	char	 why[256];
	int	 i;

	if (cJSON_IsArray(doc) && c->arrays)
		items = doc;
	else if (manifest_is_list(doc)) {
		items = cJSON_GetObjectItemCaseSensitive(doc, "items");
		if (!cJSON_IsArray(items) && !cJSON_IsNull(items)) {
			manifest_err_at(c, docat, "document %d: items is %s, "
			    "not a list", index, json_kind(items));
			cJSON_Delete(doc);
			return;
		}
	} else {
		if (not_object(c, doc, docat, index, 0)) {
			cJSON_Delete(doc);
			return;
		}
		if (check_obj(doc, why, sizeof(why)) == 0) {
			obj_push(c, doc, docat, index, 0);
			return;
		}
		manifest_err_at(c, docat, "document %d: %s", index, why);
		cJSON_Delete(doc);
		return;
	}
	for (i = 1; (it = cJSON_DetachItemFromArray(items, 0)) != NULL; i++)
		manifest_item_add(c, items != doc ? doc : NULL, it,
		    (size_t)i <= nat ? at[i - 1] : docat, index, i);
	cJSON_Delete(doc);
}

void
manifest_item_add(struct mctx *c, const cJSON *list, cJSON *it,
    struct pos at, int index, int i)
{
	char	why[256];

	if (list != NULL)
		manifest_list_lend(list, it);
	if (manifest_is_list(it))
		snprintf(why, sizeof(why), "a List inside a List");
	else if (not_object(c, it, at, index, i)) {
		cJSON_Delete(it);
		return;
	} else if (check_obj(it, why, sizeof(why)) == 0) {
		obj_push(c, it, at, index, i);
		return;
	}
	manifest_err_at(c, at, "document %d, item %d: %s", index, i, why);
	cJSON_Delete(it);
}

struct pos
manifest_jcur_pos(const struct jcur *j)
{
	struct pos	at;

	at.line = j->line;
	at.col = (int)(j->p - j->bol) + 1;
	return at;
}

void
manifest_jcur_advance(struct jcur *j, const char *to)
{
	const char	*nl;

	while ((nl = memchr(j->p, '\n', (size_t)(to - j->p))) != NULL) {
		j->line++;
		j->bol = j->p = nl + 1;
	}
	j->p = to;
}

void
manifest_jcur_ws(struct jcur *j)
{
	const char	*s = j->p;

	while (s < j->end && (*s == ' ' || *s == '\t' || *s == '\r' ||
	    *s == '\n'))
		s++;
	manifest_jcur_advance(j, s);
}

/* Skips one JSON value without recursion; never reads past j->end. */
void
manifest_jcur_skip(struct jcur *j)
{
	const char	*s = j->p;
	size_t		 depth = 0;
	int		 instr = 0;

	for (; s < j->end; s++) {
		if (instr) {
			if (*s == '\\' && s + 1 < j->end)
				s++;
			else if (*s == '"') {
				instr = 0;
				if (depth == 0) {
					s++;
					break;
				}
			}
			continue;
		}
		if (*s == '"')
			instr = 1;
		else if (*s == '{' || *s == '[')
			depth++;
		else if (*s == '}' || *s == ']') {
			if (depth == 0)
				break;	/* a scalar ended by its container */
			if (--depth == 0) {
				s++;
				break;
			}
		} else if (depth == 0 && (*s == ',' || *s == ':' ||
		    *s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
			break;
	}
	manifest_jcur_advance(j, s);
}

/* Where each element of the array at j starts; nothing on failure. */
static void
jcur_elems(struct jcur *j, struct pos **out, size_t *n)
{
	struct pos	*v = NULL, *nv;
	size_t		 cap = 0;

	*n = 0;
	for (j->p++;; j->p++) {
		manifest_jcur_ws(j);
		if (j->p >= j->end || *j->p == ']')
			break;
		if (*n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				*n = 0;
				break;
			}
			v = nv;
		}
		v[(*n)++] = manifest_jcur_pos(j);
		manifest_jcur_skip(j);
		manifest_jcur_ws(j);
		if (j->p >= j->end || *j->p != ',')
			break;
	}
	*out = v;
}

/* Moves j from '{' to the value of its key "items": 0, or -1. */
static int
jcur_items(struct jcur *j)
{
	const char	*k;
	int		 found;

	for (j->p++;; j->p++) {
		manifest_jcur_ws(j);
		if (j->p >= j->end || *j->p != '"')
			return -1;
		k = j->p;
		manifest_jcur_skip(j);
		found = j->p - k == 7 && memcmp(k, "\"items\"", 7) == 0;
		manifest_jcur_ws(j);
		if (j->p >= j->end || *j->p != ':')
			return -1;
		j->p++;
		manifest_jcur_ws(j);
		if (found)
			return 0;
		manifest_jcur_skip(j);
		manifest_jcur_ws(j);
		if (j->p >= j->end || *j->p != ',')
			return -1;
	}
}

static int
key_cmp(const void *a, const void *b)
{
	const cJSON *const	*x = a, *const *y = b;

	return strcmp((*x)->string, (*y)->string);
}

/* The JSON twin of yaml_doc's limits, plus: no duplicate keys. */
int
manifest_json_check(const cJSON *v, int depth, size_t *budget, char *err,
    size_t len)
{
	const cJSON	*ch, **keys;
	size_t		 n = 0, i;
	int		 rc = 0;

	if (depth > YAML_DOC_MAX_DEPTH) {
		snprintf(err, len, "nesting deeper than %d levels",
		    YAML_DOC_MAX_DEPTH);
		return -1;
	}
	if (*budget == 0) {
		snprintf(err, len, "more than %d nodes in this input",
		    YAML_DOC_MAX_NODES);
		return -1;
	}
	(*budget)--;
	for (ch = v->child; ch != NULL; ch = ch->next, n++)
		if (manifest_json_check(ch, depth + 1, budget, err, len) == -1)
			return -1;
	if (!cJSON_IsObject(v) || n < 2)
		return 0;
	if ((keys = malloc(n * sizeof(*keys))) == NULL) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	for (i = 0, ch = v->child; ch != NULL; ch = ch->next)
		keys[i++] = ch;
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (i = 1; i < n && rc == 0; i++)
		if (strcmp(keys[i - 1]->string, keys[i]->string) == 0) {
			snprintf(err, len, "duplicate key \"%.64s\"",
			    keys[i]->string);
			rc = -1;
		}
	free(keys);
	return rc;
}

struct jval {
	cJSON		*v;
	struct jcur	 at;
};

/* Checks, positions and adds one parsed JSON value (owned). */
void
manifest_json_add(struct mctx *c, cJSON *v, struct jcur at, int index)
{
	struct pos	*items = NULL, docat = manifest_jcur_pos(&at);
	size_t		 n = 0;
	char		 err[DIAG_LINE_MAX];

	if (c->each != NULL)
		c->budget = YAML_DOC_MAX_NODES;	/* per document */
	if (manifest_json_check(v, 0, &c->budget, err, sizeof(err)) == -1) {
		manifest_err_at(c, docat, "document %d: %s", index, err);
		cJSON_Delete(v);
		return;
	}
	if (cJSON_IsArray(v))
		jcur_elems(&at, &items, &n);
	else if (manifest_is_list(v) && jcur_items(&at) == 0 && at.p < at.end &&
	    *at.p == '[')
		jcur_elems(&at, &items, &n);
	manifest_doc_add(c, v, index, docat, items, n);
	free(items);
}

/* A stream of JSON values: 0 when decoded, 1 when YAML should try. */
static int
decode_json(struct mctx *c, const char *buf, size_t len)
{
	struct jcur	 j = { buf, buf + len, buf, 1 };
	struct jval	*vals = NULL, *nv;
	const char	*after;
	cJSON		*v;
	size_t		 n = 0, cap = 0, i;
	int		 rc = 1;

	for (;;) {
		manifest_jcur_ws(&j);
		if (j.p >= j.end)
			break;
		if ((*j.p != '{' && *j.p != '[') || n >= YAML_DOC_MAX_DOCS)
			goto out;
		if (n == cap) {
			cap = cap == 0 ? 4 : cap * 2;
			if ((nv = realloc(vals, cap * sizeof(*nv))) == NULL)
				goto out;
			vals = nv;
		}
		v = cJSON_ParseWithLengthOpts(j.p, (size_t)(j.end - j.p),
		    &after, 0);
		if (v == NULL)
			goto out;
		vals[n].v = v;
		vals[n++].at = j;
		manifest_jcur_advance(&j, after);
	}
	c->arrays = 1;
	for (i = 0; i < n; i++) {
		manifest_json_add(c, vals[i].v, vals[i].at, (int)i + 1);
		vals[i].v = NULL;
	}
	rc = 0;
out:
	for (i = 0; i < n; i++)
		cJSON_Delete(vals[i].v);
	free(vals);
	return rc;
}

/* yaml_doc says "line L col C: why"; take the position out of it. */
static const char *
err_split(const char *err, struct pos *at)
{
	char	*end;
	long	 line, col;

	if (strncmp(err, "line ", 5) != 0)
		return err;
	line = strtol(err + 5, &end, 10);
	if (strncmp(end, " col ", 5) != 0)
		return err;
	col = strtol(end + 5, &end, 10);
	if (strncmp(end, ": ", 2) != 0 || line <= 0 || line > INT_MAX ||
	    col <= 0 || col > INT_MAX)
		return err;
	at->line = (int)line;
	at->col = (int)col;
	return end + 2;
}

static void
yaml_positions(yaml_document_t *doc, yaml_node_t *seq, struct pos **out,
    size_t *n)
{
	yaml_node_item_t	*it;
	yaml_node_t		*node;
	size_t			 cnt;

	cnt = (size_t)(seq->data.sequence.items.top -
	    seq->data.sequence.items.start);
	*out = NULL;
	*n = 0;
	if (cnt == 0 || (*out = calloc(cnt, sizeof(**out))) == NULL)
		return;
	for (it = seq->data.sequence.items.start;
	    it < seq->data.sequence.items.top; it++, (*n)++)
		if ((node = yaml_document_get_node(doc, *it)) != NULL) {
			(*out)[*n].line = ydoc_line(node);
			(*out)[*n].col = ydoc_col(node);
		}
}

/* One YAML document: -1 when the node budget is spent (stop there). */
int
manifest_yaml_add(struct mctx *c, yaml_document_t *doc, int index)
{
	yaml_node_t	*root = yaml_document_get_root_node(doc), *seq;
	struct pos	 at, *items = NULL;
	const char	*why;
	char		 err[DIAG_LINE_MAX];
	size_t		 n = 0;
	cJSON		*j;

	at.line = ydoc_line(root);
	at.col = ydoc_col(root);
	if (c->each != NULL)
		c->budget = YAML_DOC_MAX_NODES;	/* per document */
	if (ydoc_scalar_is_plain(root) && ydoc_scalar(root)[0] == '\0')
		return 0;	/* libyaml's empty document: "---" alone */
	if (root->type == YAML_SCALAR_NODE ||
	    (root->type == YAML_SEQUENCE_NODE && !c->arrays)) {
		manifest_err_at(c, at, "document %d: expected a mapping (a "
		    "Kubernetes object), found %s", index, ydoc_kind(root));
		return 0;
	}
	if ((j = ydoc_to_json(doc, root, &c->budget, err,
	    sizeof(err))) == NULL) {
		why = err_split(err, &at);
		if (c->budget > 0) {
			manifest_err_at(c, at, "document %d: %s", index, why);
			return 0;
		}
		manifest_err_at(c, at, "document %d: more than %d nodes in "
		    "this input after expanding aliases (an alias bomb?)",
		    index, YAML_DOC_MAX_NODES);
		return c->each != NULL ? 0 : -1;	/* streaming: per doc */
	}
	seq = root->type == YAML_SEQUENCE_NODE ? root :
	    ydoc_map_get(doc, root, "items", NULL);
	if (seq != NULL && seq->type == YAML_SEQUENCE_NODE &&
	    (seq == root || manifest_is_list(j)))
		yaml_positions(doc, seq, &items, &n);
	manifest_doc_add(c, j, index, at, items, n);
	free(items);
	return 0;
}

int
manifest_decode(const char *file, const char *buf, size_t len,
    struct manifest *m, struct diag *d)
{
	struct mctx		 c;
	struct ydocs	 docs;
	size_t			 errors = d->errors, i = 0;

	m->v = NULL;
	m->n = 0;
	memset(&c, 0, sizeof(c));
	c.file = file;
	c.m = m;
	c.d = d;
	c.budget = YAML_DOC_MAX_NODES;
	if (len > MANIFEST_MAX_BYTES) {
		diag_add(d, DIAG_ERROR, file, 0, 0, "larger than %u bytes",
		    MANIFEST_MAX_BYTES);
		return -1;
	}
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' ||
	    buf[i] == '\r' || buf[i] == '\n'))
		i++;
	c.arrays = i < len && buf[i] == '[';
	if (i == len || (buf[i] != '{' && buf[i] != '[') ||
	    decode_json(&c, buf, len) == 1) {
		if (ydoc_load(file, buf, len, &docs, d) == 0) {
			for (i = 0; i < docs.n; i++)
				if (manifest_yaml_add(&c, &docs.v[i],
				    (int)i + 1) == -1)
					break;
			ydoc_free(&docs);
		}
	}
	if (d->errors == errors)
		return 0;
	manifest_free(m);
	return -1;
}

void
manifest_free(struct manifest *m)
{
	size_t	i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++)
		cJSON_Delete(m->v[i].obj);
	free(m->v);
	m->v = NULL;
	m->n = 0;
}
