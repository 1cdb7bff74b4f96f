/*
 * policy_exception.c - kind: PolicyException. Its spec as a declared-key
 * table, the checks that need the whole set, expiry dates and the expiry
 * report of lint and serve. Which findings an exception lifts is eval's
 * business (admission/eval.c); nothing here reads the clock.
 */
#include "policy/policy_exception.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy/policy_spec.h"
#include "wire/yaml_doc.h"

#define ERR	SCHEMA_ERR
#define DAY	86400LL

#define TICKET_CHARS	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
			"0123456789._-/#:"

static void
f_policies(struct policy_schema_walk *w, yaml_node_t *n, const char *path,
    void *dst)
{
	struct policy_exception	*e = dst;
	yaml_node_t		*it;
	long			 count, i;

	if ((count = policy_schema_list(w, n, path, 0)) <= 0)
		return;
	if (count > POLICY_EXCEPTION_POLICIES_MAX) {
		ERR(w, n, path, "too many policies (%ld, limit %d): one "
		    "exception per concern", count,
		    POLICY_EXCEPTION_POLICIES_MAX);
		return;
	}
	policy_schema_globs(w, n, path, &e->policies);
	e->policy_line = calloc((size_t)count, sizeof(int));
	e->policy_col = calloc((size_t)count, sizeof(int));
	if (e->policy_line == NULL || e->policy_col == NULL) {
		ERR(w, n, path, "out of memory");
		return;
	}
	for (i = 0; i < count; i++) {
		it = policy_schema_item(w, n, i);
		e->policy_line[i] = ydoc_line(it);
		e->policy_col[i] = ydoc_col(it);
	}
}

static void
f_images(struct policy_schema_walk *w, yaml_node_t *n, const char *path,
    void *dst)
{
	struct policy_exception	*e = dst;

	e->images_line = ydoc_line(n);
	e->images_col = ydoc_col(n);
	policy_schema_globs(w, n, path, &e->images);
}

/*
 * kinds: a bare entry is a glob on the kind (Cron*); one with a '/' is
 * GROUP/Kind as in a policy's match.kinds, and checked the same way, so
 * that v1/Service is an error rather than an entry that matches nothing.
 */
static void
check_exception_kind(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, const char *s)
{
	if (*s == '\0')
		SCHEMA_ERR(w, n, path, "must not be empty");
	else if (strchr(s, '/') != NULL)
		policy_spec_check_kind(w, n, path, s);
}

static void
f_kinds(struct policy_schema_walk *w, yaml_node_t *n, const char *path,
    void *dst)
{
	policy_schema_strings(w, n, path, dst, 1, check_exception_kind);
}

static const struct policy_schema_key match_keys[] = {
	{ "namespaces", policy_schema_globs,
	    offsetof(struct policy_exception, namespaces), 0 },
	{ "kinds", f_kinds,
	    offsetof(struct policy_exception, kinds), 0 },
	{ "names", policy_schema_globs,
	    offsetof(struct policy_exception, names), 0 },
	{ "images", f_images, 0, 0 },
	{ NULL, NULL, 0, 0 }
};

static void
f_match(struct policy_schema_walk *w, yaml_node_t *n, const char *path,
    void *dst)
{
	policy_schema_map(w, n, path, match_keys, dst);
}

static void
f_reason(struct policy_schema_walk *w, yaml_node_t *n, const char *path,
    void *dst)
{
	const char	*s;

	if ((s = policy_schema_get_string(w, n, path)) == NULL)
		return;
	if (*s == '\0' || strlen(s) > POLICY_REASON_MAX)
		ERR(w, n, path, "a reason of 1 to %d bytes is required: why "
		    "the exception, and until what", POLICY_REASON_MAX);
	else
		policy_schema_string(w, n, path, dst);
}

