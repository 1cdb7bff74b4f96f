/*
 * test_review.c - webhook/wire/review.c: AdmissionReview v1 and v1beta1 decode
 * (every field, JSON null objects, the parent kind of a scale request),
 * every 400 reason, and the encoded answer parsed back with cJSON (same
 * apiVersion, uid echoed, status only when denied, never a patch).
 */
#include "wire/review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/kube.h"
#include "unit.h"

/*
 * The JSON in this file is written with ' for " so the tables stay
 * readable; q() turns it into real JSON in a static buffer.
 */
static const char *
q(const char *s)
{
	static char	buf[8192];
	size_t		i;

	for (i = 0; s[i] != '\0' && i < sizeof(buf) - 1; i++)
		buf[i] = s[i] == '\'' ? '"' : s[i];
	buf[i] = '\0';
	return buf;
}

static int
decode(const char *json, struct review *rv, char *err, size_t errlen)
{
	const char	*body = q(json);

	err[0] = '\0';
	return review_decode(body, strlen(body), rv, err, errlen);
}

#define FULL_V1 \
	"{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview'," \
	"'request':{'uid':'705ab4f5-6393-11e8-b7cc-42010a800002'," \
	"'kind':{'group':'apps','version':'v1','kind':'Deployment'}," \
	"'resource':{'group':'apps','version':'v1','resource':'deployments'}," \
	"'subResource':'','requestKind':{'group':'apps','version':'v1'," \
	"'kind':'Deployment'},'name':'web','namespace':'team-a'," \
	"'operation':'UPDATE','userInfo':{'username':'alice'," \
	"'uid':'014fbff9','groups':['dev','system:authenticated']," \
	"'extra':{'scopes':['a','b']}}," \
	"'object':{'apiVersion':'apps/v1','kind':'Deployment'," \
	"'metadata':{'name':'web'}}," \
	"'oldObject':{'apiVersion':'apps/v1','kind':'Deployment'," \
	"'metadata':{'name':'web-old'}}," \
	"'dryRun':true,'options':{'kind':'UpdateOptions'}}}"

static void
test_decode_v1_full(void)
{
	struct review	 rv;
	char		 err[128];
	const cJSON	*g, *meta;

	CHECK_INT(decode(FULL_V1, &rv, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK(rv.root != NULL);
	CHECK_INT(rv.v1beta1, 0);
	CHECK_STR(rv.uid, "705ab4f5-6393-11e8-b7cc-42010a800002");
	CHECK_STR(rv.group, "apps");
	CHECK_STR(rv.version, "v1");
	CHECK_STR(rv.kind, "Deployment");
	CHECK_STR(rv.resource, "deployments");
	CHECK_STR(rv.subresource, "");
	CHECK_STR(rv.name, "web");
	CHECK_STR(rv.ns, "team-a");
	CHECK_INT(rv.op, KUBE_OP_UPDATE);
	CHECK_STR(rv.username, "alice");
	CHECK(cJSON_IsArray(rv.groups));
	CHECK_INT(cJSON_GetArraySize(rv.groups), 2);
	g = cJSON_GetArrayItem(rv.groups, 1);
	CHECK_STR(cJSON_IsString(g) ? g->valuestring : NULL,
	    "system:authenticated");
	CHECK(cJSON_IsObject(rv.extra));
	CHECK(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(rv.extra,
	    "scopes")));
	CHECK(cJSON_IsObject(rv.object));
	meta = cJSON_GetObjectItemCaseSensitive(rv.object, "metadata");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta,
	    "name")), "web");
	/* oldObject is skipped by the parse: no rule reads it. */
	CHECK(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    rv.root, "request"), "oldObject") != NULL);
	CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(rv.root, "request"),
	    "oldObject")));
	CHECK_INT(rv.dry_run, 1);
	CHECK_STR(review_target_kind(&rv), "Deployment");
	review_free(&rv);
	CHECK(rv.root == NULL);
	review_free(&rv);	/* twice is harmless */
	review_free(NULL);
}

