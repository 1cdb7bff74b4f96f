/*
 * manifest_yaml.c - YAML for manifest_each(): one document at a time and
 * one List item at a time. Each document is first scanned (parser events
 * only, nothing built) for its extent and, for a List, its items; then
 * each is parsed alone from its own lines. After a syntax error the
 * reader resumes at the next "---" line. No JSON here (manifest_stream.c).
 */
#include "wire/manifest_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/yaml_doc.h"

/*
 * The offset after the next line break as libyaml counts them: CR LF, CR,
 * LF, and the UTF-8 NEL, LS and PS; len when there is none.
 */
static size_t
line_next(const char *b, size_t len, size_t o)
{
	const unsigned char	*u = (const unsigned char *)b;

	for (; o < len; o++) {
		if (u[o] == '\n')
			return o + 1;
		if (u[o] == '\r')
			return o + 1 < len && u[o + 1] == '\n' ? o + 2 : o + 1;
		if (u[o] == 0xc2 && o + 1 < len && u[o + 1] == 0x85)
			return o + 2;
		if (u[o] == 0xe2 && o + 2 < len && u[o + 1] == 0x80 &&
		    (u[o + 2] == 0xa8 || u[o + 2] == 0xa9))
			return o + 3;
	}
	return len;
}

/*
 * Offset of the first "---" line at or after line (0-based) but never the
 * first line (no progress), or len; *skipped gets its line number.
 */
static size_t
yaml_resync(const char *buf, size_t len, size_t line, int *skipped)
{
	size_t	i = 0, l = 0, n;

	*skipped = 0;
	if (line == 0)
		line = 1;
	for (; i < len && l < line; l++)
		i = line_next(buf, len, i);
	for (; i < len; l++) {
		n = len - i;
		if (n >= 3 && memcmp(buf + i, "---", 3) == 0 && (n == 3 ||
		    buf[i + 3] == ' ' || buf[i + 3] == '\t' ||
		    buf[i + 3] == '\r' || buf[i + 3] == '\n')) {
			*skipped = (int)l;
			return i;
		}
		i = line_next(buf, len, i);
	}
	return len;
}

/*
 * YAML documents one at a time. After a syntax error the parse resumes at
 * the next "---" line, so one broken document hides no later one.
 */
static void
each_yaml(struct mctx *c, const char *buf, size_t len)
{
	yaml_parser_t	 p;
	yaml_document_t	 doc;
	size_t		 off = 0, errline;
	int		 index = 0, skip, done = 0;
	struct pos	 at;

	while (!done && off < len) {
		if (!yaml_parser_initialize(&p)) {
			manifest_err_at(c, (struct pos){ 0, 0 },
			    "out of memory");
			return;
		}
		yaml_parser_set_input_string(&p,
		    (const unsigned char *)buf + off, len - off);
		for (;;) {
			if (!yaml_parser_load(&p, &doc)) {
				at.line = (int)p.problem_mark.line + 1;
				at.col = (int)p.problem_mark.column + 1;
				manifest_err_at(c, at,
				    "YAML syntax error: %s%s%s",
				    p.problem ? p.problem : "unknown",
				    p.context ? " " : "",
				    p.context ? p.context : "");
				errline = p.problem_mark.line;
				off += yaml_resync(buf + off, len - off,
				    errline, &skip);
				c->line_base += skip;
				break;
			}
			if (yaml_document_get_root_node(&doc) == NULL) {
				yaml_document_delete(&doc);
				if (p.stream_end_produced) {
					done = 1;
					break;
				}
				continue;
			}
			if (++index > MANIFEST_STREAM_DOCS_MAX) {
				at.line = (int)doc.start_mark.line + 1;
				at.col = 1;
				manifest_err_at(c, at, "more than %d "
				    "documents: the rest is not read",
				    MANIFEST_STREAM_DOCS_MAX);
				yaml_document_delete(&doc);
				done = 1;
				break;
			}
			(void)manifest_yaml_add(c, &doc, index);
			yaml_document_delete(&doc);
		}
		yaml_parser_delete(&p);
	}
}

/* Where a node starts or ends: 0-based line and column (characters). */
struct ymark {
	size_t	line;
	size_t	col;
};

/* What the scan of one YAML document found, without building it. */
struct yscan {
	struct ymark	 start, end;
	char		 kind[256], api[256];
	struct ymark	*items;		/* start, end pairs */
	size_t		 n, cap;	/* marks held (2 per item) */
	int		 alias;		/* items may share anchors: no split */
	int		 has_items;
};

