/*
 * fuzz_json_parse.c - differential libFuzzer harness for json_parse(),
 * with cJSON as the oracle. What json_parse accepts cJSON must accept as
 * a whole (numbers past upstream cJSON's 63 bytes aside), giving the same
 * tree value by value (valueint too) in cJSON's link shape; acceptance
 * must equal that of a small RFC 8259 recursive-descent checker. The
 * review skip paths, a small depth bound and a small memory cap may only
 * null the skipped values or refuse with their own error; every error
 * names a byte that shows it.
 */
#include "base/json_parse.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../unit/json_dups.h"
#include "../unit/json_same.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const review_skip[] = {
	"request/oldObject",
	"request/object/metadata/managedFields",
	NULL
};

/* cJSON's links: first child's prev is the last; keys in objects only. */
static int
shape_ok(const cJSON *n)
{
	const cJSON	*c, *last = NULL;
	int		 obj = (n->type & 0xff) == cJSON_Object;

	if (!obj && (n->type & 0xff) != cJSON_Array)
		return n->child == NULL;
	for (c = n->child; c != NULL; last = c, c = c->next)
		if ((c != n->child && c->prev != last) ||
		    obj != (c->string != NULL) || !shape_ok(c))
			return 0;
	return n->child == NULL || n->child->prev == last;
}

static int
depth_of(const cJSON *n)
{
	const cJSON	*c;
	int		 d, max = 0;

	if ((n->type & 0xff) != cJSON_Array && (n->type & 0xff) != cJSON_Object)
		return 0;
	for (c = n->child; c != NULL; c = c->next)
		if ((d = depth_of(c)) > max)
			max = d;
	return max + 1;
}

/* cJSON's parse of all of s[0..n): only JSON whitespace after the value. */
static cJSON *
cjson_parse_all(const char *s, size_t n)
{
	const char	*end = NULL;
	cJSON		*c;

	if ((c = cJSON_ParseWithLengthOpts(s, n, &end, 0)) == NULL)
		return NULL;
	for (; end < s + n; end++)
		if (*end != ' ' && *end != '\t' && *end != '\n' && *end != '\r') {
			cJSON_Delete(c);
			return NULL;
		}
	return c;
}

/*
 * 1 if a number token outside strings is longer than 63 bytes and this
 * cJSON cannot take one: upstream 1.7.15 copies a number into a 64-byte
 * buffer and stops there (Debian's build reads the whole token).
 */
static int
long_number(const unsigned char *s, size_t n)
{
	static int	cjson_short = -1;
	char		probe[80];
	size_t		i, run = 0;
	int		in_str = 0;
	cJSON		*c;

	if (cjson_short == -1) {
		memset(probe, '1', sizeof(probe));
		c = cJSON_ParseWithLength(probe, sizeof(probe));
		cjson_short = c == NULL || c->valuedouble < 1e79;
		cJSON_Delete(c);
	}
	for (i = 0; cjson_short && i < n; i++) {
		if (in_str) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				in_str = 0;
			continue;
		}
		if (s[i] == '"')
			in_str = 1;
		if (s[i] != '\0' && strchr("0123456789+-.eE", s[i]) != NULL) {
			if (++run >= 64)
				return 1;
		} else
			run = 0;
	}
	return 0;
}