static void
test_decode_minimal(void)
{
	static const struct {
		const char	*json;
		int		 v1beta1;
		unsigned	 op;
		const char	*target;
		const char	*sub;
		int		 has_obj, dry;
	} cases[] = {
		/* v1beta1, DELETE: object null, oldObject set. */
		{ "{'apiVersion':'admission.k8s.io/v1beta1',"
		  "'kind':'AdmissionReview','request':{'uid':'u1',"
		  "'kind':{'group':'apps','version':'v1','kind':'Deployment'},"
		  "'resource':{'resource':'deployments'},"
		  "'operation':'DELETE','object':null,"
		  "'oldObject':{'kind':'Deployment'},'dryRun':false}}",
		  1, KUBE_OP_DELETE, "Deployment", "", 0, 0 },
		/* Scale subresource: the kind is autoscaling/Scale. */
		{ "{'apiVersion':'admission.k8s.io/v1',"
		  "'kind':'AdmissionReview','request':{'uid':'u2',"
		  "'kind':{'group':'autoscaling','version':'v1',"
		  "'kind':'Scale'},'resource':{'group':'apps','version':'v1',"
		  "'resource':'deployments'},'subResource':'scale',"
		  "'operation':'UPDATE','object':{'kind':'Scale'},"
		  "'oldObject':null}}",
		  0, KUBE_OP_UPDATE, "Deployment", "scale", 1, 0 },
		{ "{'apiVersion':'admission.k8s.io/v1',"
		  "'kind':'AdmissionReview','request':{'uid':'u3',"
		  "'kind':{'kind':'Scale'},'resource':{'resource':"
		  "'statefulsets'},'subResource':'scale','operation':'UPDATE'}}",
		  0, KUBE_OP_UPDATE, "StatefulSet", "scale", 0, 0 },
		/* Subresource of a resource gitgate does not know. */
		{ "{'apiVersion':'admission.k8s.io/v1',"
		  "'kind':'AdmissionReview','request':{'uid':'u4',"
		  "'kind':{'kind':'Scale'},'resource':{'resource':'widgets'},"
		  "'subResource':'scale','operation':'UPDATE'}}",
		  0, KUBE_OP_UPDATE, "Scale", "scale", 0, 0 },
		{ "{'apiVersion':'admission.k8s.io/v1',"
		  "'kind':'AdmissionReview','request':{'uid':'u5',"
		  "'kind':{'kind':'PodExecOptions'},'resource':{'resource':"
		  "'pods'},'subResource':'exec','operation':'CONNECT',"
		  "'dryRun':true}}",
		  0, KUBE_OP_CONNECT, "Pod", "exec", 0, 1 },
		{ "{'apiVersion':'admission.k8s.io/v1',"
		  "'kind':'AdmissionReview','request':{'uid':'u6',"
		  "'kind':{'kind':'Service'},'resource':{'resource':"
		  "'services'},'operation':'CREATE','object':{}}}",
		  0, KUBE_OP_CREATE, "Service", "", 1, 0 },
	};
	struct review	rv;
	char		err[128];
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (decode(cases[i].json, &rv, err, sizeof(err)) != 0) {
			CHECK_STR(err, "(decoded)");
			continue;
		}
		CHECK_INT(rv.v1beta1, cases[i].v1beta1);
		CHECK_INT(rv.op, cases[i].op);
		CHECK_STR(review_target_kind(&rv), cases[i].target);
		CHECK_STR(rv.subresource, cases[i].sub);
		CHECK_INT(rv.object != NULL, cases[i].has_obj);
		CHECK_INT(rv.dry_run, cases[i].dry);
		/* Absent strings are "", never NULL. */
		CHECK(rv.name != NULL && rv.ns != NULL && rv.username != NULL &&
		    rv.group != NULL && rv.version != NULL);
		CHECK(rv.groups == NULL && rv.extra == NULL);
		review_free(&rv);
	}
	/* Absent strings are "" (checked field by field once). */
	if (decode(cases[0].json, &rv, err, sizeof(err)) == 0) {
		CHECK_STR(rv.name, "");
		CHECK_STR(rv.ns, "");
		CHECK_STR(rv.username, "");
		CHECK_STR(rv.subresource, "");
		CHECK_STR(rv.group, "apps");
		review_free(&rv);
	}
}

