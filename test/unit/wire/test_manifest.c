/*
 * test_manifest.c - manifest_decode() on inline buffers: each case is the
 * input and either the objects it must yield (position, document, item,
 * kind/name) or its first error, exactly. Typing, aliases and limits
 * follow the table as separate checks. manifest_each() (streaming) must
 * yield exactly what manifest_decode() yields on every valid case, and
 * keep reading after a broken document or List item.
 */
#include "wire/manifest.h"

#include <stdlib.h>
#include <string.h>

#include "unit.h"

#define BOMB_ROW(x, y) x ": &" x " [*" y ",*" y ",*" y ",*" y ",*" y ",*" \
	y ",*" y ",*" y ",*" y "]\n"

struct mcase {
	const char	*name;
	const char	*in;
	const char	*want;	/* objects "L:C dN iM Kind/name ..." or error */
	size_t		 errors;
};

static const struct mcase cases[] = {
	{ "multi-doc, comments, empty docs",
	  "# leading comment\n"
	  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a # trailing\n"
	  "---\n# only a comment\n---\n---\n"
	  "apiVersion: v1\nkind: Service\nmetadata: {name: b}\n---\n",
	  "2:1 d1 i0 ConfigMap/a 10:1 d4 i0 Service/b", 0 },
	{ "nothing at all", "", "", 0 },
	{ "only separators", "---\n---\n\n# x\n...\n", "", 0 },
	{ "kubectl List",
	  "apiVersion: v1\nitems:\n"
	  "- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n"
	  "    name: a\n"
	  "- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n"
	  "    name: b\n"
	  "kind: List\nmetadata:\n  resourceVersion: \"\"\n",
	  "3:3 d1 i1 Deployment/a 7:3 d1 i2 Deployment/b", 0 },
	{ "typed list lends kind",
	  "apiVersion: apps/v1\nkind: DeploymentList\nitems:\n"
	  "- metadata: {name: a}\n- metadata: {generateName: b-}\n",
	  "4:3 d1 i1 Deployment/a 5:3 d1 i2 Deployment/b-", 0 },
	{ "empty List", "apiVersion: v1\nkind: List\nitems: []\n", "", 0 },
	{ "JSON object",
	  "\n  {\"apiVersion\": \"v1\", \"kind\": \"Pod\",\n"
	  "   \"metadata\": {\"name\": \"p\"}}\n",
	  "2:3 d1 i0 Pod/p", 0 },
	{ "JSON array",
	  "[\n {\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":"
	  "{\"name\":\"a\"}},\n\t{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	  "\"metadata\":{\"name\":\"b\"}}\n]\n",
	  "2:2 d1 i1 Pod/a 3:2 d1 i2 Pod/b", 0 },
	{ "JSON List",
	  "{\"kind\": \"List\", \"x\": [\"]\", {\"}\": 1}], "
	  "\"apiVersion\": \"v1\", \"items\": [\n"
	  "  {\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":"
	  "{\"name\":\"a\\\"[\"}}]}",
	  "2:3 d1 i1 Pod/a\"[", 0 },
	{ "JSON stream",
	  "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":"
	  "{\"name\":\"a\"}}\n{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	  "\"metadata\":{\"name\":\"b\"}}",
	  "1:1 d1 i0 Pod/a 2:1 d2 i0 Pod/b", 0 },
	{ "flow YAML that is not JSON",
	  "{apiVersion: v1, kind: Pod, metadata: {name: p}}\n",
	  "1:1 d1 i0 Pod/p", 0 },
	{ "CR and CR LF line breaks count as libyaml counts them",
	  "\r\r\rapiVersion: v1\r\nkind: List\ritems:\r- apiVersion: v1\r"
	  "  kind: Pod\r  metadata: {name: a}\r",
	  "7:3 d1 i1 Pod/a", 0 },
	{ "JSON documents in YAML",
	  "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":"
	  "{\"name\":\"a\"}}\n---\n{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	  "\"metadata\":{\"name\":\"b\"}}",
	  "1:1 d1 i0 Pod/a 3:1 d2 i0 Pod/b", 0 },
	{ "missing kind",
	  "apiVersion: v1\nmetadata:\n  name: x\n",
	  "t.yaml:1:1: document 1: missing kind", 1 },
	{ "missing several",
	  "---\nkind: Pod\n",
	  "t.yaml:2:1: document 1: missing apiVersion; missing metadata", 1 },
	{ "wrong types",
	  "apiVersion: 1\nkind: \"\"\nmetadata:\n  name: [x]\n",
	  "t.yaml:1:1: document 1: apiVersion is not a string; kind is "
	  "empty; metadata.name is not a string", 1 },
	{ "no name",
	  "apiVersion: v1\nkind: Pod\nmetadata:\n  labels: {}\n",
	  "t.yaml:1:1: document 1: missing metadata.name (or generateName)",
	  1 },
	{ "every bad document reported",
	  "kind: Pod\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: a}\n"
	  "---\n  - a\n",
	  "t.yaml:1:1: document 1: missing apiVersion; missing metadata", 2 },
	{ "List item missing kind",
	  "apiVersion: v1\nkind: List\nitems:\n"
	  "- {apiVersion: v1, kind: Pod, metadata: {name: a}}\n"
	  "- {apiVersion: v1, metadata: {name: b}}\n",
	  "t.yaml:5:3: document 1, item 2: missing kind", 1 },
	{ "items not a list",
	  "apiVersion: v1\nkind: List\nitems: 3\n",
	  "t.yaml:1:1: document 1: items is a scalar, not a list", 1 },
	{ "List in a List",
	  "apiVersion: v1\nkind: List\nitems:\n"
	  "- {apiVersion: v1, kind: List, items: []}\n",
	  "t.yaml:4:3: document 1, item 1: a List inside a List", 1 },
	{ "list document",
	  "- apiVersion: v1\n",
	  "t.yaml:1:1: document 1: expected a mapping (a Kubernetes object), "
	  "found a list", 1 },
	{ "scalar document",
	  "---\nhello\n",
	  "t.yaml:2:1: document 1: expected a mapping (a Kubernetes object), "
	  "found a scalar", 1 },
	{ "JSON array of scalars",
	  "[1]",
	  "t.yaml:1:2: document 1, item 1: expected a mapping (a Kubernetes "
	  "object), found a scalar", 1 },
	{ "YAML syntax error",
	  "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n labels: {}\n",
	  "t.yaml:5:2: YAML syntax error: did not find expected key while "
	  "parsing a block mapping", 1 },
	{ "broken JSON falls back to YAML positions",
	  "{\"apiVersion\": \"v1\",\n \"kind\": \"Pod\",\n \"metadata\": [}\n",
	  "t.yaml:3:15: YAML syntax error: did not find expected node "
	  "content while parsing a flow node", 1 },
	{ "JSON duplicate key",
	  "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"kind\":\"Job\","
	  "\"metadata\":{\"name\":\"p\"}}",
	  "t.yaml:1:1: document 1: duplicate key \"kind\"", 1 },
	{ "alias bomb",
	  "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n"
	  BOMB_ROW("b", "a") BOMB_ROW("c", "b") BOMB_ROW("d", "c")
	  BOMB_ROW("e", "d") BOMB_ROW("f", "e") BOMB_ROW("g", "f")
	  BOMB_ROW("h", "g") BOMB_ROW("i", "h")
	  "---\nkind: never-reached\n",
	  "t.yaml:1:8: document 1: more than 1000000 nodes in this input "
	  "after expanding aliases (an alias bomb?)", 1 },
	{ "self-referencing alias",
	  "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nx: &x [*x]\n",
	  "t.yaml:4:4: document 1: nesting too deep", 1 },
};

