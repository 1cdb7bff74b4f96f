/*
 * check_report.c - check's records for other tools: JUnit XML for CI
 * systems, and wgpolicyk8s.io/v1alpha2 PolicyReports as Policy Reporter
 * and Kyverno read them. The report fields follow the CRD of
 * kubernetes-sigs/wg-policy-prototypes,
 * policy-report/crd/v1alpha2/wgpolicyk8s.io_clusterpolicyreports.yaml
 * (results[].policy/rule/result/scored/source/message/timestamp/resources,
 * summary.pass/fail/warn/error/skip).
 */
#include "cli/check.h"

#include <stdio.h>
#include <string.h>

static void
xml_escape(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
}

static const char *
str(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static int
num(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valueint : 0;
}

static void
junit_case(FILE *f, const cJSON *r)
{
	const char	*d = str(r, "decision");

	fputs("    <testcase classname=\"", f);
	xml_escape(f, str(r, "file"));
	fputs("\" name=\"", f);
	xml_escape(f, str(r, "kind"));
	fputc(' ', f);
	if (str(r, "namespace")[0] != '\0') {
		xml_escape(f, str(r, "namespace"));
		fputc('/', f);
	}
	xml_escape(f, str(r, "name"));
	fprintf(f, " (line %d)\"", num(r, "line"));
	if (strcmp(d, "deny") == 0) {
		fputs(">\n      <failure message=\"", f);
		xml_escape(f, str(r, "message"));
		fputs("\" type=\"denied\"/>\n    </testcase>\n", f);
	} else if (strcmp(d, "none") == 0) {
		fputs(">\n      <skipped message=\"no policy applies: ", f);
		xml_escape(f, str(r, "reason"));
		fputs("\"/>\n    </testcase>\n", f);
	} else
		fputs("/>\n", f);
}

void
check_out_junit(FILE *f, const char *suite, const cJSON *objects,
    const cJSON *skipped, const cJSON *errors)
{
	const cJSON	*r;
	int		 fail = 0, skip = 0;

	cJSON_ArrayForEach(r, objects) {
		fail += strcmp(str(r, "decision"), "deny") == 0;
		skip += strcmp(str(r, "decision"), "none") == 0;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<testsuites>\n  <testsuite name=\"", f);
	xml_escape(f, suite);
	fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" "
	    "skipped=\"%d\">\n", cJSON_GetArraySize(objects) +
	    cJSON_GetArraySize(errors), fail, cJSON_GetArraySize(errors), skip);
	cJSON_ArrayForEach(r, objects) {
		junit_case(f, r);
	}
	cJSON_ArrayForEach(r, errors) {
		fputs("    <testcase classname=\"", f);
		xml_escape(f, str(r, "file"));
		fprintf(f, "\" name=\"line %d\">\n      <error message=\"",
		    num(r, "line"));
		xml_escape(f, str(r, "message"));
		fputs("\"/>\n    </testcase>\n", f);
	}
	fputs("    <system-out>", f);
	cJSON_ArrayForEach(r, skipped) {
		xml_escape(f, str(r, "file"));
		fputs(": skipped: ", f);
		xml_escape(f, str(r, "reason"));
		fputc('\n', f);
	}
	fputs("</system-out>\n  </testsuite>\n</testsuites>\n", f);
}