static void
test_decode_errors(void)
{
	static const struct {
		const char	*json;
		const char	*err;	/* prefix of the reason */
	} cases[] = {
		{ "", "malformed JSON" },
		{ "{'apiVersion':", "malformed JSON" },
		{ "[]", "body is not a JSON object" },
		{ "'AdmissionReview'", "body is not a JSON object" },
		{ "null", "body is not a JSON object" },
		{ "{'kind':'AdmissionReview','request':{}}",
		  "apiVersion must be admission.k8s.io/v1 or "
		  "admission.k8s.io/v1beta1" },
		{ "{'apiVersion':'admission.k8s.io/v2','kind':'AdmissionReview',"
		  "'request':{}}", "apiVersion must be" },
		{ "{'apiVersion':1,'kind':'AdmissionReview'}",
		  "apiVersion must be" },
		{ "{'apiVersion':'admission.k8s.io/v1','kind':'Admission',"
		  "'request':{}}", "kind must be AdmissionReview" },
		{ "{'apiVersion':'admission.k8s.io/v1'}",
		  "kind must be AdmissionReview" },
		{ "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview'}",
		  "request missing" },
		{ "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview',"
		  "'request':null}", "request missing" },
		{ "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview',"
		  "'request':'x'}", "request missing" },
		{ "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview',"
		  "'request':{'operation':'CREATE','kind':{'kind':'Pod'},"
		  "'resource':{'resource':'pods'}}}",
		  "request.uid missing or not a string" },
		{ "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview',"
		  "'request':{'uid':'','operation':'CREATE'}}",
		  "request.uid missing or not a string" },
		{ "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview',"
		  "'request':{'uid':42,'operation':'CREATE'}}",
		  "request.uid missing or not a string" },
		{ "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview',"
		  "'request':{'uid':null}}",
		  "request.uid missing or not a string" },
		{ "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview',"
		  "'request':{'uid':'u','kind':{'kind':'Pod'},"
		  "'resource':{'resource':'pods'}}}",
		  "request.operation missing" },
		{ "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview',"
		  "'request':{'uid':'u','operation':7}}",
		  "request.operation missing" },
		{ "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview',"
		  "'request':{'uid':'u','operation':'PATCH'}}",
		  "request.operation: unknown operation" },
		{ "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview',"
		  "'request':{'uid':'u','operation':'create'}}",
		  "request.operation: unknown operation" },
		{ "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview',"
		  "'request':{'uid':'u','operation':'CREATE',"
		  "'resource':{'resource':'pods'}}}", "request.kind missing" },
		{ "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview',"
		  "'request':{'uid':'u','operation':'CREATE','kind':{'group':''},"
		  "'resource':{'resource':'pods'}}}", "request.kind missing" },
		{ "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview',"
		  "'request':{'uid':'u','operation':'CREATE','kind':'Pod',"
		  "'resource':{'resource':'pods'}}}", "request.kind missing" },
		{ "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview',"
		  "'request':{'uid':'u','operation':'CREATE',"
		  "'kind':{'kind':'Pod'}}}", "request.resource missing" },
		{ "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview',"
		  "'request':{'uid':'u','operation':'CREATE',"
		  "'kind':{'kind':'Pod'},'resource':{'resource':''}}}",
		  "request.resource missing" },
	};
	struct review	rv;
	char		err[128];
	size_t		i;
	int		rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&rv, 0xa5, sizeof(rv));
		rc = decode(cases[i].json, &rv, err, sizeof(err));
		CHECK_INT(rc, -1);
		if (strncmp(err, cases[i].err, strlen(cases[i].err)) != 0)
			fprintf(stderr, "case %zu: got \"%s\"\n", i, err);
		CHECK(strncmp(err, cases[i].err, strlen(cases[i].err)) == 0);
		/* Nothing left to free on failure. */
		CHECK(rv.root == NULL);
	}
	/* Only len bytes are read: a valid review cut short is malformed. */
	rc = review_decode(q(FULL_V1), 40, &rv, err, sizeof(err));
	CHECK_INT(rc, -1);
	CHECK(strncmp(err, "malformed JSON near byte", 24) == 0);
}

