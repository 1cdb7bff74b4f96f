/*
 * suite.c - read policy test suites: YAML documents of kind PolicyTest
 * whose spec.cases each describe one request and its expected answer.
 * Unknown keys are errors (a typo must not turn a case into a pass). It
 * builds each case's AdmissionReview; it does not judge.
 */
#include "cli/suite.h"

#include <dirent.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/diag.h"
#include "base/kube.h"
#include "cli/check_eval.h"
#include "cli/cli.h"
#include "policy/policy_exception.h"
#include "wire/manifest.h"
#include "wire/yaml_doc.h"

static const char *const case_keys[] = { "name", "manifest", "object",
    "operation", "subresource", "user", "groups", "oldObject", "oldManifest",
    "dryRun", "now", "expect" };
static const char *const expect_keys[] = { "decision", "policies",
    "message" };

struct sctx {
	suite_case_fn	 each;
	void		*arg;
	size_t		 errors;
	size_t		 files;
	size_t		 suites;	/* PolicyTest documents */
	const char	*file;
	char		 dir[CHECK_PATH_MAX];
};

static const char *
jstr(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int
keys_known(const cJSON *o, const char *const *keys, size_t n, char *err,
    size_t len)
{
	const cJSON	*k;
	size_t		 i;

	cJSON_ArrayForEach(k, o) {
		for (i = 0; i < n && strcmp(k->string, keys[i]) != 0; i++)
			;
		if (i == n) {
			snprintf(err, len, "unknown key \"%s\"", k->string);
			return -1;
		}
	}
	return 0;
}

/* The one object of a manifest file next to the suite. */
static cJSON *
manifest_one(struct sctx *s, const char *rel, char *err, size_t len)
{
	struct manifest	 m;
	struct diag	 d;
	char		 path[CHECK_PATH_MAX], *buf;
	size_t		 blen;
	cJSON		*obj = NULL;

	snprintf(path, sizeof(path), "%s/%s", s->dir, rel);
	if (cli_read_file(path, MANIFEST_MAX_BYTES, &buf, &blen) == -1) {
		snprintf(err, len, "manifest %s not read", path);
		return NULL;
	}
	diag_init(&d);
	if (manifest_decode(path, buf, blen, &m, &d) == -1)
		snprintf(err, len, "%s", d.n > 0 ? d.v[0].text :
		    "bad manifest");
	else if (m.n != 1)
		snprintf(err, len, "manifest %s holds %zu objects, not one",
		    path, m.n);
	else {
		obj = m.v[0].obj;
		m.v[0].obj = NULL;
	}
	if (d.errors == 0)
		manifest_free(&m);
	diag_free(&d);
	free(buf);
	return obj;
}

static int
case_expect(struct suite_case *c, const cJSON *e, char *err, size_t len)
{
	const cJSON	*p;
	char		*t;

	if (!cJSON_IsObject(e) || keys_known(e, expect_keys, 3, err,
	    len) == -1) {
		if (!cJSON_IsObject(e))
			snprintf(err, len, "expect: a mapping is required");
		return -1;
	}
	c->decision = jstr(e, "decision");
	if (c->decision == NULL || (strcmp(c->decision, "allow") != 0 &&
	    strcmp(c->decision, "warn") != 0 && strcmp(c->decision,
	    "deny") != 0)) {
		snprintf(err, len, "expect.decision must be allow, warn or "
		    "deny");
		return -1;
	}
	c->policies = cJSON_GetObjectItemCaseSensitive(e, "policies");
	cJSON_ArrayForEach(p, c->policies) {
		if (!cJSON_IsString(p)) {
			snprintf(err, len, "expect.policies: names only");
			return -1;
		}
	}
	if (c->policies != NULL && !cJSON_IsArray(c->policies)) {
		snprintf(err, len, "expect.policies must be a list");
		return -1;
	}
	if (c->policies != NULL && (t = cJSON_PrintUnformatted(c->policies)) !=
	    NULL) {
		snprintf(c->policies_text, sizeof(c->policies_text), "%s", t);
		free(t);
	}
	c->message = jstr(e, "message");
	return 0;
}

static int
case_objects(struct sctx *s, struct suite_case *c, const cJSON *j,
    char *err, size_t len)
{
	const char	*man = jstr(j, "manifest");
	const char	*old = jstr(j, "oldManifest");
	const cJSON	*o = cJSON_GetObjectItemCaseSensitive(j, "object");
	const cJSON	*oo = cJSON_GetObjectItemCaseSensitive(j, "oldObject");

	/* A DELETE carries only the stored object: that is all it needs. */
	if (man == NULL && o == NULL && strcmp(c->operation, "DELETE") == 0 &&
	    (old != NULL) != (oo != NULL)) {
		man = old;
		o = oo;
		old = NULL;
		oo = NULL;
	}
	if ((man != NULL) == (o != NULL)) {
		snprintf(err, len, "give one of manifest or object (a DELETE: "
		    "or one of oldManifest or oldObject)");
		return -1;
	}
	c->object = man != NULL ? manifest_one(s, man, err, len) :
	    cJSON_Duplicate(o, 1);
	if (c->object == NULL || !cJSON_IsObject(c->object))
		return -1;
	if (old != NULL && (c->old_object = manifest_one(s, old, err, len)) ==
	    NULL)
		return -1;
	if (oo != NULL && (c->old_object = cJSON_Duplicate(oo, 1)) == NULL)
		return -1;
	if (strcmp(c->operation, "UPDATE") == 0 && c->old_object == NULL) {
		snprintf(err, len, "an UPDATE needs oldObject or oldManifest");
		return -1;
	}
	return 0;
}

static int
case_read(struct sctx *s, struct suite_case *c, const cJSON *j, char *err,
    size_t len)
{
	const char	*u;
	const cJSON	*dr;
	char		 why[128];

	if (!cJSON_IsObject(j) || keys_known(j, case_keys,
	    sizeof(case_keys) / sizeof(case_keys[0]), err, len) == -1) {
		if (!cJSON_IsObject(j))
			snprintf(err, len, "a case is a mapping");
		return -1;
	}
	if ((c->name = jstr(j, "name")) == NULL) {
		snprintf(err, len, "name is required");
		return -1;
	}
	c->operation = jstr(j, "operation") ? jstr(j, "operation") : "CREATE";
	if (kube_op_parse(c->operation) == 0 || strcmp(c->operation,
	    "CONNECT") == 0) {
		snprintf(err, len, "operation must be CREATE, UPDATE or "
		    "DELETE");
		return -1;
	}
	c->subresource = jstr(j, "subresource") ? jstr(j, "subresource") : "";
	if ((u = jstr(j, "user")) != NULL && check_user_parse(u, c->user,
	    sizeof(c->user), err, len) == -1)
		return -1;
	c->groups = cJSON_GetObjectItemCaseSensitive(j, "groups");
	dr = cJSON_GetObjectItemCaseSensitive(j, "dryRun");
	c->dry_run = cJSON_IsTrue(dr);
	c->now = 0;
	if ((u = jstr(j, "now")) != NULL) {
		if (policy_exception_parse_time(u, &c->now, why,
		    sizeof(why)) == -1) {
			snprintf(err, len, "now: \"%.64s\": %s (expected an "
			    "RFC 3339 time)", u, why);
			return -1;
		}
		if (strlen(u) == 10)
			c->now -= 86400;	/* a date: its first second */
	}
	if (case_expect(c, cJSON_GetObjectItemCaseSensitive(j, "expect"), err,
	    len) == -1)
		return -1;
	return case_objects(s, c, j, err, len);
}

/* Where each case of the document starts, when it can be found. */
static int
case_line(yaml_document_t *doc, size_t i)
{
	yaml_node_t	*root = yaml_document_get_root_node(doc), *sp, *cs, *n;

	if ((sp = ydoc_map_get(doc, root, "spec", NULL)) == NULL ||
	    (cs = ydoc_map_get(doc, sp, "cases", NULL)) == NULL ||
	    cs->type != YAML_SEQUENCE_NODE ||
	    (size_t)(cs->data.sequence.items.top -
	    cs->data.sequence.items.start) <= i ||
	    (n = yaml_document_get_node(doc,
	    cs->data.sequence.items.start[i])) == NULL)
		return ydoc_line(root);
	return ydoc_line(n);
}

static void
suite_doc(struct sctx *s, yaml_document_t *doc)
{
	struct suite_case	 c;
	const cJSON		*cases, *cj;
	cJSON			*j;
	char			 err[1024];
	size_t			 budget = YAML_DOC_MAX_NODES, i = 0;
	int			 line;

	line = ydoc_line(yaml_document_get_root_node(doc));
	j = ydoc_to_json(doc, yaml_document_get_root_node(doc), &budget,
	    err, sizeof(err));
	if (j != NULL && (jstr(j, "kind") == NULL ||
	    strcmp(jstr(j, "kind"), SUITE_KIND) != 0)) {
		cJSON_Delete(j);	/* a manifest the cases use */
		return;
	}
	s->suites++;
	if (j == NULL || jstr(j, "apiVersion") == NULL ||
	    strcmp(jstr(j, "apiVersion"), POLICY_API_VERSION) != 0) {
		fprintf(stderr, "%s:%d: not a %s/%s %s\n", s->file, line,
		    POLICY_API_VERSION, SUITE_KIND, j == NULL ? err : "");
		s->errors++;
		cJSON_Delete(j);
		return;
	}
	cases = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(j, "spec"), "cases");
	if (!cJSON_IsArray(cases) || cJSON_GetArraySize(cases) == 0) {
		fprintf(stderr, "%s:%d: spec.cases: a list of cases is "
		    "required\n", s->file, line);
		s->errors++;
	}
	cJSON_ArrayForEach(cj, cases) {
		memset(&c, 0, sizeof(c));
		c.file = s->file;
		c.line = case_line(doc, i++);
		if (i > SUITE_CASES_MAX) {
			fprintf(stderr, "%s:%d: more than %d cases: the rest "
			    "is not run\n", s->file, c.line, SUITE_CASES_MAX);
			s->errors++;
			break;
		}
		if (case_read(s, &c, cj, err, sizeof(err)) == -1) {
			fprintf(stderr, "%s:%d: %s%s%s\n", s->file, c.line,
			    c.name ? c.name : "", c.name ? ": " : "", err);
			s->errors++;
		} else
			s->each(s->arg, &c);
		cJSON_Delete(c.object);
		cJSON_Delete(c.old_object);
	}
	cJSON_Delete(j);
}