/* Byte offsets of lines, walked forward as the marks grow. */
struct lines {
	const char	*buf;
	size_t		 len;
	size_t		 line;	/* the line that starts at off */
	size_t		 off;
};

static struct ymark
ymark_of(yaml_mark_t m)
{
	return (struct ymark){ m.line, m.column };
}

/*
 * Byte offset of a mark; marks must not go backwards. A mark past the
 * last line (libyaml's stream end after a line without '\n') is len.
 */
static size_t
lines_off(struct lines *l, struct ymark m)
{
	size_t	o, c;

	while (l->line < m.line) {
		if ((o = line_next(l->buf, l->len, l->off)) == l->len)
			return l->len;	/* libyaml ends a last line for us */
		l->off = o;
		l->line++;
	}
	for (o = l->off, c = 0; o < l->len && c < m.col; c++)
		do	/* one UTF-8 character */
			o++;
		while (o < l->len && ((unsigned char)l->buf[o] & 0xc0) == 0x80);
	return o;
}

static int
yscan_mark(struct yscan *s, struct ymark m)
{
	struct ymark	*nv;
	size_t		 ncap;

	if (s->n == s->cap) {
		ncap = s->cap == 0 ? 64 : s->cap * 2;
		if ((nv = realloc(s->items, ncap * sizeof(*nv))) == NULL)
			return -1;
		s->items = nv;
		s->cap = ncap;
	}
	s->items[s->n++] = m;
	return 0;
}

/* A node event at depth: root keys, and the items of the root "items". */
static int
yscan_node(struct yscan *s, const yaml_event_t *e, int depth, int *key_turn,
    char *key, int *in_items)
{
	const char	*v = e->type == YAML_SCALAR_EVENT ?
			    (const char *)e->data.scalar.value : "";

	if (depth == 2 && *in_items && yscan_mark(s,
	    ymark_of(e->start_mark)) == -1)
		return -1;
	if (depth != 1)
		return 0;
	if (*key_turn) {
		snprintf(key, 16, "%s", v);
		*key_turn = 0;
		return 0;
	}
	*key_turn = 1;
	if (strcmp(key, "kind") == 0)
		snprintf(s->kind, sizeof(s->kind), "%s", v);
	else if (strcmp(key, "apiVersion") == 0)
		snprintf(s->api, sizeof(s->api), "%s", v);
	else if (strcmp(key, "items") == 0 &&
	    e->type == YAML_SEQUENCE_START_EVENT)
		*in_items = s->has_items = 1;
	return 0;
}

/*
 * The events of one document, DOCUMENT-START read: 0 at its end, -1 on a
 * syntax error or out of memory.
 */
static int
yscan_doc(yaml_parser_t *p, struct yscan *s)
{
	yaml_event_t	e;
	char		key[16] = "";
	int		depth = 0, key_turn = 1, in_items = 0, rc = -1;

	for (;;) {
		if (!yaml_parser_parse(p, &e))
			return -1;
		switch (e.type) {
		case YAML_DOCUMENT_END_EVENT:
			s->end = ymark_of(e.end_mark);
			rc = 0;
			goto out;
		case YAML_ALIAS_EVENT:
			s->alias = 1;
			/* FALLTHROUGH */
		case YAML_SCALAR_EVENT:
			if (yscan_node(s, &e, depth, &key_turn, key,
			    &in_items) == -1 || (depth == 2 && in_items &&
			    yscan_mark(s, ymark_of(e.end_mark)) == -1))
				goto out;
			break;
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			if (yscan_node(s, &e, depth, &key_turn, key,
			    &in_items) == -1)
				goto out;
			depth++;
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			depth--;
			if (depth == 2 && in_items && yscan_mark(s,
			    ymark_of(e.end_mark)) == -1)
				goto out;
			if (depth == 1)
				in_items = 0;
			break;
		default:
			break;
		}
		yaml_event_delete(&e);
	}
out:
	yaml_event_delete(&e);
	return rc;
}

/* Parse len bytes of text alone (its first line: c->line_base). */
static int
slice_load(struct mctx *c, const char *text, size_t len,
    yaml_document_t *doc)
{
	yaml_parser_t	p;
	int		ok;

	if (!yaml_parser_initialize(&p))
		return -1;
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	ok = yaml_parser_load(&p, doc);
	if (!ok)
		manifest_err_at(c, (struct pos){ (int)p.problem_mark.line + 1,
		    (int)p.problem_mark.column + 1 }, "YAML syntax error: %s",
		    p.problem ? p.problem : "unknown");
	yaml_parser_delete(&p);
	return ok ? 0 : -1;
}

