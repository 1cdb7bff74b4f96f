/*
 * test_policy_exception.c - webhook/policy/policy_exception.c: expiry
 * dates (a date holds through its day, UTC; RFC 3339 with offsets;
 * impossible dates refused), an exception's spec as loaded, and the
 * expiry report of lint and serve at its boundaries (14 days, expired,
 * more than 366 days ahead; errors only with the flags).
 */
#include "policy/policy_exception.h"
#include "policy/policy_set.h"
#include "rules/rules.h"

#include <sys/mman.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

#define DAY		86400LL
#define T_0201		1801440000LL	/* 2027-02-01T00:00:00Z */

static void
test_times(void)
{
	static const struct {
		const char	*s;
		long long	 want;	/* -1: refused */
	} cases[] = {
		{ "2027-01-31", T_0201 },
		{ "2027-01-31T23:59:59Z", T_0201 - 1 },
		{ "2027-02-01T00:00:00Z", T_0201 },
		{ "2027-02-01T01:00:00+01:00", T_0201 },
		{ "2027-01-31T19:00:00-05:00", T_0201 },
		{ "2027-01-31T23:59:59.999Z", T_0201 - 1 },
		{ "2028-02-29", 1835395200LL + DAY },
		{ "2027-02-29", -1 },
		{ "2027-13-01", -1 },
		{ "2027-1-31", -1 },
		{ "2027-01-31 12:00", -1 },
		{ "2027-01-31T12:00:00", -1 },
		{ "2027-01-31T25:00:00Z", -1 },
		{ "2027-01-31T24:00:00Z", -1 },
		{ "2027-01-31T23:59:60Z", T_0201 },	/* a leap second */
		{ "2027-01-31T23:00:00+24:00", -1 },
		{ "2027-01-31T23:00:00+01:60", -1 },
		{ "2027-01-31t23:59:59z", T_0201 - 1 },
		{ "2027-01-31T23:59:59.Z", -1 },
		{ "9999-12-31", 253402300800LL },
		{ "10000-01-01", -1 },
		{ "1969-12-31", -1 },
		{ "2100-02-29", -1 },
		{ "2000-02-29", 951782400LL + DAY },
		{ "31/01/2027", -1 },
		{ "", -1 },
	};
	char		err[128];
	long long	t;
	size_t		i;
	int		rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = 0;
		rc = policy_exception_parse_time(cases[i].s, &t, err,
		    sizeof(err));
		if ((rc == -1 ? -1 : t) != cases[i].want)
			fprintf(stderr, "time %s\n", cases[i].s);
		CHECK_INT(rc == -1 ? -1 : t, cases[i].want);
	}
}

/*
 * Timestamps cut short anywhere in the clock or the offset, each placed
 * so that its NUL is the last byte before an unmapped page: reading one
 * byte past the end crashes the test instead of going unnoticed.
 */
static void
test_times_cut(void)
{
	static const char	full[] = "2027-01-31T23:59:59+01:00";
	long			pg = sysconf(_SC_PAGESIZE);
	char			*map, *s, err[128];
	long long		t;
	size_t			n;

	map = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(map != MAP_FAILED);
	if (map == MAP_FAILED)
		return;
	CHECK(mprotect(map + pg, (size_t)pg, PROT_NONE) == 0);
	for (n = 11; n < sizeof(full) - 1; n++) {
		s = map + pg - (n + 1);
		memcpy(s, full, n);
		s[n] = '\0';
		CHECK_INT(policy_exception_parse_time(s, &t, err,
		    sizeof(err)), -1);
	}
	s = map + pg - sizeof(full);
	memcpy(s, full, sizeof(full));
	CHECK_INT(policy_exception_parse_time(s, &t, err, sizeof(err)), 0);
	CHECK_INT(t, T_0201 - 1 - 3600);
	munmap(map, (size_t)pg * 2);
}

static const char set_yaml[] =
    "apiVersion: gitgate.io/v1alpha1\n"
    "kind: ImagePolicy\n"
    "metadata: {name: immutable-images}\n"
    "spec: {}\n"
    "---\n"
    "apiVersion: gitgate.io/v1alpha1\n"
    "kind: PolicyException\n"
    "metadata: {name: legacy}\n"
    "spec:\n"
    "  policies: [immutable-images]\n"
    "  match: {namespaces: [legacy-*], kinds: [CronJob], names: [a, b],\n"
    "    images: [\"registry.example.com/*\"]}\n"
    "  reason: vendor ships latest only\n"
    "  ticket: OPS-1234\n"
    "  expires: \"2027-01-31\"\n";