static void
suite_file(struct sctx *s, const char *path)
{
	struct ydocs	 docs;
	struct diag		 d;
	char			*buf, copy[CHECK_PATH_MAX];
	size_t			 len, i;

	if (++s->files > SUITE_FILES_MAX) {
		fprintf(stderr, "gitgate: more than %d suite files: %s not "
		    "read\n", SUITE_FILES_MAX, path);
		s->errors++;
		return;
	}
	if (cli_read_file(path, SUITE_FILE_MAX, &buf, &len) == -1) {
		s->errors++;
		return;
	}
	snprintf(copy, sizeof(copy), "%s", path);
	snprintf(s->dir, sizeof(s->dir), "%s", dirname(copy));
	s->file = path;
	diag_init(&d);
	if (ydoc_load(path, buf, len, &docs, &d) == -1) {
		cli_print_diag(&d);
		s->errors++;
	} else {
		for (i = 0; i < docs.n; i++)
			suite_doc(s, &docs.v[i]);
		ydoc_free(&docs);
	}
	diag_free(&d);
	free(buf);
}

size_t
suite_run(char **paths, int n, suite_case_fn each, void *arg)
{
	struct check_files	files;
	struct sctx		s;
	size_t			i;

	memset(&s, 0, sizeof(s));
	s.each = each;
	s.arg = arg;
	s.errors = check_walk(paths, n, &files);
	for (i = 0; i < files.n; i++)
		if (files.v[i].skip == NULL)
			suite_file(&s, files.v[i].path);
	check_files_free(&files);
	if (s.suites == 0) {
		fprintf(stderr, "gitgate: no %s document found\n", SUITE_KIND);
		s.errors++;
	}
	return s.errors;
}