static void
test_decode_json(void)
{
	struct review	 rv;
	char		 err[128];
	cJSON		*root;

	root = cJSON_Parse(q(FULL_V1));
	CHECK(root != NULL);
	CHECK_INT(review_decode_json(root, &rv, err, sizeof(err)), 0);
	CHECK(rv.root == root);
	CHECK_STR(rv.username, "alice");
	review_free(&rv);
	/* Ownership taken on failure too (ASan would see the leak). */
	root = cJSON_CreateArray();
	CHECK_INT(review_decode_json(root, &rv, err, sizeof(err)), -1);
	CHECK_STR(err, "body is not a JSON object");
}

/* Encode for rv and parse the answer back. */
static cJSON *
encode(const struct review *rv, const struct review_response *r)
{
	char	*out;
	size_t	 len = 0;
	cJSON	*root;

	out = review_encode(rv, r, &len);
	CHECK(out != NULL);
	if (out == NULL)
		return NULL;
	CHECK_INT(len, strlen(out));
	CHECK(strstr(out, "patch") == NULL);
	root = cJSON_Parse(out);
	CHECK(root != NULL);
	free(out);
	return root;
}

static const cJSON *
get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static void
check_envelope(const cJSON *root, const char *api, const char *uid,
    int allowed)
{
	const cJSON	*resp = get(root, "response");

	CHECK_STR(cJSON_GetStringValue(get(root, "apiVersion")), api);
	CHECK_STR(cJSON_GetStringValue(get(root, "kind")), "AdmissionReview");
	CHECK(get(root, "request") == NULL);
	CHECK(cJSON_IsObject(resp));
	CHECK_STR(cJSON_GetStringValue(get(resp, "uid")), uid);
	CHECK(cJSON_IsBool(get(resp, "allowed")));
	CHECK_INT(cJSON_IsTrue(get(resp, "allowed")), allowed);
	CHECK(get(resp, "patch") == NULL);
	CHECK(get(resp, "patchType") == NULL);
}