/* "L:C dN iM Kind/name" for each object, space-separated. */
static void
summarize(const struct manifest *m, char *out, size_t len)
{
	const cJSON	*md, *name;
	size_t		 i, n = 0;

	out[0] = '\0';
	for (i = 0; i < m->n && n < len; i++) {
		md = cJSON_GetObjectItemCaseSensitive(m->v[i].obj, "metadata");
		name = cJSON_GetObjectItemCaseSensitive(md, "name");
		if (name == NULL)
			name = cJSON_GetObjectItemCaseSensitive(md,
			    "generateName");
		n += (size_t)snprintf(out + n, len - n, "%s%d:%d d%d i%d %s/%s",
		    i > 0 ? " " : "", m->v[i].line, m->v[i].col,
		    m->v[i].index, m->v[i].item,
		    cJSON_GetObjectItemCaseSensitive(m->v[i].obj,
		    "kind")->valuestring, name->valuestring);
	}
}

static void
test_table(void)
{
	struct manifest	 m;
	struct diag	 d;
	char		 got[1024];
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		diag_init(&d);
		rc = manifest_decode("t.yaml", cases[i].in,
		    strlen(cases[i].in), &m, &d);
		if (cases[i].errors == 0) {
			summarize(&m, got, sizeof(got));
			CHECK_INT(rc, 0);
			CHECK_STR(got, cases[i].want);
		} else {
			CHECK_INT(rc, -1);
			CHECK_INT(m.n, 0);
			CHECK(m.v == NULL);
			CHECK_STR(d.n > 0 ? d.v[0].text : "", cases[i].want);
		}
		CHECK_INT(d.errors, cases[i].errors);
		if (rc != (cases[i].errors ? -1 : 0) || d.errors !=
		    cases[i].errors)
			fprintf(stderr, "  in case: %s\n", cases[i].name);
		manifest_free(&m);
		diag_free(&d);
	}
}

