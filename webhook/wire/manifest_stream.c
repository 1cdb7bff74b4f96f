/*
 * manifest_stream.c - manifest_each(): manifests handed over one object
 * at a time, so memory follows the largest document, not the input. This
 * file reads JSON (a JSON List item by item: its extent is found with a
 * scan that builds nothing, then each item is parsed alone) and picks
 * JSON or YAML; manifest_yaml.c reads YAML the same way.
 */
#include "wire/manifest_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/yaml_doc.h"

/*
 * 1 when buf is a stream of JSON objects and arrays and nothing else,
 * parsed one value at a time and thrown away. Otherwise the whole buffer
 * is read as YAML, as manifest_decode() does.
 */
static int
json_stream_valid(const char *buf, size_t len)
{
	const char	*p = buf, *end = buf + len, *after;
	cJSON		*v;

	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' ||
		    *p == '\n'))
			p++;
		if (p == end)
			return 1;
		if ((*p != '{' && *p != '[') || (v = cJSON_ParseWithLengthOpts(
		    p, (size_t)(end - p), &after, 0)) == NULL)
			return 0;
		cJSON_Delete(v);
		p = after;
	}
}

/* A stream of JSON values, each checked as soon as it is parsed. */
static void
each_json(struct mctx *c, const char *buf, size_t len)
{
	struct jcur	 j = { buf, buf + len, buf, 1 };
	const char	*after;
	cJSON		*v;
	int		 n = 0;

	for (;;) {
		manifest_jcur_ws(&j);
		if (j.p >= j.end)
			break;
		if (n >= MANIFEST_STREAM_DOCS_MAX) {
			manifest_err_at(c, manifest_jcur_pos(&j), "more than "
			    "%d documents: the rest is not read",
			    MANIFEST_STREAM_DOCS_MAX);
			break;
		}
		v = cJSON_ParseWithLengthOpts(j.p, (size_t)(j.end - j.p),
		    &after, 0);
		if (v == NULL)	/* json_stream_valid() said it parses */
			break;
		manifest_json_add(c, v, j, ++n);
		manifest_jcur_advance(&j, after);
	}
}

/* A JSON string value at [from, to) into buf; 0, or -1. */
static int
json_str(const char *from, const char *to, char *buf, size_t len)
{
	cJSON	*v = cJSON_ParseWithLength(from, (size_t)(to - from));
	int	 rc = -1;

	if (cJSON_IsString(v)) {
		snprintf(buf, len, "%s", v->valuestring);
		rc = 0;
	}
	cJSON_Delete(v);
	return rc;
}

/*
 * Top-level keys of the object at j: kind, apiVersion, and where the
 * items array starts. 0 when it is one well-formed List and nothing
 * follows it, else -1 (the caller takes the whole-value path).
 */
static int
json_list_scan(struct jcur *j, char *kind, char *api, size_t len,
    struct jcur *items)
{
	const char	*k, *v;
	cJSON		*val;
	size_t		 klen;
	int		 found = 0;

	kind[0] = api[0] = '\0';
	for (j->p++;; j->p++) {
		manifest_jcur_ws(j);
		if (j->p >= j->end || *j->p != '"')
			return -1;
		k = j->p;
		manifest_jcur_skip(j);
		klen = (size_t)(j->p - k);
		manifest_jcur_ws(j);
		if (j->p >= j->end || *j->p != ':')
			return -1;
		j->p++;
		manifest_jcur_ws(j);
		v = j->p;
		if (klen == 7 && memcmp(k, "\"items\"", 7) == 0 &&
		    j->p < j->end && *j->p == '[') {
			*items = *j;
			found = 1;
		}
		manifest_jcur_skip(j);
		if (!found || items->p != v) {	/* items: one by one */
			if ((val = cJSON_ParseWithLength(v, (size_t)(j->p - v)))
			    == NULL)
				return -1;
			cJSON_Delete(val);
		}
		if (klen == 6 && memcmp(k, "\"kind\"", 6) == 0)
			(void)json_str(v, j->p, kind, len);
		if (klen == 12 && memcmp(k, "\"apiVersion\"", 12) == 0)
			(void)json_str(v, j->p, api, len);
		manifest_jcur_ws(j);
		if (j->p < j->end && *j->p == '}')
			break;
		if (j->p >= j->end || *j->p != ',')
			return -1;
	}
	j->p++;
	manifest_jcur_ws(j);
	return found && j->p == j->end && manifest_ends_with_list(kind) ?
	    0 : -1;
}

