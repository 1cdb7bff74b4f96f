/*
 * json_parse.c - strict single-pass JSON to cJSON-shaped nodes, iterative
 * (an explicit stack of open containers, max_depth deep), table-driven
 * (runs of ordinary string bytes are skipped in a tight loop). Nodes and
 * strings are bump-allocated from blocks the document owns; the first
 * block of each thread is kept for its next document, so a typical review
 * is parsed without calling malloc. Values at skip paths are parsed in
 * check-only mode: the same grammar, no nodes, no copies.
 */
#include "base/json_parse.h"

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define BLOCK_KEPT	(64 * 1024)	/* per thread, between documents */
#define NUM_STACK	64	/* a longer number is copied to a block */
#define PAD		JSON_PARSE_PAD	/* NUL sentinels after the text */
#define JSON_KEYS_PAIRWISE 16	/* members compared pairwise; more: sorted */

/* The state helpers share one frame of the main loop (see parse()). */
#if defined(__GNUC__)
#define HOT_INLINE	inline __attribute__((always_inline))
#else
#define HOT_INLINE	inline
#endif

struct json_block {
	struct json_block	*next;
	size_t			 size;		/* bytes after the header */
	size_t			 used;
	_Alignas(16) unsigned char data[];
};

/* An object with many keys alike, checked once the document is read. */
struct json_later {
	struct json_later	*next;
	const cJSON		*obj;
};

struct frame {
	cJSON		*node;		/* the container; NULL when checking */
	cJSON		*last;		/* its last child so far */
	unsigned	 mask;		/* skip paths matched down to here */
	int		 is_obj;
	unsigned	 hits;		/* key filter hits (built objects) */
	uint64_t	 keys;		/* filter of its keys (member()) */
};

struct parser {
	unsigned char		*b;		/* the document's copy */
	size_t			 len;
	size_t			 i;
	struct json_doc		*doc;
	size_t			 max_mem;
	const struct json_skip	*skip;		/* NULL: none */
	char			*err;
	size_t			 errlen;
	int			 failed;
	cJSON			 top;		/* holds the document's value */
	unsigned		 span_depth;	/* skipped container: its frame */
	unsigned		 span_path;	/* ... its skip path, + 1 */
	size_t			 span_key_end;	/* after the skipped value's key */
	struct json_later	*later;		/* objects to check at the end */
};