/* Quoted scalars stay strings, plain ones are typed; aliases copied. */
static void
test_scalars(void)
{
	static const char in[] =
	    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
	    "  name: &n shared\n  labels: &l {app: x}\n  annotations: *l\n"
	    "data: {s: \"1.0\", f: 1.0, i: 3, q: '3', t: true, qt: \"true\", "
	    "z: null, e: , tilde: ~, ref: *n}\n";
	struct manifest	 m;
	struct diag	 d;
	const cJSON	*data, *md;

	diag_init(&d);
	CHECK_INT(manifest_decode("t.yaml", in, strlen(in), &m, &d), 0);
	CHECK_INT(m.n, 1);
	if (m.n != 1)
		goto out;
	data = cJSON_GetObjectItemCaseSensitive(m.v[0].obj, "data");
	md = cJSON_GetObjectItemCaseSensitive(m.v[0].obj, "metadata");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(data, "s")), "1.0");
	CHECK(cJSON_IsNumber(cJSON_GetObjectItem(data, "f")));
	CHECK(cJSON_IsNumber(cJSON_GetObjectItem(data, "i")) &&
	    cJSON_GetObjectItem(data, "i")->valuedouble == 3);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(data, "q")), "3");
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(data, "t")));
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(data, "qt")),
	    "true");
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(data, "z")));
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(data, "e")));
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(data, "tilde")));
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(data, "ref")),
	    "shared");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(md, "annotations"), "app")), "x");
out:
	manifest_free(&m);
	diag_free(&d);
}

/* depth levels of arrays under spec, as JSON or (with a comment) YAML. */
static int
decode_nested(int depth, int yaml)
{
	struct manifest	 m;
	struct diag	 d;
	char		 buf[4096];
	size_t		 n;
	int		 i, rc;

	n = (size_t)snprintf(buf, sizeof(buf), "%s{\"apiVersion\":\"v1\","
	    "\"kind\":\"X\",\"metadata\":{\"name\":\"n\"},\"spec\":",
	    yaml ? "# yaml\n" : "");
	for (i = 0; i < depth; i++)
		buf[n++] = '[';
	for (i = 0; i < depth; i++)
		buf[n++] = ']';
	buf[n++] = '}';
	diag_init(&d);
	rc = manifest_decode("t.yaml", buf, n, &m, &d);
	if (rc == -1 && d.n > 0)
		CHECK(strstr(d.v[0].text, "nest") != NULL);
	manifest_free(&m);
	diag_free(&d);
	return rc;
}

static void
test_limits(void)
{
	static const char obj[] = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	    "\"metadata\":{\"name\":\"p\"}}GARBAGE";
	struct manifest	 m;
	struct diag	 d;
	char		*big;

	CHECK_INT(decode_nested(128, 0), 0);
	CHECK_INT(decode_nested(129, 0), -1);
	CHECK_INT(decode_nested(128, 1), 0);
	CHECK_INT(decode_nested(129, 1), -1);
	CHECK_INT(decode_nested(1000, 1), -1);

	/* The buffer ends at len, not at a NUL. */
	diag_init(&d);
	CHECK_INT(manifest_decode("t.yaml", obj, sizeof(obj) - 8, &m, &d), 0);
	CHECK_INT(m.n, 1);
	manifest_free(&m);
	manifest_free(NULL);
	diag_free(&d);

	if ((big = calloc(1, (size_t)MANIFEST_MAX_BYTES + 1)) == NULL)
		return;
	diag_init(&d);
	CHECK_INT(manifest_decode("t.yaml", big, (size_t)MANIFEST_MAX_BYTES +
	    1, &m, &d), -1);
	CHECK_STR(d.n > 0 ? d.v[0].text : "",
	    "t.yaml: larger than 67108864 bytes");
	free(big);
	diag_free(&d);
}

/* manifest_each() into a struct manifest, and the skip notes. */
struct collect {
	struct manifest	 m;
	size_t		 cap;
	char		 skips[256];
};

static void
collect_one(void *arg, struct manifest_obj *mo, const char *skip)
{
	struct collect		*c = arg;
	struct manifest_obj	*nv;
	size_t			 n = strlen(c->skips);

	if (skip != NULL) {
		snprintf(c->skips + n, sizeof(c->skips) - n, "%s%d:skip",
		    n > 0 ? " " : "", mo->line);
		return;
	}
	if (c->m.n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 8;
		if ((nv = realloc(c->m.v, c->cap * sizeof(*nv))) == NULL)
			return;
		c->m.v = nv;
	}
	c->m.v[c->m.n++] = *mo;
	mo->obj = NULL;		/* kept */
}