/* The report for ns ("" = the ClusterPolicyReport), made on first use. */
static cJSON *
report_for(cJSON *items, const char *ns)
{
	cJSON	*rep, *md, *sum;
	char	 name[320];

	cJSON_ArrayForEach(rep, items) {
		if (strcmp(str(cJSON_GetObjectItemCaseSensitive(rep,
		    "metadata"), "namespace"), ns) == 0)
			return rep;
	}
	rep = cJSON_CreateObject();
	cJSON_AddStringToObject(rep, "apiVersion", "wgpolicyk8s.io/v1alpha2");
	cJSON_AddStringToObject(rep, "kind", ns[0] != '\0' ? "PolicyReport" :
	    "ClusterPolicyReport");
	md = cJSON_AddObjectToObject(rep, "metadata");
	snprintf(name, sizeof(name), "gitgate%s%s", ns[0] != '\0' ? "-" : "",
	    ns);
	cJSON_AddStringToObject(md, "name", name);
	if (ns[0] != '\0')
		cJSON_AddStringToObject(md, "namespace", ns);
	md = cJSON_AddObjectToObject(md, "labels");
	cJSON_AddStringToObject(md, "app.kubernetes.io/managed-by", "gitgate");
	sum = cJSON_AddObjectToObject(rep, "summary");
	cJSON_AddNumberToObject(sum, "pass", 0);
	cJSON_AddNumberToObject(sum, "fail", 0);
	cJSON_AddNumberToObject(sum, "warn", 0);
	cJSON_AddNumberToObject(sum, "error", 0);
	cJSON_AddNumberToObject(sum, "skip", 0);
	cJSON_AddArrayToObject(rep, "results");
	cJSON_AddItemToArray(items, rep);
	return rep;
}

static void
report_add(cJSON *rep, const cJSON *obj, const char *policy,
    const char *result, const char *message, long long now)
{
	cJSON	*r, *res, *ts, *sum, *n;

	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "policy", policy);
	cJSON_AddStringToObject(r, "rule", policy);
	cJSON_AddStringToObject(r, "result", result);
	cJSON_AddBoolToObject(r, "scored", 1);
	cJSON_AddStringToObject(r, "source", "gitgate");
	cJSON_AddStringToObject(r, "message", message);
	ts = cJSON_AddObjectToObject(r, "timestamp");
	cJSON_AddNumberToObject(ts, "seconds", (double)now);
	cJSON_AddNumberToObject(ts, "nanos", 0);
	res = cJSON_AddArrayToObject(r, "resources");
	n = cJSON_CreateObject();
	cJSON_AddStringToObject(n, "apiVersion", str(obj, "apiVersion"));
	cJSON_AddStringToObject(n, "kind", str(obj, "kind"));
	if (str(obj, "namespace")[0] != '\0')
		cJSON_AddStringToObject(n, "namespace", str(obj, "namespace"));
	cJSON_AddStringToObject(n, "name", str(obj, "name"));
	cJSON_AddItemToArray(res, n);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(rep, "results"),
	    r);
	sum = cJSON_GetObjectItemCaseSensitive(rep, "summary");
	n = cJSON_GetObjectItemCaseSensitive(sum, result);
	cJSON_SetNumberValue(n, n->valuedouble + 1);
}

/* How a finding counts: 1 skip (an exception lifted it), 2 warn, 3 fail. */
static int
finding_rank(const cJSON *f)
{
	if (str(f, "exception")[0] != '\0')
		return 1;
	return strcmp(str(f, "mode"), "audit") == 0 ? 2 : 3;
}

/*
 * One result per policy run on obj: pass without a finding, else as its
 * worst finding counts (a lifted finding next to a denied one is a fail).
 */
static void
report_object(cJSON *items, const cJSON *obj, long long now)
{
	static const char *const	 result[] = { "pass", "skip", "warn",
					    "fail" };
	const cJSON			*p, *f, *found;
	cJSON				*rep = report_for(items,
					    str(obj, "namespace"));

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(obj,
	    "policies")) {
		found = NULL;
		cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(obj,
		    "findings")) {
			if (strcmp(str(f, "policy"), p->valuestring) == 0 &&
			    (found == NULL || finding_rank(f) >
			    finding_rank(found)))
				found = f;
		}
		report_add(rep, obj, p->valuestring, result[found == NULL ? 0 :
		    finding_rank(found)], found == NULL ? "passed" :
		    str(found, "message"), now);
	}
}

cJSON *
check_out_policyreport(const cJSON *objects, long long now)
{
	const cJSON	*obj;
	cJSON		*list, *items;

	if ((list = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(list, "apiVersion", "v1");
	cJSON_AddStringToObject(list, "kind", "List");
	items = cJSON_AddArrayToObject(list, "items");
	cJSON_ArrayForEach(obj, objects) {
		if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(obj,
		    "policies")) > 0)
			report_object(items, obj, now);
	}
	return list;
}