/* 1: ends a run of plain string bytes ('"', '\\', control, >= 0x80) */
static unsigned char str_stop[256];
/* 1: JSON whitespace (space, tab, LF, CR; nothing else) */
static unsigned char is_ws[256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static _Thread_local struct json_block *kept;	/* this thread's spare */
static pthread_key_t kept_key;
static pthread_once_t kept_once = PTHREAD_ONCE_INIT;

static void
tables_init(void)
{
	int	c;

	for (c = 0; c < 256; c++) {
		str_stop[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
		is_ws[c] = c == ' ' || c == '\t' || c == '\n' || c == '\r';
	}
}

static void
kept_thread_exit(void *block)
{
	free(block);
}

static void
kept_key_init(void)
{
	(void)pthread_key_create(&kept_key, kept_thread_exit);
}

static void
fail(struct parser *p, size_t at, const char *what)
{
	if (p->failed)
		return;
	p->failed = 1;
	snprintf(p->err, p->errlen, "%s at byte %zu", what, at);
}

static void
fail_syntax(struct parser *p, size_t at)
{
	if (p->failed)
		return;
	if (at < p->len && p->b[at] >= 0x80 &&
	    utf8_seq_len(p->b + at, p->len - at) == 0) {
		fail(p, at, "invalid UTF-8");
		return;
	}
	p->failed = 1;
	snprintf(p->err, p->errlen, "malformed JSON near byte %zu", at);
}

/* --- memory --- */

static void *
doc_grow(struct parser *p, size_t n)
{
	struct json_doc		*d = p->doc;
	struct json_block	*bl = d->blocks;
	size_t			 size;
	void			*ret;

	{
		if (bl == NULL && kept != NULL && n <= kept->size &&
		    kept->size <= p->max_mem) {
			bl = kept;
			kept = NULL;
			(void)pthread_setspecific(kept_key, NULL);
		} else {
			size = bl == NULL ? BLOCK_KEPT : bl->size * 2;
			if (size < n)
				size = n;
			if (d->mem + size > p->max_mem)
				size = p->max_mem - d->mem;
			if (d->mem >= p->max_mem || size < n ||
			    (bl = malloc(sizeof(*bl) + size)) == NULL) {
				if (!p->failed) {
					p->failed = 1;
					snprintf(p->err, p->errlen, "JSON too "
					    "large to decode (over %zu KiB)",
					    p->max_mem >> 10);
				}
				return NULL;
			}
			bl->size = size;
		}
		bl->used = 0;
		bl->next = d->blocks;
		d->blocks = bl;
		d->mem += bl->size;
	}
	ret = bl->data + bl->used;
	bl->used += n;
	return ret;
}

/* n bytes, 16-aligned, from the current block (the common case). */
static inline void *
doc_alloc(struct parser *p, size_t n)
{
	struct json_block	*bl = p->doc->blocks;
	void			*ret;

	n = (n + 15) & ~(size_t)15;
	if (bl == NULL || bl->size - bl->used < n)
		return doc_grow(p, n);
	ret = bl->data + bl->used;
	bl->used += n;
	return ret;
}

void
json_doc_free(struct json_doc *doc)
{
	struct json_block	*bl, *next;

	if (doc == NULL)
		return;
	for (bl = doc->blocks; bl != NULL; bl = next) {
		next = bl->next;
		if (next == NULL && kept == NULL && bl->size == BLOCK_KEPT) {
			pthread_once(&kept_once, kept_key_init);
			kept = bl;
			(void)pthread_setspecific(kept_key, bl);
		} else
			free(bl);
	}
	memset(doc, 0, sizeof(*doc));
}

/* --- lexical pieces --- */

/* The NUL after the document stops every scan below at its end. */
static inline void
skip_ws(struct parser *p)
{
	while (is_ws[p->b[p->i]])
		p->i++;
}

/*
 * The first byte at or after i that ends a run of plain string bytes:
 * '"', '\\', < 0x20 or >= 0x80. Sixteen at a time where SSE2 exists
 * (x86-64 always); PAD sentinels keep the loads inside the copy.
 */
static inline size_t
plain_run(const unsigned char *b, size_t i)
{
#if defined(__SSE2__)
	const __m128i	quote = _mm_set1_epi8('"');
	const __m128i	bslash = _mm_set1_epi8('\\');
	const __m128i	space = _mm_set1_epi8(0x20);
	__m128i		x, m;
	int		bits;

	for (;;) {
		x = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
		/* signed compare: >= 0x80 is negative, so "< 0x20" too */
		m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote),
		    _mm_cmpeq_epi8(x, bslash)), _mm_cmplt_epi8(x, space));
		if ((bits = _mm_movemask_epi8(m)) != 0)
			return i + (size_t)__builtin_ctz((unsigned)bits);
		i += 16;
	}
#else
	while (!str_stop[b[i]])
		i++;
	return i;
#endif
}