static void
test_encode(void)
{
	static const char *const warnings[] = {
		"[release-tags] container \"web\" image \"nginx:1.25-alpine\"",
		"second \"quoted\" warning",
	};
	static const char *const akeys[] = { "release-tags", "other" };
	static const char *const avals[] = { "audit: one", "enforce: two" };
	struct review_response	 r;
	struct review		 v1, v1b;
	char			 err[128];
	const cJSON		*resp, *st, *w, *a;
	cJSON			*root;
	char			*out;

	CHECK_INT(decode(FULL_V1, &v1, err, sizeof(err)), 0);
	CHECK_INT(decode("{'apiVersion':'admission.k8s.io/v1beta1',"
	    "'kind':'AdmissionReview','request':{'uid':'beta-uid',"
	    "'kind':{'kind':'Pod'},'resource':{'resource':'pods'},"
	    "'operation':'CREATE'}}", &v1b, err, sizeof(err)), 0);

	/* Allowed, nothing else: no status, no warnings, no annotations. */
	memset(&r, 0, sizeof(r));
	r.allowed = 1;
	if ((root = encode(&v1, &r)) != NULL) {
		check_envelope(root, "admission.k8s.io/v1",
		    "705ab4f5-6393-11e8-b7cc-42010a800002", 1);
		resp = get(root, "response");
		CHECK(get(resp, "status") == NULL);
		CHECK(get(resp, "warnings") == NULL);
		CHECK(get(resp, "auditAnnotations") == NULL);
		cJSON_Delete(root);
	}
	if ((root = encode(&v1b, &r)) != NULL) {
		check_envelope(root, "admission.k8s.io/v1beta1", "beta-uid", 1);
		cJSON_Delete(root);
	}

	/* Denied with status, warnings and annotations. */
	r.allowed = 0;
	r.code = 403;
	r.reason = "Forbidden";
	r.message = "[reconciler-only] user \"alice\" may not UPDATE x";
	r.warnings = warnings;
	r.n_warnings = 2;
	r.annotation_keys = akeys;
	r.annotation_values = avals;
	r.n_annotations = 2;
	if ((root = encode(&v1b, &r)) != NULL) {
		check_envelope(root, "admission.k8s.io/v1beta1", "beta-uid", 0);
		resp = get(root, "response");
		st = get(resp, "status");
		CHECK(cJSON_IsObject(st));
		CHECK(cJSON_IsNumber(get(st, "code")));
		CHECK_INT(cJSON_GetNumberValue(get(st, "code")), 403);
		CHECK_STR(cJSON_GetStringValue(get(st, "reason")), "Forbidden");
		CHECK_STR(cJSON_GetStringValue(get(st, "message")),
		    "[reconciler-only] user \"alice\" may not UPDATE x");
		w = get(resp, "warnings");
		CHECK(cJSON_IsArray(w));
		CHECK_INT(cJSON_GetArraySize(w), 2);
		CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(w, 0)),
		    warnings[0]);
		CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(w, 1)),
		    warnings[1]);
		a = get(resp, "auditAnnotations");
		CHECK(cJSON_IsObject(a));
		CHECK_INT(cJSON_GetArraySize(a), 2);
		CHECK_STR(cJSON_GetStringValue(get(a, "release-tags")),
		    "audit: one");
		CHECK_STR(cJSON_GetStringValue(get(a, "other")),
		    "enforce: two");
		cJSON_Delete(root);
	}

	/* Denied without code/reason/message: defaults 403 Forbidden. */
	memset(&r, 0, sizeof(r));
	if ((root = encode(&v1, &r)) != NULL) {
		check_envelope(root, "admission.k8s.io/v1",
		    "705ab4f5-6393-11e8-b7cc-42010a800002", 0);
		st = get(get(root, "response"), "status");
		CHECK_INT(cJSON_GetNumberValue(get(st, "code")), 403);
		CHECK_STR(cJSON_GetStringValue(get(st, "reason")), "Forbidden");
		CHECK_STR(cJSON_GetStringValue(get(st, "message")), "");
		cJSON_Delete(root);
	}

	/* Allowed with warnings (audit): warnings, but still no status. */
	memset(&r, 0, sizeof(r));
	r.allowed = 1;
	r.warnings = warnings;
	r.n_warnings = 1;
	if ((root = encode(&v1, &r)) != NULL) {
		resp = get(root, "response");
		CHECK(get(resp, "status") == NULL);
		CHECK_INT(cJSON_GetArraySize(get(resp, "warnings")), 1);
		cJSON_Delete(root);
	}
	/* len is optional. */
	out = review_encode(&v1, &r, NULL);
	CHECK(out != NULL && strstr(out, "\"warnings\"") != NULL);
	free(out);
	review_free(&v1);
	review_free(&v1b);
}

/* A minimal valid review with X (raw bytes) as the value of 'x'. */
#define MINI_PRE "{\"apiVersion\":\"admission.k8s.io/v1\"," \
	"\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u\"," \
	"\"operation\":\"CREATE\",\"kind\":{\"kind\":\"Pod\"}," \
	"\"resource\":{\"resource\":\"pods\"},\"x\":"
#define MINI_POST "}}"

/* body = MINI_PRE, n arrays around 1, MINI_POST; its length. */
static size_t
nested(char *body, size_t size, size_t n)
{
	size_t	off = strlen(MINI_PRE);

	if (off + 2 * n + sizeof(MINI_POST) + 1 > size)
		return 0;
	memcpy(body, MINI_PRE, off);
	memset(body + off, '[', n);
	body[off + n] = '1';
	memset(body + off + n + 1, ']', n);
	memcpy(body + off + 2 * n + 1, MINI_POST, sizeof(MINI_POST));
	return off + 2 * n + 1 + strlen(MINI_POST);
}