static void
f_ticket(struct policy_schema_walk *w, yaml_node_t *n, const char *path,
    void *dst)
{
	const char	*s;
	size_t		 len;

	if ((s = policy_schema_get_string(w, n, path)) == NULL)
		return;
	len = strlen(s);
	if (len == 0 || len > POLICY_TICKET_MAX ||
	    strspn(s, TICKET_CHARS) != len)
		ERR(w, n, path, "invalid ticket \"%.*s\" (expected 1 to %d "
		    "letters, digits or ._-/#: such as OPS-1234)",
		    POLICY_TICKET_MAX, s, POLICY_TICKET_MAX);
	else
		policy_schema_string(w, n, path, dst);
}

static void
f_expires(struct policy_schema_walk *w, yaml_node_t *n, const char *path,
    void *dst)
{
	struct policy_exception	*e = dst;
	const char		*s;
	char			 err[128];

	if ((s = policy_schema_get_string(w, n, path)) == NULL)
		return;
	if (policy_exception_parse_time(s, &e->expires, err,
	    sizeof(err)) == -1) {
		ERR(w, n, path, "invalid date \"%.*s\": %s (expected "
		    "YYYY-MM-DD or an RFC 3339 time)", POLICY_TIME_MAX, s, err);
		return;
	}
	policy_schema_string(w, n, path, &e->expires_text);
	e->expires_line = ydoc_line(n);
	e->expires_col = ydoc_col(n);
}

static const struct policy_schema_key spec_keys[] = {
	{ "policies", f_policies, 0, 1 },
	{ "match", f_match, 0, 0 },
	{ "reason", f_reason, offsetof(struct policy_exception, reason), 1 },
	{ "ticket", f_ticket, offsetof(struct policy_exception, ticket), 1 },
	{ "expires", f_expires, 0, 1 },
	{ NULL, NULL, 0, 0 }
};

void
policy_exception_spec(struct policy_schema_walk *w, yaml_node_t *spec,
    struct policy_exception *e)
{
	memset(e, 0, sizeof(*e));
	policy_schema_map(w, spec, "spec", spec_keys, e);
}

/* The policy of set named name, or NULL. */
static const struct policy *
find_policy(const struct policy_set *set, const char *name)
{
	size_t	i;

	for (i = 0; i < set->n_policies; i++)
		if (strcmp(set->policies[i].name, name) == 0)
			return &set->policies[i];
	return NULL;
}

size_t
policy_exception_resolve(struct policy_set *set, struct diag *d)
{
	struct policy_exception	*e;
	const struct policy	*p;
	size_t			 i, j, errors = d->errors;
	int			 subjects;

	for (i = 0; i < set->n_exceptions; i++) {
		e = &set->exceptions[i];
		subjects = 0;
		for (j = 0; j < e->policies.n; j++) {
			if ((p = find_policy(set, e->policies.v[j])) == NULL) {
				diag_add(d, DIAG_ERROR, e->file,
				    e->policy_line[j], e->policy_col[j],
				    "spec.policies[%zu]: no policy named "
				    "\"%s\" in the set", j, e->policies.v[j]);
				continue;
			}
			subjects |= p->kind->subjects;
			e->lifts[e->n_lifts++] = p;
		}
		if (e->images.n > 0 && !subjects && e->n_lifts == e->policies.n)
			diag_add(d, DIAG_ERROR, e->file, e->images_line,
			    e->images_col, "spec.match.images: none of the "
			    "policies it lifts names images in its findings "
			    "(an ImagePolicy does)");
	}
	return d->errors - errors;
}

/* n digits of s as a number, or -1. */
static int
digits(const char *s, int n)
{
	int	v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "YYYY-MM-DD" at s into tm; 0 or -1. */
static int
parse_date(const char *s, struct tm *tm)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int	y = digits(s, 4), m = digits(s + 5, 2), dd = digits(s + 8, 2);

	if (y < 1970 || s[4] != '-' || s[7] != '-' || m < 1 || m > 12 ||
	    dd < 1 || dd > mdays[m - 1])
		return -1;
	if (m == 2 && dd == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0)))
		return -1;
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = y - 1900;
	tm->tm_mon = m - 1;
	tm->tm_mday = dd;
	return 0;
}

