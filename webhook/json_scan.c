/*
 * json_scan.c - the pre-parse pass. Table-driven: runs of ordinary bytes
 * (inside or outside strings) are skipped in a tight loop, so the pass
 * costs a few instructions per byte. Keys are tracked only on the path
 * request / oldObject and request / object / metadata / managedFields.
 */
#include "json_scan.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

#define TRACK_DEPTH	5	/* key path tracked this deep */

enum key_id {
	KEY_OTHER = 0,
	KEY_REQUEST,
	KEY_OLD_OBJECT,
	KEY_OBJECT,
	KEY_METADATA,
	KEY_MANAGED_FIELDS
};

/* 1: a byte that ends a run inside a string ('"', '\\', control, >=0x80) */
static unsigned char str_stop[256];
/* 1: a byte that matters outside strings */
static unsigned char out_stop[256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void
tables_init(void)
{
	int	c;

	for (c = 0; c < 256; c++) {
		str_stop[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
		out_stop[c] = c == '"' || c == '{' || c == '[' || c == '}' ||
		    c == ']' || c == ',' || c == ':' || c >= 0x80;
	}
}

static enum key_id
key_classify(const unsigned char *s, size_t n, unsigned depth)
{
	static const struct {
		const char	*name;
		unsigned	 depth;
		enum key_id	 id;
	} keys[] = {
		{ "request", 1, KEY_REQUEST },
		{ "oldObject", 2, KEY_OLD_OBJECT },
		{ "object", 2, KEY_OBJECT },
		{ "metadata", 3, KEY_METADATA },
		{ "managedFields", 4, KEY_MANAGED_FIELDS },
	};
	size_t	i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].depth == depth && strlen(keys[i].name) == n &&
		    memcmp(keys[i].name, s, n) == 0)
			return keys[i].id;
	return KEY_OTHER;
}

struct state {
	unsigned	depth;
	unsigned char	is_obj[TRACK_DEPTH + 1];
	enum key_id	key[TRACK_DEPTH + 1];
	int		want_key;
	size_t		skip_at;	/* open skip: start offset + 1, or 0 */
	unsigned	skip_depth;
};

/* A value opens at the current depth: is it one we skip? */
static int
skippable(const struct state *st)
{
	if (st->depth == 2 && st->key[1] == KEY_REQUEST &&
	    st->key[2] == KEY_OLD_OBJECT)
		return 1;
	return st->depth == 4 && st->key[1] == KEY_REQUEST &&
	    st->key[2] == KEY_OBJECT && st->key[3] == KEY_METADATA &&
	    st->key[4] == KEY_MANAGED_FIELDS;
}

/* Scan one string starting after its '"'; returns the offset past it. */
static size_t
scan_string(const unsigned char *b, size_t len, size_t i, char *err,
    size_t errlen)
{
	size_t	n;

	for (;;) {
		while (i < len && !str_stop[b[i]])
			i++;
		if (i >= len)
			return len;
		if (b[i] == '"')
			return i + 1;
		if (b[i] == '\\') {
			if (i + 5 < len && b[i + 1] == 'u' &&
			    memcmp(b + i + 2, "0000", 4) == 0) {
				snprintf(err, errlen, "\\u0000 in a JSON string "
				    "at byte %zu", i);
				return (size_t)-1;
			}
			i += i + 1 < len && b[i + 1] < 0x80 ? 2 : 1;
			continue;
		}
		if (b[i] < 0x20) {
			snprintf(err, errlen, "control character in a JSON "
			    "string at byte %zu", i);
			return (size_t)-1;
		}
		if ((n = utf8_seq_len(b + i, len - i)) == 0) {
			snprintf(err, errlen, "invalid UTF-8 at byte %zu", i);
			return (size_t)-1;
		}
		i += n;
	}
}

static int
open_value(struct state *st, const unsigned char *b, size_t i,
    unsigned max_depth, char *err, size_t errlen)
{
	if (st->skip_at == 0 && skippable(st)) {
		st->skip_at = i + 1;
		st->skip_depth = st->depth;
	}
	if (++st->depth > max_depth) {
		snprintf(err, errlen, "JSON nested deeper than %u at byte %zu",
		    max_depth, i);
		return -1;
	}
	if (st->depth <= TRACK_DEPTH) {
		st->is_obj[st->depth] = b[i] == '{';
		st->key[st->depth] = KEY_OTHER;
	}
	st->want_key = b[i] == '{';
	return 0;
}

static void
close_value(struct state *st, size_t i, struct json_scan *out)
{
	if (st->depth == 0)
		return;
	st->depth--;
	st->want_key = 0;
	if (st->skip_at != 0 && st->depth == st->skip_depth) {
		if (out->n_skip < JSON_SCAN_SKIPS_MAX && i + 1 -
		    (st->skip_at - 1) > 4) {
			out->skip[out->n_skip].start = st->skip_at - 1;
			out->skip[out->n_skip].end = i + 1;
			out->n_skip++;
		}
		st->skip_at = 0;
	}
}

int
json_scan(const char *body, size_t len, unsigned max_depth,
    struct json_scan *out, char *err, size_t errlen)
{
	const unsigned char	*b = (const unsigned char *)body;
	struct state		 st;
	size_t			 i = 0, s;

	pthread_once(&tables_once, tables_init);
	memset(&st, 0, sizeof(st));
	out->n_skip = 0;
	while (i < len) {
		while (i < len && !out_stop[b[i]])
			i++;
		if (i >= len)
			break;
		switch (b[i]) {
		case '"':
			s = scan_string(b, len, i + 1, err, errlen);
			if (s == (size_t)-1)
				return -1;
			if (st.want_key && st.depth <= TRACK_DEPTH &&
			    st.is_obj[st.depth] && s > i + 1)
				st.key[st.depth] = key_classify(b + i + 1,
				    s - i - 2, st.depth);
			st.want_key = 0;
			i = s;
			continue;
		case '{':
		case '[':
			if (open_value(&st, b, i, max_depth, err, errlen) == -1)
				return -1;
			break;
		case '}':
		case ']':
			close_value(&st, i, out);
			break;
		case ',':
			st.want_key = st.depth <= TRACK_DEPTH &&
			    st.is_obj[st.depth];
			break;
		case ':':
			st.want_key = 0;
			break;
		default:	/* >= 0x80 outside a string: cJSON refuses it */
			if (utf8_seq_len(b + i, len - i) == 0) {
				snprintf(err, errlen, "invalid UTF-8 at byte "
				    "%zu", i);
				return -1;
			}
			break;
		}
		i++;
	}
	return 0;
}

size_t
json_scan_compact(const char *b, size_t len, const struct json_scan *scan,
    char *dst)
{
	size_t	i, from = 0, o = 0;

	for (i = 0; i < scan->n_skip; i++) {
		memcpy(dst + o, b + from, scan->skip[i].start - from);
		o += scan->skip[i].start - from;
		memcpy(dst + o, "null", 4);
		o += 4;
		from = scan->skip[i].end;
	}
	memcpy(dst + o, b + from, len - from);
	return o + len - from;
}
