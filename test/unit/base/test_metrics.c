/*
 * test_metrics.c - webhook/base/metrics.c's rendering: each recorded event
 * shows in the text as the series it belongs to, with the right labels
 * (operation and kind from kube.c, "other" for the rest), histogram
 * buckets cumulative, policy results by mode and result, the gauges, the
 * policy hash and generation; every series line has a # TYPE above it.
 * (`promtool check metrics` runs in the black-box suite.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/kube.h"
#include "base/metrics.h"
#include "base/metrics_exception.h"
#include "unit.h"

static char	*text;

/* The value of the series line that starts with series + " ", or -1. */
static double
value_of(const char *series)
{
	const char	*p = text;
	size_t		 n = strlen(series);

	while ((p = strstr(p, series)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p += n;
	}
	return -1;
}

static void
render(unsigned long generation, const char *sha)
{
	size_t	len = 0;

	free(text);
	text = metrics_render(generation, sha, &len);
	CHECK(text != NULL);
	CHECK_INT(len, text != NULL ? strlen(text) : 0);
}

#define REQ(op, kind, dec, dry) \
	"gitgate_admission_requests_total{operation=\"" op "\",kind=\"" \
	kind "\",decision=\"" dec "\",dry_run=\"" dry "\"}"

/* (recorded) -> (series, value) */
static const struct {
	unsigned		 op;
	const char		*kind;
	enum metrics_decision	 dec;
	int			 dry;
	long long		 us;
	const char		*series;
} reviews[] = {
	{ KUBE_OP_CREATE, "Deployment", METRICS_DENY, 0, 40,
	    REQ("CREATE", "Deployment", "deny", "false") },
	{ KUBE_OP_UPDATE, "CronJob", METRICS_AUDIT, 1, 300,
	    REQ("UPDATE", "CronJob", "audit", "true") },
	{ KUBE_OP_DELETE, "ConfigMap", METRICS_ALLOW, 0, 2000,
	    REQ("DELETE", "ConfigMap", "allow", "false") },
	{ KUBE_OP_UPDATE, "Lease", METRICS_ALLOW, 0, 2000,
	    REQ("UPDATE", "other", "allow", "false") },
	{ KUBE_OP_UPDATE, "HelmRelease", METRICS_DENY, 0, 2000,
	    REQ("UPDATE", "HelmRelease", "deny", "false") },
	{ 0x10, "Pod", METRICS_ALLOW, 1, 7000000,
	    REQ("other", "Pod", "allow", "true") },
	{ KUBE_OP_CONNECT, "ReplicationController", METRICS_DENY, 0, 90,
	    REQ("CONNECT", "ReplicationController", "deny", "false") },
};

static void
test_reviews(void)
{
	size_t	i;

	render(0, "");
	/* before any review: the first op and kind are shown at zero */
	CHECK(value_of(REQ("CREATE", "Pod", "allow", "false")) == 0);
	CHECK(value_of(REQ("CREATE", "Deployment", "deny", "false")) == -1);
	for (i = 0; i < sizeof(reviews) / sizeof(reviews[0]); i++) {
		metrics_review(reviews[i].op, reviews[i].kind, reviews[i].dec,
		    reviews[i].dry, reviews[i].us);
		metrics_review(reviews[i].op, reviews[i].kind, reviews[i].dec,
		    reviews[i].dry, reviews[i].us);
	}
	render(0, "");
	for (i = 0; i < sizeof(reviews) / sizeof(reviews[0]); i++)
		CHECK(value_of(reviews[i].series) == 2);
	/* buckets are cumulative: 40us twice <= 5e-05, everything <= +Inf */
	CHECK(value_of("gitgate_admission_review_duration_seconds_bucket"
	    "{le=\"5e-05\"}") == 2);
	CHECK(value_of("gitgate_admission_review_duration_seconds_bucket"
	    "{le=\"0.0001\"}") == 4);
	CHECK(value_of("gitgate_admission_review_duration_seconds_bucket"
	    "{le=\"5\"}") == 12);
	CHECK(value_of("gitgate_admission_review_duration_seconds_bucket"
	    "{le=\"+Inf\"}") == 14);
	CHECK(value_of("gitgate_admission_review_duration_seconds_count") ==
	    14);
	CHECK(value_of("gitgate_admission_review_duration_seconds_sum") >
	    14.0);
}

static void
test_policies(void)
{
	metrics_policy_result("immutable-images", "enforce", "fail");
	metrics_policy_result("immutable-images", "enforce", "fail");
	metrics_policy_result("immutable-images", "audit", "error");
	metrics_policy_result("git-source", "audit", "fail");
	render(7, "abc123");
	CHECK(value_of("gitgate_policy_results_total{policy="
	    "\"immutable-images\",mode=\"enforce\",result=\"fail\"}") == 2);
	CHECK(value_of("gitgate_policy_results_total{policy="
	    "\"immutable-images\",mode=\"audit\",result=\"error\"}") == 1);
	CHECK(value_of("gitgate_policy_results_total{policy="
	    "\"immutable-images\",mode=\"audit\",result=\"fail\"}") == 0);
	CHECK(value_of("gitgate_policy_results_total{policy="
	    "\"git-source\",mode=\"audit\",result=\"fail\"}") == 1);
	CHECK(value_of("gitgate_policy_generation{sha256=\"abc123\"}") == 7);
}

/*
 * Exceptions: the counter by (exception, policy) pair, and the expiry
 * gauge replaced whole on each reload (a removed exception disappears).
 */
static void
test_exceptions(void)
{
	static const char *const two[] = { "legacy-report", "migration" };
	static const long long two_t[] = { 1801440000LL, 1801396800LL };
	static const char *const one[] = { "migration" };
	static const long long one_t[] = { 1801396800LL };

	metrics_exception_applied("legacy-report", "immutable-images");
	metrics_exception_applied("legacy-report", "immutable-images");
	metrics_exception_applied("legacy-report", "registries");
	metrics_exception_expiry(two, two_t, 2);
	render(8, "abc");
	CHECK(value_of("gitgate_exceptions_applied_total{exception="
	    "\"legacy-report\",policy=\"immutable-images\"}") == 2);
	CHECK(value_of("gitgate_exceptions_applied_total{exception="
	    "\"legacy-report\",policy=\"registries\"}") == 1);
	CHECK(value_of("gitgate_exceptions_applied_total{exception="
	    "\"migration\",policy=\"registries\"}") == -1);
	CHECK(value_of("gitgate_exception_expiry_timestamp_seconds{exception="
	    "\"legacy-report\"}") == 1801440000.0);
	CHECK(value_of("gitgate_exception_expiry_timestamp_seconds{exception="
	    "\"migration\"}") == 1801396800.0);
	metrics_exception_expiry(one, one_t, 1);
	render(9, "abc");
	CHECK(value_of("gitgate_exception_expiry_timestamp_seconds{exception="
	    "\"legacy-report\"}") == -1);
	CHECK(value_of("gitgate_exception_expiry_timestamp_seconds{exception="
	    "\"migration\"}") == 1801396800.0);
	/* the counter outlives the reload */
	CHECK(value_of("gitgate_exceptions_applied_total{exception="
	    "\"legacy-report\",policy=\"immutable-images\"}") == 2);
}

static void
test_misc(void)
{
	metrics_http_error(413);
	metrics_http_error(418);		/* not a listed code */
	metrics_reload(1);
	metrics_reload(0);
	metrics_reload(1);
	metrics_cert_reload(0);
	metrics_cert_expiry(1800000000);
	metrics_connections(12);
	metrics_connection_refused();
	metrics_body_budget(65536, 3);
	render(0, "");
	CHECK(value_of("gitgate_http_errors_total{code=\"413\"}") == 1);
	CHECK(value_of("gitgate_http_errors_total{code=\"400\"}") == 0);
	CHECK(value_of("gitgate_policy_reloads_total{result=\"success\"}") ==
	    2);
	CHECK(value_of("gitgate_policy_reloads_total{result=\"failure\"}") ==
	    1);
	CHECK(value_of("gitgate_certificate_reloads_total"
	    "{result=\"failure\"}") == 1);
	CHECK(value_of("gitgate_certificate_expiry_timestamp_seconds") ==
	    1800000000);
	CHECK(value_of("gitgate_open_connections") == 12);
	CHECK(value_of("gitgate_connections_refused_total") == 1);
	CHECK(value_of("gitgate_request_body_bytes_held") == 65536);
	CHECK(value_of("gitgate_requests_waiting_for_body_budget") == 3);
	CHECK(value_of("gitgate_policy_generation{sha256=\"\"}") == 0);
	CHECK(strstr(text, "gitgate_build_info{version=\"") != NULL);
}

/* Every series' metric name has a # TYPE line before it. */
static void
test_types(void)
{
	char		*copy, *line, *save = NULL, name[128];
	size_t		 n, lines = 0, typed = 0;

	render(0, "");
	if (text == NULL || (copy = strdup(text)) == NULL)
		return;
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		lines++;
		n = strcspn(line, "{ ");
		snprintf(name, sizeof(name), "# TYPE %.*s ", (int)n, line);
		if (strstr(text, name) != NULL)
			typed++;
		else if ((n > 7 && strncmp(line + n - 7, "_bucket", 7) == 0) ||
		    (n > 4 && strncmp(line + n - 4, "_sum", 4) == 0) ||
		    (n > 6 && strncmp(line + n - 6, "_count", 6) == 0))
			typed++;	/* a histogram's own series */
	}
	CHECK(lines > 20);
	CHECK_INT(typed, lines);
	free(copy);
}

int
main(void)
{
	test_reviews();
	test_policies();
	test_exceptions();
	test_misc();
	test_types();
	free(text);
	return unit_done("metrics");
}