/* "hh:mm:ss[.frac](Z|+hh:mm|-hh:mm)" at s; offset in seconds. */
static int
parse_clock(const char *s, struct tm *tm, long long *offset)
{
	int	h, mi, se, oh, om;

	/* In order: a short string stops at its NUL, never reads past it. */
	if ((h = digits(s, 2)) < 0 || h > 23 || s[2] != ':' ||
	    (mi = digits(s + 3, 2)) < 0 || mi > 59 || s[5] != ':' ||
	    (se = digits(s + 6, 2)) < 0 || se > 60)
		return -1;
	tm->tm_hour = h;
	tm->tm_min = mi;
	tm->tm_sec = se;
	s += 8;
	if (*s == '.') {
		if (!isdigit((unsigned char)*++s))
			return -1;
		while (isdigit((unsigned char)*s))
			s++;
	}
	if ((*s == 'Z' || *s == 'z') && s[1] == '\0') {
		*offset = 0;
		return 0;
	}
	if ((*s != '+' && *s != '-') || (oh = digits(s + 1, 2)) < 0 ||
	    oh > 23 || s[3] != ':' || (om = digits(s + 4, 2)) < 0 ||
	    om > 59 || s[6] != '\0')
		return -1;
	*offset = (*s == '-' ? -1 : 1) * (oh * 3600LL + om * 60LL);
	return 0;
}

int
policy_exception_parse_time(const char *s, long long *out, char *err,
    size_t errlen)
{
	struct tm	tm;
	long long	offset = 0;
	size_t		len = strlen(s);

	if (len < 10 || len > POLICY_TIME_MAX || parse_date(s, &tm) == -1) {
		snprintf(err, errlen, "not a calendar date");
		return -1;
	}
	if (len == 10) {
		*out = (long long)timegm(&tm) + DAY;
		return 0;
	}
	if ((s[10] != 'T' && s[10] != 't') ||
	    parse_clock(s + 11, &tm, &offset) == -1) {
		snprintf(err, errlen, "not an RFC 3339 time");
		return -1;
	}
	*out = (long long)timegm(&tm) - offset;
	return 0;
}

int
policy_exception_active(const struct policy_exception *e, long long now)
{
	return now < e->expires;
}

/* Where lint points for an expiry: the expires value, else the document. */
#define LINE(e)	((e)->expires_line > 0 ? (e)->expires_line : (e)->line)
#define COL(e)	((e)->expires_line > 0 ? (e)->expires_col : 1)

size_t
policy_exception_report(const struct policy_set *set, long long now,
    unsigned warn_days, unsigned flags, struct diag *d)
{
	const struct policy_exception	*e;
	size_t				 i, errors = d->errors;
	long long			 left;
	enum diag_level			 lv;

	for (i = 0; i < set->n_exceptions; i++) {
		e = &set->exceptions[i];
		left = e->expires - now;
		if (left <= 0) {
			lv = flags & POLICY_EXC_FAIL_EXPIRED ? DIAG_ERROR :
			    DIAG_WARNING;
			diag_add(d, lv, e->file, LINE(e), COL(e),
			    "PolicyException \"%s\" (%s) expired %s: it "
			    "lifts nothing; remove it or renew it", e->name,
			    e->ticket, e->expires_text);
		} else if (left <= (long long)warn_days * DAY)
			diag_add(d, DIAG_WARNING, e->file, LINE(e), COL(e),
			    "PolicyException \"%s\" (%s) expires %s, in %lld "
			    "day(s)", e->name, e->ticket, e->expires_text,
			    (left + DAY - 1) / DAY);
		else if (left > POLICY_EXCEPTION_DAYS_MAX * DAY) {
			lv = flags & POLICY_EXC_FAIL_FAR ? DIAG_ERROR :
			    DIAG_WARNING;
			diag_add(d, lv, e->file, LINE(e), COL(e),
			    "PolicyException \"%s\" expires %s, more than %d "
			    "days ahead: exceptions are short-lived", e->name,
			    e->expires_text, POLICY_EXCEPTION_DAYS_MAX);
		}
	}
	return d->errors - errors;
}