/*
 * The pre-scan before cJSON: nesting (outside strings only), UTF-8,
 * control bytes and \u0000 in strings; exact reasons and byte offsets.
 */
static void
test_prescan(void)
{
	static const struct {
		const char	*x;		/* raw JSON value of 'x' */
		unsigned	 depth;		/* 0: default (64) */
		const char	*err;		/* NULL: decodes */
		size_t		 at;		/* error byte, in x */
	} cases[] = {
		{ "\"plain\"", 0, NULL, 0 },
		{ "\"caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80\"", 0, NULL,
		  0 },
		{ "\"\\u00e9\\ud83d\\ude00\\u001b\\\\u0000\"", 0, NULL, 0 },
		{ "\"[[[[{{{{\"", 3, NULL, 0 },
		{ "\"\\\"[[[[\"", 3, NULL, 0 },
		{ "[[1]]", 4, NULL, 0 },
		{ "[[[1]]]", 4, "JSON nested deeper than 4", 2 },
		{ "{\"a\":{\"b\":[1]}}", 4, "JSON nested deeper than 4", 10 },
		{ "\"\\u0000\"", 0, "\\u0000 in a JSON string", 1 },
		{ "\"a\\u0000b\"", 0, "\\u0000 in a JSON string", 2 },
		{ "\"\x01\"", 0, "control character in a JSON string", 1 },
		{ "\"\n\"", 0, "control character in a JSON string", 1 },
		{ "\"\xff\"", 0, "invalid UTF-8", 1 },
		{ "\"\xc3\"", 0, "invalid UTF-8", 1 },
		{ "\"\xc0\xaf\"", 0, "invalid UTF-8", 1 },
		{ "\"\xe0\x80\xaf\"", 0, "invalid UTF-8", 1 },
		{ "\"\xed\xa0\x80\"", 0, "invalid UTF-8", 1 },
		{ "\"\xf4\x90\x80\x80\"", 0, "invalid UTF-8", 1 },
		{ "\"\xf8\x88\x80\x80\x80\"", 0, "invalid UTF-8", 1 },
		{ "1 \xff", 0, "invalid UTF-8", 2 },
	};
	struct review	rv;
	char		body[1024], err[128], want[128];
	size_t		i, n;
	int		rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = (size_t)snprintf(body, sizeof(body), "%s%s%s", MINI_PRE,
		    cases[i].x, MINI_POST);
		err[0] = '\0';
		if (cases[i].depth == 0)
			rc = review_decode(body, n, &rv, err, sizeof(err));
		else
			rc = review_decode_depth(body, n, cases[i].depth, &rv,
			    err, sizeof(err));
		if (cases[i].err == NULL) {
			if (rc != 0)
				fprintf(stderr, "prescan case %zu: %s\n", i,
				    err);
			CHECK_INT(rc, 0);
			if (rc == 0)
				review_free(&rv);
			continue;
		}
		snprintf(want, sizeof(want), "%s at byte %zu", cases[i].err,
		    strlen(MINI_PRE) + cases[i].at);
		CHECK_INT(rc, -1);
		CHECK_STR(err, want);
	}
	/* A backslash before a non-ASCII byte: cJSON's error, not ours. */
	n = (size_t)snprintf(body, sizeof(body), "%s\"\\\xc3\xa9\"%s",
	    MINI_PRE, MINI_POST);
	CHECK_INT(review_decode(body, n, &rv, err, sizeof(err)), -1);
	CHECK(strncmp(err, "malformed JSON", 14) == 0);

	/* 64 deep passes by default, 65 does not; 0 means cJSON's 1000. */
	n = nested(body, sizeof(body), 64 - 2);
	CHECK_INT(review_decode(body, n, &rv, err, sizeof(err)), 0);
	review_free(&rv);
	n = nested(body, sizeof(body), 65 - 2);
	CHECK_INT(review_decode(body, n, &rv, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "JSON nested deeper than 64 at byte %zu",
	    strlen(MINI_PRE) + 62);
	CHECK_STR(err, want);
	CHECK_INT(review_decode_depth(body, n, 0, &rv, err, sizeof(err)), 0);
	review_free(&rv);
	CHECK_INT(review_decode_depth(body, n, 5000, &rv, err, sizeof(err)),
	    0);
	review_free(&rv);
}