static int
hex4(const unsigned char *s, unsigned *out)
{
	unsigned	v = 0;
	int		k;

	for (k = 0; k < 4; k++) {
		v <<= 4;
		if (s[k] >= '0' && s[k] <= '9')
			v |= (unsigned)(s[k] - '0');
		else if (s[k] >= 'a' && s[k] <= 'f')
			v |= (unsigned)(s[k] - 'a' + 10);
		else if (s[k] >= 'A' && s[k] <= 'F')
			v |= (unsigned)(s[k] - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/*
 * The escape at p->b[i] ('\\'): its code point in *cp and its length in
 * bytes (2, 6 or 12 for a surrogate pair), or 0 after failing.
 */
static size_t
escape(struct parser *p, size_t i, unsigned *cp)
{
	const unsigned char	*b = p->b;
	unsigned		 lo;

	if (i + 1 >= p->len) {
		fail_syntax(p, i);
		return 0;
	}
	switch (b[i + 1]) {
	case '"':  *cp = '"'; return 2;
	case '\\': *cp = '\\'; return 2;
	case '/':  *cp = '/'; return 2;
	case 'b':  *cp = '\b'; return 2;
	case 'f':  *cp = '\f'; return 2;
	case 'n':  *cp = '\n'; return 2;
	case 'r':  *cp = '\r'; return 2;
	case 't':  *cp = '\t'; return 2;
	case 'u':
		break;
	default:
		fail_syntax(p, i);
		return 0;
	}
	if (i + 6 > p->len || hex4(b + i + 2, cp) == -1) {
		fail_syntax(p, i);
		return 0;
	}
	if (*cp == 0) {
		fail(p, i, "\\u0000 in a JSON string");
		return 0;
	}
	if (*cp >= 0xDC00 && *cp <= 0xDFFF) {		/* lone low half */
		fail_syntax(p, i);
		return 0;
	}
	if (*cp < 0xD800 || *cp > 0xDBFF)
		return 6;
	if (i + 12 > p->len || b[i + 6] != '\\' || b[i + 7] != 'u' ||
	    hex4(b + i + 8, &lo) == -1 || lo < 0xDC00 || lo > 0xDFFF) {
		fail_syntax(p, i);
		return 0;
	}
	*cp = 0x10000 + ((*cp - 0xD800) << 10) + (lo - 0xDC00);
	return 12;
}

static size_t
put_utf8(unsigned char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/*
 * The rest of a string that is not a plain run up to its closing quote:
 * escapes, non-ASCII, or an error; i is the first such byte. Checked, and
 * when out is not NULL decoded in place (the document is our copy; a
 * decoded string is never longer than its JSON form) and NUL-terminated.
 * Leaves p->i past the closing quote. Returns the decoded length (0
 * when out is NULL), or -1.
 */
static long
string_slow(struct parser *p, char **out, size_t start, size_t i)
{
	unsigned char	*b = p->b, *o;
	size_t		 n, k;
	unsigned	 cp;
	int		 escapes = 0;

	for (;;) {
		i = plain_run(b, i);
		if (i >= p->len) {
			fail_syntax(p, p->len);
			return -1;
		}
		if (b[i] == '"')
			break;
		if (b[i] == '\\') {
			if ((n = escape(p, i, &cp)) == 0)
				return -1;
			escapes = 1;
			i += n;
		} else if (b[i] < 0x20) {
			fail(p, i, "control character in a JSON string");
			return -1;
		} else if ((n = utf8_seq_len(b + i, p->len - i)) == 0) {
			fail(p, i, "invalid UTF-8");
			return -1;
		} else
			i += n;
	}
	p->i = i + 1;
	if (out == NULL)
		return 0;
	*out = (char *)b + start;
	if (!escapes) {
		b[i] = '\0';
		return (long)(i - start);
	}
	for (o = b + start, k = start; k < i; ) {
		if (b[k] != '\\') {
			*o++ = b[k++];
			continue;
		}
		n = escape(p, k, &cp);
		k += n;
		o += put_utf8(o, cp);
	}
	*o = '\0';
	return (long)(o - (b + start));
}

/*
 * The string whose opening quote is at p->i, as string_slow(); inline for
 * the common case, printable ASCII up to the closing quote.
 */
static inline long
string(struct parser *p, char **out)
{
	unsigned char	*b = p->b;
	size_t		 start = p->i + 1, i = plain_run(b, start);

	if (b[i] != '"' || i >= p->len)
		return string_slow(p, out, start, i);
	p->i = i + 1;
	if (out != NULL) {
		*out = (char *)b + start;
		b[i] = '\0';
	}
	return (long)(i - start);
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Past the number at p->i, per the RFC's grammar: its end (> p->i), and
 * in *plain whether it is an integer, nd characters long with its sign;
 * 0 after failing.
 */
static size_t
number_scan(struct parser *p, int *plain, size_t *nd)
{
	const unsigned char	*b = p->b;
	size_t			 i = p->i;

	if (i < p->len && b[i] == '-')
		i++;
	if (i >= p->len || !is_digit(b[i]))
		goto fail;
	if (b[i] == '0')
		i++;
	else
		while (i < p->len && is_digit(b[i]))
			i++;
	*nd = i - p->i;
	*plain = 1;
	if (i < p->len && b[i] == '.') {
		*plain = 0;
		if (++i >= p->len || !is_digit(b[i]))
			goto fail;
		while (i < p->len && is_digit(b[i]))
			i++;
	}
	if (i < p->len && (b[i] == 'e' || b[i] == 'E')) {
		*plain = 0;
		if (++i < p->len && (b[i] == '+' || b[i] == '-'))
			i++;
		if (i >= p->len || !is_digit(b[i]))
			goto fail;
		while (i < p->len && is_digit(b[i]))
			i++;
	}
	return i;
fail:
	fail_syntax(p, i);
	return 0;
}

/* The number at p->i (small_int() takes the common ones); its value. */
static int
number(struct parser *p, double *v)
{
	const unsigned char	*b = p->b;
	size_t			 s = p->i, i, nd, k;
	int			 plain;
	long long		 acc = 0;
	char			 tmp[NUM_STACK], *buf;

	if ((i = number_scan(p, &plain, &nd)) == 0)
		return -1;
	p->i = i;
	if (plain && nd <= 16) {	/* exact in a double: < 2^53 */
		for (k = b[s] == '-' ? s + 1 : s; k < i; k++)
			acc = acc * 10 + (b[k] - '0');
		if (acc < (1LL << 53)) {
			*v = b[s] == '-' ? -(double)acc : (double)acc;
			return 0;
		}
	}
	if (i - s < sizeof(tmp))
		buf = tmp;
	else if ((buf = doc_alloc(p, i - s + 1)) == NULL)
		return -1;
	memcpy(buf, b + s, i - s);
	buf[i - s] = '\0';
	*v = strtod(buf, NULL);
	return 0;
}

/* --- the tree --- */

/* A node of type, the last child of f's container. */
static inline cJSON *
node_new(struct parser *p, struct frame *f, int type, char *key)
{
	cJSON	*n;

	if ((n = doc_alloc(p, sizeof(*n))) == NULL)
		return NULL;
	*n = (cJSON){ .type = type };
	n->string = key;
	if (f->last == NULL)
		f->node->child = n;
	else {
		f->last->next = n;
		n->prev = f->last;
	}
	f->last = n;		/* child->prev is set at the close */
	return n;
}

static void
set_number(cJSON *n, double v)
{
	n->valuedouble = v;
	if (v >= INT_MAX)
		n->valueint = INT_MAX;
	else if (v <= (double)INT_MIN)
		n->valueint = INT_MIN;
	else
		n->valueint = (int)v;
}

/* The skip paths among mask whose component at depth d is key. */
static unsigned
path_step(const struct parser *p, unsigned mask, unsigned d,
    const char *key, size_t keylen, int *skip)
{
	unsigned	i, out = 0;

	for (i = 0; i < p->skip->n; i++) {
		if (!(mask & (1u << i)) || d >= p->skip->path[i].n ||
		    p->skip->path[i].len[d] != keylen ||
		    memcmp(p->skip->path[i].comp[d], key, keylen) != 0)
			continue;
		if (d + 1 == p->skip->path[i].n)
			*skip = (int)i + 1;
		else
			out |= 1u << i;
	}
	return out;
}

static int
literal(struct parser *p, const char *word, size_t n)
{
	if (p->len - p->i < n || memcmp(p->b + p->i, word, n) != 0) {
		fail_syntax(p, p->i);
		return -1;
	}
	p->i += n;
	return 0;
}

/*
 * The first value seen at skip path k (counted from 1) ends at end; it
 * starts after its key's ':' (found again here, off the common path).
 */
static void
span_record(struct parser *p, unsigned k, size_t end)
{
	struct json_span	*sp = &p->doc->skipped[k - 1];
	size_t			 start = p->span_key_end;

	while (start < end && (is_ws[p->b[start]] || p->b[start] == ':'))
		start++;
	if (sp->at == NULL) {
		sp->at = (const char *)p->b + start;
		sp->len = end - start;
	}
}

/*
 * The parser's states, as in jq's jv_parse.c: a value is expected (after
 * '[', ',' in an array, or a key's ':'), a value has just ended (',' or a
 * container's end may follow), or an object member's key is expected.
 */
enum state {
	ST_VALUE,
	ST_NEXT,
	ST_MEMBER,
	ST_DONE,
	ST_FAIL
};

/*
 * Where the parse stands. stack[1..depth] are the open containers and
 * stack[0] holds the document's one value (top.child), so every value has
 * a parent frame. A container opened in check-only mode has node NULL,
 * and so has all below it.
 */
struct walk {
	struct frame	*stack;
	struct frame	*f;		/* stack[depth] */
	unsigned	 depth;
	unsigned	 max_depth;
	unsigned	 mask;		/* skip paths matched to the next one */
	int		 skip;		/* the next value is at skip path skip-1 */
	char		*key;		/* the next value's key, or NULL */
};

/* A skipped value stands in its parent as a JSON null. */
static HOT_INLINE int
skipped_null(struct parser *p, const struct walk *w, char *key)
{
	if (!w->skip || w->f->node == NULL)
		return 0;
	return node_new(p, w->f, cJSON_NULL, key) == NULL ? -1 : 0;
}

/* The container at p->i ends: pop it. */
static HOT_INLINE void
container_close(struct parser *p, struct walk *w)
{
	struct frame	*f = w->f;

	/* cJSON's shape: the first child's prev is the last */
	if (f->node != NULL) {
		if (f->node->child != NULL)
			f->node->child->prev = f->last;
	} else if (p->span_path != 0 && w->depth == p->span_depth) {
		span_record(p, p->span_path, p->i + 1);	/* skipped: its end */
		p->span_path = 0;
	}
	p->i++;
	w->f = &w->stack[--w->depth];
}

/* '{' or '[' at p->i: push a frame (and close it at once if empty). */
static HOT_INLINE enum state
value_open(struct parser *p, struct walk *w, char *key, int build)
{
	struct frame	*f;
	cJSON		*n = NULL;
	int		 is_obj = p->b[p->i] == '{';

	if (w->depth >= w->max_depth) {
		snprintf(p->err, p->errlen, "JSON nested deeper than %u at "
		    "byte %zu", w->max_depth, p->i);
		p->failed = 1;
		return ST_FAIL;
	}
	if (build && (n = node_new(p, w->f,
	    is_obj ? cJSON_Object : cJSON_Array, key)) == NULL)
		return ST_FAIL;
	if (skipped_null(p, w, key) == -1)
		return ST_FAIL;
	f = &w->stack[++w->depth];
	f->node = n;
	f->last = NULL;
	f->is_obj = is_obj;
	f->hits = 0;
	f->keys = 0;
	f->mask = is_obj && build ? w->mask : 0;
	w->f = f;
	if (w->skip) {
		p->span_depth = w->depth;
		p->span_path = (unsigned)w->skip;
	}
	w->skip = 0;
	w->mask = 0;
	p->i++;
	skip_ws(p);
	if (p->i < p->len && p->b[p->i] == (is_obj ? '}' : ']')) {
		container_close(p, w);
		return w->depth == 0 ? ST_DONE : ST_NEXT;
	}
	return is_obj ? ST_MEMBER : ST_VALUE;
}

/* A string at p->i. */
static HOT_INLINE enum state
value_string(struct parser *p, struct walk *w, char *key, int build)
{
	cJSON	*n;
	char	*s;

	if (!build) {
		if (string(p, NULL) == -1 || skipped_null(p, w, key) == -1)
			return ST_FAIL;
		if (w->skip)
			span_record(p, (unsigned)w->skip, p->i);
	} else {
		if (string(p, &s) == -1 ||
		    (n = node_new(p, w->f, cJSON_String, key)) == NULL)
			return ST_FAIL;
		n->valuestring = s;
	}
	w->skip = 0;
	w->mask = 0;
	return ST_NEXT;
}

/*
 * The literal (true, false, null) or number at p->i: its cJSON type, and
 * a number's value in *v; -1 after failing. Out of line, and it takes
 * no struct walk, so the walk stays in registers.
 */
static int
token_other(struct parser *p, double *v)
{
	switch (p->b[p->i]) {
	case 't':
		return literal(p, "true", 4) == -1 ? -1 : cJSON_True;
	case 'f':
		return literal(p, "false", 5) == -1 ? -1 : cJSON_False;
	case 'n':
		return literal(p, "null", 4) == -1 ? -1 : cJSON_NULL;
	default:
		return number(p, v) == -1 ? -1 : cJSON_Number;
	}
}

/*
 * The commonest number, inline: 1 to 15 digits, no sign, fraction or
 * exponent (exact in a double). Returns 0, p->i unmoved, for anything
 * else, number() then decides. The NULs after the text end every scan.
 */
static HOT_INLINE int
small_int(struct parser *p, double *v)
{
	const unsigned char	*b = p->b;
	size_t			 i = p->i;
	long long		 acc = 0;

	if (!is_digit(b[i]) || (b[i] == '0' && is_digit(b[i + 1])))
		return 0;
	while (is_digit(b[i]) && i - p->i < 15)
		acc = acc * 10 + (b[i++] - '0');
	if (is_digit(b[i]) || b[i] == '.' || b[i] == 'e' || b[i] == 'E')
		return 0;
	*v = (double)acc;
	p->i = i;
	return 1;
}

/* A literal or a number at p->i. */
static HOT_INLINE enum state
value_other(struct parser *p, struct walk *w, char *key, int build)
{
	cJSON	*n;
	double	 v = 0;
	int	 type;

	if (small_int(p, &v))
		type = cJSON_Number;
	else if ((type = token_other(p, &v)) == -1)
		return ST_FAIL;
	if (build) {
		if ((n = node_new(p, w->f, type, key)) == NULL)
			return ST_FAIL;
		if (type == cJSON_Number)
			set_number(n, v);
	} else {
		if (skipped_null(p, w, key) == -1)
			return ST_FAIL;
		if (w->skip)
			span_record(p, (unsigned)w->skip, p->i);
	}
	w->skip = 0;
	w->mask = 0;
	return ST_NEXT;
}

/* ST_VALUE: a value is expected at p->i. */
static HOT_INLINE enum state
value(struct parser *p, struct walk *w)
{
	char	*key = w->key;
	int	 build;

	skip_ws(p);
	if (p->i >= p->len) {
		fail_syntax(p, p->i);
		return ST_FAIL;
	}
	build = w->f->node != NULL && !w->skip;
	w->key = NULL;
	switch (p->b[p->i]) {
	case '"':
		return value_string(p, w, key, build);
	case '{':
	case '[':
		return value_open(p, w, key, build);
	default:
		return value_other(p, w, key, build);
	}
}

static int
key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
key_dup(struct parser *p, const char *key)
{
	snprintf(p->err, p->errlen, "duplicate key \"%.64s\" near byte %zu",
	    key, p->i);
	p->failed = 1;
	return -1;
}

/* All of an object's keys: sorted, so n log n. */
static int
keys_unique(struct parser *p, const cJSON *first)
{
	const cJSON	*a;
	const char	**v;
	size_t		 n, i;
	int		 rc = 0;

	for (a = first->next, n = 1; a != NULL; a = a->next)
		n++;
	if ((v = malloc(n * sizeof(*v))) == NULL) {
		fail(p, p->i, "out of memory");
		return -1;
	}
	for (a = first, i = 0; a != NULL; a = a->next)
		v[i++] = a->string;
	qsort(v, n, sizeof(*v), key_cmp);
	for (i = 1; i < n && rc == 0; i++)
		if (strcmp(v[i - 1], v[i]) == 0)
			rc = key_dup(p, v[i]);
	free(v);
	return rc;
}

/* The objects key_seen() left for the end. */
static int
keys_later(struct parser *p)
{
	const struct json_later	*l;

	for (l = p->later; l != NULL; l = l->next)
		if (keys_unique(p, l->obj->child) == -1)
			return -1;
	return 0;
}

/* ST_NEXT: after a value in a container, ',' or the ends of containers. */
static HOT_INLINE enum state
value_next(struct parser *p, struct walk *w)
{
	for (;;) {
		skip_ws(p);
		if (p->i >= p->len) {
			fail_syntax(p, p->i);
			return ST_FAIL;
		}
		if (p->b[p->i] == ',') {
			p->i++;
			skip_ws(p);
			return w->f->is_obj ? ST_MEMBER : ST_VALUE;
		}
		if (p->b[p->i] != (w->f->is_obj ? '}' : ']')) {
			fail_syntax(p, p->i);
			return ST_FAIL;
		}
		container_close(p, w);
		if (w->depth == 0)
			return ST_DONE;
	}
}

/*
 * A key twice in an object is refused (RFC 8259 leaves it open; Go's
 * decoder, the API server's, keeps the last, where a reader of the first
 * would check a value the cluster never sees). member() keeps a 64-bit
 * filter of each object's key lengths; only on a hit are the earlier
 * keys compared, here. After JSON_KEYS_PAIRWISE hits in one object (it
 * is big, or made to collide) it is checked whole, sorted, once the
 * document is read (keys_later()). Out of line: rare.
 */
static __attribute__((cold, noinline)) int
key_seen(struct parser *p, struct frame *f, const char *key)
{
	const cJSON	*a;

	struct json_later	*l;

	if (f->hits > JSON_KEYS_PAIRWISE)
		return 0;
	if (++f->hits > JSON_KEYS_PAIRWISE) {	/* checked at the end */
		if ((l = doc_alloc(p, sizeof(*l))) == NULL)
			return -1;
		l->obj = f->node;
		l->next = p->later;
		p->later = l;
		return 0;
	}
	for (a = f->node->child; a != NULL; a = a->next)
		if (a->string[0] == key[0] && strcmp(a->string, key) == 0)
			return key_dup(p, key);
	return 0;
}

/* ST_MEMBER: a key and ':' at p->i, inside an object. */
static HOT_INLINE enum state
member(struct parser *p, struct walk *w)
{
	struct frame		*f = w->f;
	char			*key = NULL;	/* locals keep w in registers */
	unsigned		 mask = 0;
	int			 skip = 0;
	long			 len;
	uint64_t		 bit;

	if (p->i >= p->len || p->b[p->i] != '"') {
		fail_syntax(p, p->i);
		return ST_FAIL;
	}
	if (f->node == NULL) {
		if (string(p, NULL) == -1)
			return ST_FAIL;
	} else {
		if ((len = string(p, &key)) == -1)
			return ST_FAIL;
		bit = 1ull << ((unsigned long)len & 63);
		if ((f->keys & bit) != 0 && key_seen(p, f, key) == -1)
			return ST_FAIL;
		f->keys |= bit;
		if (f->mask != 0) {
			mask = path_step(p, f->mask, w->depth - 1, key,
			    strlen(key), &skip);
			p->span_key_end = p->i;
		}
	}
	w->key = key;
	w->mask = mask;
	w->skip = skip;
	skip_ws(p);
	if (p->i >= p->len || p->b[p->i] != ':') {
		fail_syntax(p, p->i);
		return ST_FAIL;
	}
	p->i++;
	return ST_VALUE;
}

/*
 * The document's one value, state by state; stack has max_depth + 1
 * frames.
 */
static cJSON *
parse(struct parser *p, struct frame *stack, unsigned max_depth)
{
	struct walk	 w;
	enum state	 st = ST_VALUE;

	memset(&w, 0, sizeof(w));
	stack[0] = (struct frame){ .node = &p->top };
	w.stack = stack;
	w.f = stack;
	w.max_depth = max_depth;
	if (p->skip != NULL && p->skip->n > 0)
		w.mask = (1u << p->skip->n) - 1;
	/* A scalar document is one value; ST_NEXT is only inside containers. */
	skip_ws(p);
	if (p->b[p->i] != '{' && p->b[p->i] != '[')
		return value(p, &w) == ST_FAIL ? NULL : p->top.child;
	/* In the order they usually follow one another: one pass, few jumps. */
	for (;;) {
		if (st == ST_MEMBER)
			st = member(p, &w);
		if (st == ST_VALUE)
			st = value(p, &w);
		if (st == ST_NEXT)
			st = value_next(p, &w);
		if (st == ST_DONE)
			return p->top.child;
		if (st == ST_FAIL)
			return NULL;
	}
}

int
json_skip_compile(const char *const *paths, struct json_skip *out)
{
	const char	*s, *e;
	unsigned	 n;

	memset(out, 0, sizeof(*out));
	for (; paths != NULL && paths[out->n] != NULL; out->n++) {
		if (out->n == JSON_SKIP_PATHS_MAX)
			return -1;
		for (s = paths[out->n], n = 0; ; s = e + 1, n++) {
			if (n == JSON_SKIP_DEPTH_MAX)
				return -1;
			e = strchr(s, '/');
			out->path[out->n].comp[n] = s;
			out->path[out->n].len[n] = e != NULL ?
			    (size_t)(e - s) : strlen(s);
			if (e == NULL)
				break;
		}
		out->path[out->n].n = n + 1;
	}
	return 0;
}

static int	parse_doc(const char *, char *, size_t,
		    const struct json_parse_opts *, struct json_doc *, char *,
		    size_t);

int
json_parse(const char *b, size_t len, const struct json_parse_opts *o,
    struct json_doc *doc, char *err, size_t errlen)
{
	return parse_doc(b, NULL, len, o, doc, err, errlen);
}

int
json_parse_in_place(char *b, size_t len, const struct json_parse_opts *o,
    struct json_doc *doc, char *err, size_t errlen)
{
	return parse_doc(NULL, b, len, o, doc, err, errlen);
}

/* From text (copied into the document first) or in place in buf. */
static int
parse_doc(const char *text, char *buf, size_t len,
    const struct json_parse_opts *o, struct json_doc *doc, char *err,
    size_t errlen)
{
	struct parser	 p;
	struct frame	*stack;
	unsigned	 max_depth;

	pthread_once(&tables_once, tables_init);
	pthread_once(&kept_once, kept_key_init);
	memset(doc, 0, sizeof(*doc));
	memset(&p, 0, sizeof(p));
	p.len = len;
	p.doc = doc;
	p.err = err;
	p.errlen = errlen;
	p.max_mem = o != NULL && o->max_mem != 0 ? o->max_mem :
	    JSON_PARSE_MEM_MAX;
	max_depth = o != NULL && o->max_depth != 0 &&
	    o->max_depth < JSON_PARSE_DEPTH_MAX ? o->max_depth :
	    JSON_PARSE_DEPTH_MAX;
	p.skip = o != NULL ? o->skip : NULL;
	/* Strings are decoded and terminated where they are. */
	if (buf != NULL)
		p.b = (unsigned char *)buf;
	else if ((p.b = doc_alloc(&p, len + PAD)) != NULL)
		memcpy(p.b, text, len);
	if (p.b != NULL)
		memset(p.b + len, 0, PAD);
	if (p.b == NULL ||
	    (stack = doc_alloc(&p, sizeof(*stack) * (max_depth + 1))) ==
	    NULL ||
	    (doc->root = parse(&p, stack, max_depth)) == NULL) {
		if (!p.failed)
			fail_syntax(&p, p.i);
		json_doc_free(doc);
		return -1;
	}
	skip_ws(&p);
	if (p.i == len && keys_later(&p) == -1) {
		json_doc_free(doc);
		return -1;
	}
	if (p.i != len) {
		if (p.b[p.i] >= 0x80 &&
		    utf8_seq_len(p.b + p.i, len - p.i) == 0)
			fail(&p, p.i, "invalid UTF-8");
		else
			fail(&p, p.i, "malformed JSON: trailing data");
		json_doc_free(doc);
		return -1;
	}
	return 0;
}