static size_t
each_summary(const char *in, char *got, size_t len, char *skips,
    size_t slen, char *first_err, size_t elen)
{
	struct collect	c;
	struct diag	d;
	size_t		errors;

	memset(&c, 0, sizeof(c));
	diag_init(&d);
	errors = manifest_each("t.yaml", in, strlen(in), collect_one, &c, &d);
	summarize(&c.m, got, len);
	snprintf(skips, slen, "%s", c.skips);
	snprintf(first_err, elen, "%s", d.n > 0 ? d.v[0].text : "");
	manifest_free(&c.m);
	diag_free(&d);
	return errors;
}

static const struct mcase each_cases[] = {
	{ "a broken document hides none after it",
	  "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\n"
	  "apiVersion: v1\nkind: Pod\nmetadata: {name: x\n---\n"
	  "apiVersion: v1\nkind: Pod\nmetadata: {name: c}\n",
	  "1:1 d1 i0 Pod/a 9:1 d1 i0 Pod/c", 1 },
	{ "a YAML List item by item: UTF-8, flow items, a bad item",
	  "apiVersion: v1\nkind: List\nitems:\n"
	  "- apiVersion: v1\n  kind: Pod\n  metadata: {name: \"\xc3\xa9\"}\n"
	  "  data: {a: \"\xe6\x97\xa5\xe6\x9c\xac\"}\n"
	  "-   {apiVersion: v1, kind: Pod, metadata: {name: f}}\n"
	  "- kind: Pod\n  metadata: {name: nokind}\n"
	  "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: last\n",
	  "4:3 d1 i1 Pod/\xc3\xa9 8:5 d1 i2 Pod/f 11:3 d1 i4 Pod/last", 1 },
	{ "last line without a newline, List and document",
	  "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n"
	  "  kind: Pod\n  metadata: {name: a}\n---\n"
	  "apiVersion: v1\nkind: Pod\nmetadata: {name: b}",
	  "4:3 d1 i1 Pod/a 8:1 d2 i0 Pod/b", 0 },
	{ "JSON, then YAML-separated JSON without a final newline",
	  "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":"
	  "{\"name\":\"a\"}}\n---\n{\"apiVersion\":\"v1\",\"kind\":"
	  "\"Pod\",\"metadata\":{\"name\":\"b\"}}",
	  "1:1 d1 i0 Pod/a 3:1 d2 i0 Pod/b", 0 },
	{ "a JSON List item by item, a malformed item skipped",
	  "{\"apiVersion\": \"v1\", \"kind\": \"PodList\", \"items\": [\n"
	  " {\"metadata\": {\"name\": \"a\"}},\n"
	  " {\"metadata\": {\"name\": }},\n"
	  " {\"metadata\": {\"name\": \"c\"}}]}\n",
	  "2:2 d1 i1 Pod/a 4:2 d1 i3 Pod/c", 1 },
};

static void
test_each(void)
{
	char	got[1024], want[1024], skips[256], err[512];
	size_t	i, e;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].errors != 0)
			continue;
		e = each_summary(cases[i].in, got, sizeof(got), skips,
		    sizeof(skips), err, sizeof(err));
		snprintf(want, sizeof(want), "%s", cases[i].want);
		CHECK_STR(got, want);
		CHECK_INT(e, 0);
		if (strcmp(got, want) != 0 || e != 0)
			fprintf(stderr, "  each, in case: %s\n", cases[i].name);
	}
	for (i = 0; i < sizeof(each_cases) / sizeof(each_cases[0]); i++) {
		e = each_summary(each_cases[i].in, got, sizeof(got), skips,
		    sizeof(skips), err, sizeof(err));
		CHECK_STR(got, each_cases[i].want);
		CHECK_INT(e, each_cases[i].errors);
		if (strcmp(got, each_cases[i].want) != 0 ||
		    e != each_cases[i].errors)
			fprintf(stderr, "  each: %s (%s)\n", each_cases[i].name,
			    err);
	}
	/* Helm values, a config file: not objects, a note and no error */
	e = each_summary("replicaCount: 2\nimage: {tag: latest}\n---\n"
	    "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n", got,
	    sizeof(got), skips, sizeof(skips), err, sizeof(err));
	CHECK_STR(got, "4:1 d2 i0 Pod/p");
	CHECK_STR(skips, "1:skip");
	CHECK_INT(e, 0);
}

int
main(void)
{
	test_table();
	test_each();
	test_scalars();
	test_limits();
	return unit_done("manifest");
}