/* The report of set at now: its errors, warnings and first text. */
static void
report(const struct policy_set *set, long long now, unsigned warn_days,
    unsigned flags, size_t errors, size_t warnings, const char *first)
{
	struct diag	d;

	diag_init(&d);
	CHECK_INT(policy_exception_report(set, now, warn_days, flags, &d),
	    errors);
	CHECK_INT(d.errors, errors);
	CHECK_INT(d.warnings, warnings);
	if (first != NULL)
		CHECK_STR(d.n > 0 ? d.v[0].text : "", first);
	diag_free(&d);
}

static void
test_set(void)
{
	const struct policy_exception	*e;
	struct policy_set		*set;
	struct diag			 d;

	diag_init(&d);
	set = policy_set_load_buffer("x.yaml", set_yaml, strlen(set_yaml),
	    rules_kinds, &d);
	CHECK(set != NULL);
	CHECK_INT(d.n, 0);
	diag_free(&d);
	if (set == NULL)
		return;
	CHECK_INT(set->n_policies, 1);
	CHECK_INT(set->n_exceptions, 1);
	e = &set->exceptions[0];
	CHECK_STR(e->name, "legacy");
	CHECK_STR(e->ticket, "OPS-1234");
	CHECK_STR(e->reason, "vendor ships latest only");
	CHECK_STR(e->expires_text, "2027-01-31");
	CHECK_INT(e->expires, T_0201);
	CHECK_INT(e->line, 6);
	CHECK_INT(e->expires_line, 15);	/* lint points at the value */
	CHECK_INT(e->expires_col, 12);
	CHECK_INT(e->names.n, 2);
	CHECK_INT(e->n_lifts, 1);
	CHECK(e->lifts[0] == &set->policies[0]);
	CHECK(policy_exception_active(e, T_0201 - 1));
	CHECK(!policy_exception_active(e, T_0201));
	/* 15 days ahead: nothing; 14: a warning; past: warning or error */
	report(set, T_0201 - 15 * DAY, 14, 0, 0, 0, NULL);
	report(set, T_0201 - 14 * DAY, 14, 0, 0, 1, "x.yaml:15:12: warning: "
	    "PolicyException \"legacy\" (OPS-1234) expires 2027-01-31, in 14 "
	    "day(s)");
	report(set, T_0201 - 15 * DAY, 30, 0, 0, 1, NULL);
	report(set, T_0201, 14, 0, 0, 1, "x.yaml:15:12: warning: "
	    "PolicyException \"legacy\" (OPS-1234) expired 2027-01-31: it "
	    "lifts nothing; remove it or renew it");
	report(set, T_0201, 14, POLICY_EXC_FAIL_EXPIRED, 1, 0, "x.yaml:15:12: "
	    "PolicyException \"legacy\" (OPS-1234) expired 2027-01-31: it "
	    "lifts nothing; remove it or renew it");
	report(set, T_0201 - 366 * DAY, 14, POLICY_EXC_FAIL_FAR, 0, 0, NULL);
	report(set, T_0201 - 367 * DAY, 14, 0, 0, 1, NULL);
	report(set, T_0201 - 367 * DAY, 14, POLICY_EXC_FAIL_FAR, 1, 0,
	    "x.yaml:15:12: PolicyException \"legacy\" expires 2027-01-31, more "
	    "than 366 days ahead: exceptions are short-lived");
	policy_set_unref(set);
}

/* n exceptions after one policy: loads up to the limit, not past it. */
static void
test_limit(size_t n, int loads)
{
	static char		 buf[64 * 1024];
	struct policy_set	*set;
	struct diag		 d;
	size_t			 i, len;

	len = (size_t)snprintf(buf, sizeof(buf), "apiVersion: "
	    "gitgate.io/v1alpha1\nkind: ImagePolicy\nmetadata: {name: p}\n"
	    "spec: {}\n");
	for (i = 0; i < n && len < sizeof(buf); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "---\n"
		    "apiVersion: gitgate.io/v1alpha1\nkind: PolicyException\n"
		    "metadata: {name: e%zu}\nspec: {policies: [p], reason: r, "
		    "ticket: T-%zu, expires: \"2027-01-31\"}\n", i, i);
	diag_init(&d);
	set = policy_set_load_buffer("n.yaml", buf, len, rules_kinds, &d);
	CHECK_INT(set != NULL, loads);
	if (!loads)
		CHECK(d.n == 1 && strstr(d.v[0].text, "too many "
		    "PolicyExceptions (limit 64)") != NULL);
	policy_set_unref(set);
	diag_free(&d);
}

int
main(void)
{
	test_times();
	test_times_cut();
	test_set();
	test_limit(POLICY_EXCEPTIONS_MAX, 1);
	test_limit(POLICY_EXCEPTIONS_MAX + 1, 0);
	return unit_done("policy_exception");
}