/* Length of the valid UTF-8 sequence (RFC 3629) at s[0..n), or 0. */
static size_t
utf8_len_at(const unsigned char *s, size_t n)
{
	size_t	need, k;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 4;
	else
		return 0;
	if (n < need || (s[0] == 0xe0 && s[1] < 0xa0) ||
	    (s[0] == 0xed && s[1] > 0x9f) || (s[0] == 0xf0 && s[1] < 0x90) ||
	    (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	for (k = 1; k < need; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	return need;
}

/*
 * A second, independent oracle for acceptance: RFC 8259 by recursive
 * descent, plus the contract's refusals (\u0000, nesting over 1000).
 * cJSON accepts more than the RFC, so only this shows json_parse is not
 * stricter than it should be.
 */
struct rfc {
	const unsigned char	*s;
	size_t			 n, i;
	int			 depth;
};

static int	rfc_value(struct rfc *r);

static void
rfc_ws(struct rfc *r)
{
	while (r->i < r->n && (r->s[r->i] == ' ' || r->s[r->i] == '\t' ||
	    r->s[r->i] == '\n' || r->s[r->i] == '\r'))
		r->i++;
}

static int
rfc_hex4(struct rfc *r, size_t at, unsigned *cp)
{
	size_t	k;
	int	c;

	*cp = 0;
	if (at + 4 > r->n)
		return 0;
	for (k = at; k < at + 4; k++) {
		c = r->s[k];
		*cp <<= 4;
		if (c >= '0' && c <= '9')
			*cp |= (unsigned)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			*cp |= (unsigned)((c | 0x20) - 'a' + 10);
		else
			return 0;
	}
	return 1;
}

static int
rfc_string(struct rfc *r)
{
	unsigned	cp, lo;
	size_t		len;

	if (r->i >= r->n || r->s[r->i] != '"')
		return 0;
	for (r->i++; r->i < r->n; ) {
		if (r->s[r->i] == '"') {
			r->i++;
			return 1;
		}
		if (r->s[r->i] < 0x20)
			return 0;
		if (r->s[r->i] != '\\') {
			if ((len = utf8_len_at(r->s + r->i, r->n - r->i)) == 0)
				return 0;
			r->i += len;
			continue;
		}
		if (r->i + 1 >= r->n)
			return 0;
		if (r->s[r->i + 1] != 'u') {
			if (strchr("\"\\/bfnrt", r->s[r->i + 1]) == NULL ||
			    r->s[r->i + 1] == '\0')
				return 0;
			r->i += 2;
			continue;
		}
		if (!rfc_hex4(r, r->i + 2, &cp) || cp == 0 ||
		    (cp >= 0xdc00 && cp <= 0xdfff))
			return 0;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (r->i + 12 > r->n || r->s[r->i + 6] != '\\' ||
			    r->s[r->i + 7] != 'u' || !rfc_hex4(r, r->i + 8, &lo) ||
			    lo < 0xdc00 || lo > 0xdfff)
				return 0;
			r->i += 6;
		}
		r->i += 6;
	}
	return 0;
}

static int
rfc_digits(struct rfc *r)
{
	size_t	start = r->i;

	while (r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9')
		r->i++;
	return r->i > start;
}

static int
rfc_number(struct rfc *r)
{
	if (r->i < r->n && r->s[r->i] == '-')
		r->i++;
	if (r->i < r->n && r->s[r->i] == '0')
		r->i++;
	else if (r->i >= r->n || r->s[r->i] < '1' || r->s[r->i] > '9' ||
	    !rfc_digits(r))
		return 0;
	if (r->i < r->n && r->s[r->i] == '.') {
		r->i++;
		if (!rfc_digits(r))
			return 0;
	}
	if (r->i < r->n && (r->s[r->i] == 'e' || r->s[r->i] == 'E')) {
		r->i++;
		if (r->i < r->n && (r->s[r->i] == '+' || r->s[r->i] == '-'))
			r->i++;
		if (!rfc_digits(r))
			return 0;
	}
	return 1;
}

/* An object or array at r->i: its members, then the close. */
static int
rfc_container(struct rfc *r)
{
	int	obj = r->s[r->i] == '{';

	if (++r->depth > JSON_PARSE_DEPTH_MAX)
		return 0;
	r->i++;
	rfc_ws(r);
	if (r->i < r->n && r->s[r->i] == (obj ? '}' : ']')) {
		r->i++;
		r->depth--;
		return 1;
	}
	for (;;) {
		if (obj) {
			if (!rfc_string(r))
				return 0;
			rfc_ws(r);
			if (r->i >= r->n || r->s[r->i] != ':')
				return 0;
			r->i++;
			rfc_ws(r);
		}
		if (!rfc_value(r))
			return 0;
		rfc_ws(r);
		if (r->i >= r->n)
			return 0;
		if (r->s[r->i] == (obj ? '}' : ']')) {
			r->i++;
			r->depth--;
			return 1;
		}
		if (r->s[r->i] != ',')
			return 0;
		r->i++;
		rfc_ws(r);
	}
}

static int
rfc_literal(struct rfc *r, const char *w)
{
	size_t	n = strlen(w);

	if (r->n - r->i < n || memcmp(r->s + r->i, w, n) != 0)
		return 0;
	r->i += n;
	return 1;
}

static int
rfc_value(struct rfc *r)
{
	if (r->i >= r->n)
		return 0;
	switch (r->s[r->i]) {
	case '{':
	case '[':
		return rfc_container(r);
	case '"':
		return rfc_string(r);
	case 't':
		return rfc_literal(r, "true");
	case 'f':
		return rfc_literal(r, "false");
	case 'n':
		return rfc_literal(r, "null");
	default:
		return rfc_number(r);
	}
}

static int
rfc_accepts(const unsigned char *s, size_t n)
{
	struct rfc	r;

	memset(&r, 0, sizeof(r));
	r.s = s;
	r.n = n;
	rfc_ws(&r);
	if (!rfc_value(&r))
		return 0;
	rfc_ws(&r);
	return r.i == n;
}

/*
 * The error names a byte that shows it: depth at a bracket, a control
 * byte, a \u0000, a bad sequence; trailing data after a prefix that
 * parses alone. Returns the kind (0 syntax, 1 depth, 2 memory).
 */
static int
check_error(const unsigned char *s, size_t n, const char *err,
    unsigned max_depth)
{
	struct json_doc	 doc;
	char		 e2[256], pre[64];
	size_t		 at;
	unsigned	 d;

	if (sscanf(err, "JSON nested deeper than %u at byte %zu", &d, &at) == 2) {
		if (d != max_depth || at >= n || (s[at] != '[' && s[at] != '{'))
			abort();
		return 1;
	}
	if (strncmp(err, "JSON too large", 14) == 0)
		return 2;
	if (sscanf(err, "control character in a JSON string at byte %zu",
	    &at) == 1) {
		if (at >= n || s[at] >= 0x20)
			abort();
	} else if (sscanf(err, "\\u0000 in a JSON string at byte %zu",
	    &at) == 1) {
		if (at + 6 > n || memcmp(s + at, "\\u0000", 6) != 0)
			abort();
	} else if (sscanf(err, "invalid UTF-8 at byte %zu", &at) == 1) {
		if (at >= n || utf8_len_at(s + at, n - at) != 0)
			abort();
	} else if (sscanf(err, "malformed JSON: trailing data at byte %zu",
	    &at) == 1) {
		if (at >= n || json_parse((const char *)s, at, NULL, &doc, e2,
		    sizeof(e2)) == -1)
			abort();
		json_doc_free(&doc);
	} else if (sscanf(err, "malformed JSON near byte %zu", &at) == 1) {
		if (at > n)
			abort();
	} else
		abort();
	snprintf(pre, sizeof(pre), "%zu", at);
	if (strcmp(err + strlen(err) - strlen(pre), pre) != 0)
		abort();
	return 0;
}

/* Our tree against cJSON's parse of the same bytes. */
static void
against_cjson(const uint8_t *data, size_t size, const cJSON *ours)
{
	cJSON	*theirs, *again;

	if ((theirs = cjson_parse_all((const char *)data, size)) == NULL) {
		if (!long_number(data, size))
			abort();
		return;
	}
	if (!tree_same(ours, theirs))
		abort();
	/* cJSON_Compare: exponential in depth, false on duplicate keys */
	if (depth_of(theirs) <= 10 && (again = cjson_parse_all((const char *)
	    data, size)) != NULL) {
		if (cJSON_Compare(again, theirs, 1) &&
		    !cJSON_Compare(ours, theirs, 1))
			abort();
		cJSON_Delete(again);
	}
	cJSON_Delete(theirs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct json_skip	 sk;	/* review_skip, compiled once */
	struct json_parse_opts	 o;
	struct json_doc		 doc, other;
	char			 err[256], err2[256];
	const char		*s = (const char *)data, *near;
	size_t			 at;
	int			 rc, rc2, kind;
	unsigned		 d = 1 + (unsigned)(size % 6);

	rc = json_parse(s, size, NULL, &doc, err, sizeof(err));
	/*
	 * A key twice in one object is refused where it is seen (RFC 8259
	 * allows it; the oracles do not look): the message names a byte of
	 * the input, and nothing else is compared.
	 */
	if (rc != 0 && strncmp(err, "duplicate key \"", 15) == 0) {
		if ((near = strstr(err, "\" near byte ")) == NULL ||
		    sscanf(near, "\" near byte %zu", &at) != 1 || at > size)
			abort();
		return 0;
	}
	if ((rc == 0) != rfc_accepts(data, size))
		abort();
	if (rc == 0) {
		if (!shape_ok(doc.root) || json_has_dup_keys(doc.root))
			abort();
		against_cjson(data, size, doc.root);
	} else {
		(void)check_error(data, size, err, JSON_PARSE_DEPTH_MAX);
		/* what cJSON accepts we may refuse: ours is stricter */
	}

	/* Skipped values are checked like the rest: same verdict. */
	memset(&o, 0, sizeof(o));
	if (sk.n == 0 && json_skip_compile(review_skip, &sk) == -1)
		abort();
	o.skip = &sk;
	rc2 = json_parse(s, size, &o, &other, err2, sizeof(err2));
	if (rc2 != rc || (rc != 0 && strcmp(err, err2) != 0))
		abort();
	if (rc2 == 0) {
		if (!shape_ok(other.root) || !skip_same(doc.root, other.root))
			abort();
		json_doc_free(&other);
	}

	/* A depth bound refuses exactly the deeper documents. */
	memset(&o, 0, sizeof(o));
	o.max_depth = d;
	rc2 = json_parse(s, size, &o, &other, err2, sizeof(err2));
	if (rc2 == 0) {
		if (rc != 0 || depth_of(other.root) > (int)d ||
		    !tree_same(doc.root, other.root))
			abort();
		json_doc_free(&other);
	} else {
		kind = check_error(data, size, err2, d);
		if (rc == 0 ? kind != 1 || depth_of(doc.root) <= (int)d :
		    kind != 1 && strcmp(err, err2) != 0)
			abort();
	}

	/* A memory cap: the same tree within it, or refused. */
	memset(&o, 0, sizeof(o));
	o.max_depth = d;
	o.max_mem = 256 + size * (size % 7);
	rc2 = json_parse(s, size, &o, &other, err2, sizeof(err2));
	if (rc2 == 0) {
		if (rc != 0 || other.mem > o.max_mem ||
		    !tree_same(doc.root, other.root))
			abort();
		json_doc_free(&other);
	} else if (check_error(data, size, err2, d) == 0 && rc == 0)
		abort();

	if (rc == 0)
		json_doc_free(&doc);
	return 0;
}