/* A Scale object for the scale subresource of obj (a Deployment...). */
static cJSON *
scale_of(const cJSON *obj)
{
	const cJSON	*md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON	*r = cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(obj, "spec"),
			    "replicas");
	cJSON		*sc, *m;

	if ((sc = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(sc, "apiVersion", "autoscaling/v1");
	cJSON_AddStringToObject(sc, "kind", "Scale");
	m = cJSON_AddObjectToObject(sc, "metadata");
	if (jstr(md, "name") != NULL)
		cJSON_AddStringToObject(m, "name", jstr(md, "name"));
	if (jstr(md, "namespace") != NULL)
		cJSON_AddStringToObject(m, "namespace", jstr(md, "namespace"));
	cJSON_AddObjectToObject(sc, "spec");
	cJSON_AddNumberToObject(cJSON_GetObjectItemCaseSensitive(sc, "spec"),
	    "replicas", cJSON_IsNumber(r) ? r->valuedouble : 1);
	return sc;
}

static void
review_user(cJSON *req, const struct suite_case *c, const char *user)
{
	cJSON		*ui, *g;
	const cJSON	*e;
	const char	*sa = kube_serviceaccount(user), *colon;
	char		 grp[320];

	cJSON_DeleteItemFromObjectCaseSensitive(req, "userInfo");
	ui = cJSON_AddObjectToObject(req, "userInfo");
	cJSON_AddStringToObject(ui, "username", user);
	g = cJSON_AddArrayToObject(ui, "groups");
	if (c->groups != NULL) {
		cJSON_ArrayForEach(e, c->groups) {
			cJSON_AddItemToArray(g, cJSON_Duplicate(e, 0));
		}
		return;
	}
	if (sa != NULL && (colon = strchr(sa, ':')) != NULL) {
		cJSON_AddItemToArray(g, cJSON_CreateString(
		    "system:serviceaccounts"));
		snprintf(grp, sizeof(grp), "system:serviceaccounts:%.*s",
		    (int)(colon - sa), sa);
		cJSON_AddItemToArray(g, cJSON_CreateString(grp));
	}
	cJSON_AddItemToArray(g, cJSON_CreateString("system:authenticated"));
}

char *
suite_review(const struct suite_case *c, const char *default_user)
{
	struct check_identity	 id;
	cJSON			*root, *req, *obj, *k;
	char			*out;
	int			 del = strcmp(c->operation, "DELETE") == 0;
	int			 scale = strcmp(c->subresource, "scale") == 0;

	memset(&id, 0, sizeof(id));
	id.user = c->user[0] != '\0' ? c->user : default_user;
	if ((root = check_review_new(&id, c->object, 1)) == NULL)
		return NULL;
	req = cJSON_GetObjectItemCaseSensitive(root, "request");
	cJSON_DeleteItemFromObjectCaseSensitive(req, "object");
	cJSON_DeleteItemFromObjectCaseSensitive(req, "oldObject");
	cJSON_DeleteItemFromObjectCaseSensitive(req, "dryRun");
	cJSON_ReplaceItemInObjectCaseSensitive(req, "operation",
	    cJSON_CreateString(c->operation));
	review_user(req, c, id.user);
	if (c->subresource[0] != '\0')
		cJSON_AddStringToObject(req, "subResource", c->subresource);
	if (scale && strcmp(jstr(c->object, "kind") ? jstr(c->object, "kind") :
	    "", "Scale") != 0) {
		k = cJSON_GetObjectItemCaseSensitive(req, "kind");
		cJSON_ReplaceItemInObjectCaseSensitive(k, "group",
		    cJSON_CreateString("autoscaling"));
		cJSON_ReplaceItemInObjectCaseSensitive(k, "version",
		    cJSON_CreateString("v1"));
		cJSON_ReplaceItemInObjectCaseSensitive(k, "kind",
		    cJSON_CreateString("Scale"));
		obj = scale_of(c->object);
	} else
		obj = cJSON_Duplicate(c->object, 1);
	if (del) {
		cJSON_AddNullToObject(req, "object");
		cJSON_AddItemToObject(req, "oldObject", c->old_object != NULL ?
		    cJSON_Duplicate(c->old_object, 1) : obj);
		if (c->old_object != NULL)
			cJSON_Delete(obj);
	} else {
		cJSON_AddItemToObject(req, "object", obj);
		if (c->old_object != NULL)
			cJSON_AddItemToObject(req, "oldObject", scale ?
			    scale_of(c->old_object) :
			    cJSON_Duplicate(c->old_object, 1));
		else
			cJSON_AddNullToObject(req, "oldObject");
	}
	cJSON_AddBoolToObject(req, "dryRun", c->dry_run);
	out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return out;
}