/* The name in obj's metadata, or NULL. */
static const char *
meta_name(const cJSON *obj)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(obj, "metadata"),
			    "name");

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/*
 * oldObject: null in the first pass's tree, decoded by review_old_object
 * from the text the parse left alone (copied or in place), managedFields
 * skipped; the same object from a cJSON tree; NULL when there is none.
 */
static void
test_old_object(void)
{
	static const char *const bodies[] = {
		FULL_V1,
		"{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview',"
		"'request':{'uid':'u','kind':{'kind':'Pod'},'resource':{"
		"'resource':'pods'},'operation':'DELETE','object':null,"
		"'oldObject':{'kind':'Pod','metadata':{'name':'p\\u00e9',"
		"'managedFields':[{'manager':'x'}],'ownerReferences':[{"
		"'controller':true}]}},'options':{'fieldManager':"
		"'kubectl-edit'}}}",
	};
	static const char *const want[] = { "web-old", "p\xc3\xa9" };
	struct review	 rv;
	const cJSON	*old, *meta;
	char		 err[128], *buf;
	size_t		 i, len;
	int		 in_place;

	for (i = 0; i < 2; i++)
		for (in_place = 0; in_place < 2; in_place++) {
			len = strlen(q(bodies[i]));
			if ((buf = malloc(len + JSON_PARSE_PAD)) == NULL)
				return;
			memcpy(buf, q(bodies[i]), len);
			CHECK_INT(in_place ? review_decode_in_place(buf, len,
			    0, &rv, err, sizeof(err)) : review_decode(buf,
			    len, &rv, err, sizeof(err)), 0);
			CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(rv.root,
			    "request"), "oldObject")));
			CHECK_INT(review_old_object(&rv, &old, err,
			    sizeof(err)), 0);
			CHECK_STR(meta_name(old), want[i]);
			meta = cJSON_GetObjectItemCaseSensitive(old,
			    "metadata");
			CHECK(cJSON_GetObjectItemCaseSensitive(meta,
			    "managedFields") == NULL || cJSON_IsNull(
			    cJSON_GetObjectItemCaseSensitive(meta,
			    "managedFields")));
			/* the second call answers from the first's work */
			CHECK_INT(review_old_object(&rv, &old, err,
			    sizeof(err)), 0);
			CHECK_STR(meta_name(old), want[i]);
			CHECK_STR(review_field_manager(&rv), i == 0 ? "" :
			    "kubectl-edit");
			review_free(&rv);
			free(buf);
		}
	CHECK_INT(decode("{'apiVersion':'admission.k8s.io/v1','kind':"
	    "'AdmissionReview','request':{'uid':'u','kind':{'kind':'Pod'},"
	    "'resource':{'resource':'pods'},'operation':'CREATE',"
	    "'oldObject':null}}", &rv, err, sizeof(err)), 0);
	CHECK_INT(review_old_object(&rv, &old, err, sizeof(err)), 0);
	CHECK(old == NULL);
	review_free(&rv);
	/* an empty object, and spaces around it: still that object */
	CHECK_INT(decode("{'apiVersion':'admission.k8s.io/v1','kind':"
	    "'AdmissionReview','request':{'uid':'u','kind':{'kind':'Pod'},"
	    "'resource':{'resource':'pods'},'operation':'DELETE',"
	    "'oldObject' : \t{ } ,'object':null}}", &rv, err, sizeof(err)), 0);
	CHECK_INT(review_old_object(&rv, &old, err, sizeof(err)), 0);
	CHECK(cJSON_IsObject(old) && old->child == NULL);
	review_free(&rv);
	CHECK_INT(review_decode_json(cJSON_Parse(q(FULL_V1)), &rv, err,
	    sizeof(err)), 0);
	CHECK_INT(review_old_object(&rv, &old, err, sizeof(err)), 0);
	CHECK_STR(meta_name(old), "web-old");
	review_free(&rv);
}