/* 1 when every item of the array at it parses as JSON (one at a time). */
static int
json_items_valid(struct jcur it)
{
	const char	*start;
	cJSON		*v;

	for (it.p++;; it.p++) {
		manifest_jcur_ws(&it);
		if (it.p < it.end && *it.p == ']')
			return 1;
		start = it.p;
		manifest_jcur_skip(&it);
		v = cJSON_ParseWithLength(start, (size_t)(it.p - start));
		if (v == NULL)
			return 0;
		cJSON_Delete(v);
		manifest_jcur_ws(&it);
		if (it.p < it.end && *it.p == ']')
			return 1;
		if (it.p >= it.end || *it.p != ',')
			return 0;
	}
}

/*
 * One JSON List, item by item. 1 when buf is not such a List (nothing
 * was handed over), else 0.
 */
static int
each_json_list(struct mctx *c, const char *buf, size_t len)
{
	struct jcur	 j = { buf, buf + len, buf, 1 }, it;
	char		 kind[256], api[256], err[DIAG_LINE_MAX];
	const char	*start, *after;
	struct pos	 at;
	cJSON		*env, *v;
	int		 i;

	manifest_jcur_ws(&j);
	if (j.p >= j.end || *j.p != '{' ||
	    json_list_scan(&j, kind, api, sizeof(kind), &it) == -1 ||
	    json_items_valid(it) == 0)
		return 1;
	if ((env = manifest_envelope_new(kind, api[0] != '\0' ? api :
	    NULL)) == NULL)
		return 1;
	for (i = 1, it.p++;; i++) {
		manifest_jcur_ws(&it);
		if (it.p >= it.end || *it.p == ']')
			break;
		start = it.p;
		at = manifest_jcur_pos(&it);
		manifest_jcur_skip(&it);
		v = cJSON_ParseWithLengthOpts(start, (size_t)(it.p - start),
		    &after, 0);
		c->budget = YAML_DOC_MAX_NODES;	/* per item */
		if (v == NULL || after != it.p)
			manifest_err_at(c, at, "document 1, item %d: malformed "
			    "JSON", i);
		else if (manifest_json_check(v, 1, &c->budget, err,
		    sizeof(err)) == -1)
			manifest_err_at(c, at, "document 1, item %d: %s", i,
			    err);
		else {
			manifest_item_add(c, env, v, at, 1, i);
			v = NULL;
		}
		cJSON_Delete(v);
		manifest_jcur_ws(&it);
		if (it.p < it.end && *it.p == ',')
			it.p++;
		else if (it.p >= it.end || *it.p != ']') {
			manifest_err_at(c, manifest_jcur_pos(&it), "document "
			    "1: malformed JSON after item %d; the rest is not "
			    "read", i);
			break;
		}
	}
	cJSON_Delete(env);
	return 0;
}

size_t
manifest_each(const char *file, const char *buf, size_t len,
    manifest_each_fn each, void *arg, struct diag *d)
{
	struct mctx	 c;
	size_t		 errors = d->errors, i = 0;

	memset(&c, 0, sizeof(c));
	c.file = file;
	c.d = d;
	c.each = each;
	c.arg = arg;
	c.budget = YAML_DOC_MAX_NODES;
	if (len > MANIFEST_MAX_BYTES) {
		diag_add(d, DIAG_ERROR, file, 0, 0, "larger than %u bytes",
		    MANIFEST_MAX_BYTES);
		return d->errors - errors;
	}
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' ||
	    buf[i] == '\r' || buf[i] == '\n'))
		i++;
	c.arrays = i < len && buf[i] == '[';
	if (i < len && buf[i] == '{' && each_json_list(&c, buf, len) == 0)
		return d->errors - errors;	/* a JSON List, item by item */
	/* JSON when it all parses as JSON; else YAML (positions) */
	if (i < len && (buf[i] == '{' || buf[i] == '[') &&
	    json_stream_valid(buf, len))
		each_json(&c, buf, len);
	else
		manifest_each_yaml(&c, buf, len);
	return d->errors - errors;
}