/* Item i of a List document, parsed alone from a copy of its lines. */
static void
yaml_item(struct mctx *c, struct lines *l, const cJSON *env,
    struct ymark from, struct ymark to, int index, int i)
{
	yaml_document_t	 doc;
	yaml_node_t	*root;
	size_t		 bol, start, end;
	char		*text, err[DIAG_LINE_MAX];
	cJSON		*j;

	bol = lines_off(l, (struct ymark){ from.line, 0 });
	start = lines_off(l, from);
	end = lines_off(l, to);
	if (end <= start || (text = malloc(end - bol)) == NULL)
		return;
	memcpy(text, l->buf + bol, end - bol);
	memset(text, ' ', start - bol);		/* "  - " before the item */
	c->line_base = (int)from.line;
	if (slice_load(c, text, end - bol, &doc) == 0) {
		root = yaml_document_get_root_node(&doc);
		c->budget = YAML_DOC_MAX_NODES;
		j = root == NULL ? NULL : ydoc_to_json(&doc, root,
		    &c->budget, err, sizeof(err));
		if (j != NULL)
			manifest_item_add(c, env, j, (struct pos){
			    ydoc_line(root), ydoc_col(root) }, index,
			    i);
		else if (root != NULL)
			manifest_err_at(c, (struct pos){ ydoc_line(root),
			    1 }, "document %d, item %d: %s", index, i, err);
		yaml_document_delete(&doc);
	}
	free(text);
}

/* One scanned document: a List item by item, anything else whole. */
static void
yaml_scanned(struct mctx *c, struct lines *l, struct yscan *s, int index)
{
	yaml_document_t	 doc;
	size_t		 from, to, i;
	cJSON		*env;

	if (s->has_items && !s->alias && manifest_ends_with_list(s->kind) &&
	    (env = manifest_envelope_new(s->kind, s->api[0] != '\0' ? s->api :
	    NULL)) != NULL) {
		for (i = 0; i + 1 < s->n; i += 2)
			yaml_item(c, l, env, s->items[i], s->items[i + 1],
			    index, (int)i / 2 + 1);
		cJSON_Delete(env);
		return;
	}
	from = lines_off(l, (struct ymark){ s->start.line, 0 });
	to = lines_off(l, s->end);
	c->line_base = (int)s->start.line;
	if (slice_load(c, l->buf + from, to - from, &doc) == 0) {
		if (yaml_document_get_root_node(&doc) != NULL)
			(void)manifest_yaml_add(c, &doc, index);
		yaml_document_delete(&doc);
	}
}

/* The resyncing reader from line (0-based) to the end. */
static void
each_yaml_from(struct mctx *c, struct lines *l, size_t line)
{
	size_t	off = lines_off(l, (struct ymark){ line, 0 });

	c->line_base = (int)line;
	each_yaml(c, l->buf + off, l->len - off);
}

/*
 * YAML, one document at a time and one List item at a time: each
 * document is scanned (events only) to find its extent and, for a List,
 * its items; then each is parsed alone. From a syntax error on, the
 * resyncing reader (each_yaml) takes over at that document.
 */
void
manifest_each_yaml(struct mctx *c, const char *buf, size_t len)
{
	struct lines	 l = { buf, len, 0, 0 };
	struct yscan	 s;
	yaml_parser_t	 p;
	yaml_event_t	 e;
	size_t		 resume = 0;	/* line after the last document read */
	int		 index = 0, done = 0;

	if (!yaml_parser_initialize(&p))
		return;
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	memset(&s, 0, sizeof(s));
	while (!done) {
		if (!yaml_parser_parse(&p, &e)) {
			each_yaml_from(c, &l, resume);	/* reports the error */
			break;
		}
		done = e.type == YAML_STREAM_END_EVENT;
		if (e.type == YAML_DOCUMENT_START_EVENT) {
			free(s.items);
			memset(&s, 0, sizeof(s));
			s.start = ymark_of(e.start_mark);
			if (++index > MANIFEST_STREAM_DOCS_MAX) {
				manifest_err_at(c, (struct pos){ (int)
				    s.start.line + 1, 1 }, "more than %d "
				    "documents: the rest is not read",
				    MANIFEST_STREAM_DOCS_MAX);
				done = 1;
			} else if (yscan_doc(&p, &s) == -1) {
				each_yaml_from(c, &l, s.start.line);
				done = 1;
			} else {
				yaml_scanned(c, &l, &s, index);
				resume = s.end.line;
			}
		}
		yaml_event_delete(&e);
	}
	free(s.items);
	yaml_parser_delete(&p);
}