/* A key twice (oldObject, or the image in object): refused, named. */
static void
test_duplicate_keys(void)
{
	static const char *const bodies[] = {
		"{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview',"
		"'request':{'uid':'u','kind':{'kind':'Pod'},'resource':{"
		"'resource':'pods'},'operation':'DELETE','object':null,"
		"'oldObject':{'kind':'Pod'},'oldObject':{'kind':'Pod'}}}",
		"{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview',"
		"'request':{'uid':'u','kind':{'kind':'Pod'},'resource':{"
		"'resource':'pods'},'operation':'CREATE','object':{'spec':{"
		"'containers':[{'name':'a','image':'x:1.0','image':'x:latest'}]"
		"}}}}",
	};
	static const char *const key[] = { "oldObject", "image" };
	struct review	 rv;
	char		 err[128], want[64];
	size_t		 i;

	for (i = 0; i < 2; i++) {
		CHECK_INT(review_decode(q(bodies[i]), strlen(q(bodies[i])), &rv,
		    err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "duplicate key \"%s\"", key[i]);
		CHECK(strstr(err, want) != NULL);
	}
}

/* The target of a subresource request of any resource: kind, group. */
static void
test_target_kind(void)
{
	static const struct {
		const char	*kind, *rgroup, *resource, *sub;
		const char	*target, *group;
		int		 known;
	} cases[] = {
		{ "Service", "", "services", "status", "Service", "", 1 },
		{ "Ingress", "networking.k8s.io", "ingresses", "status",
		    "Ingress", "networking.k8s.io", 1 },
		{ "HelmRelease", "helm.toolkit.fluxcd.io", "helmreleases",
		    "status", "HelmRelease", "helm.toolkit.fluxcd.io", 1 },
		{ "Scale", "apps", "deployments", "scale", "Deployment", "apps",
		    1 },
		/* Unknown parent: request.kind, and said to be unknown. */
		{ "Scale", "argoproj.io", "rollouts", "scale", "Scale",
		    "argoproj.io", 0 },
		/* A known resource name in another group is not known. */
		{ "Scale", "serving.knative.dev", "services", "scale", "Scale",
		    "serving.knative.dev", 0 },
		/* The main resource: request.kind and its group. */
		{ "Widget", "example.com", "widgets", "", "Widget",
		    "example.com", 1 },
	};
	char		tmpl[1024], err[128];
	struct review	rv;
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(tmpl, sizeof(tmpl), "{'apiVersion':"
		    "'admission.k8s.io/v1','kind':'AdmissionReview','request':"
		    "{'uid':'u','kind':{'group':'%s','version':'v1','kind':"
		    "'%s'},'resource':{'group':'%s','version':'v1','resource':"
		    "'%s'},'subResource':'%s','operation':'UPDATE'}}",
		    cases[i].sub[0] != '\0' ? "autoscaling" : cases[i].rgroup,
		    cases[i].kind, cases[i].rgroup, cases[i].resource,
		    cases[i].sub);
		if (decode(tmpl, &rv, err, sizeof(err)) != 0) {
			CHECK_STR(err, "(decoded)");
			continue;
		}
		CHECK_STR(review_target_kind(&rv), cases[i].target);
		CHECK_STR(review_target_group(&rv), cases[i].group);
		CHECK_INT(review_target_known(&rv), cases[i].known);
		CHECK_STR(rv.resource_group, cases[i].rgroup);
		review_free(&rv);
	}
}

int
main(void)
{
	test_target_kind();
	test_decode_v1_full();
	test_old_object();
	test_duplicate_keys();
	test_prescan();
	test_decode_minimal();
	test_decode_errors();
	test_decode_json();
	test_encode();
	return unit_done("review");
}
