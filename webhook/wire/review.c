/*
 * review.c - AdmissionReview decode and encode. Strict about what the API
 * server always sends (apiVersion, kind, request.uid, operation, kind,
 * resource), lenient about the rest; every missing string becomes "".
 * json_parse builds the tree: strict, bounded in depth and memory, and
 * it only checks oldObject and managedFields, which no rule reads.
 */
#include "wire/review.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_out.h"
#include "base/json_parse.h"
#include "base/kube.h"

#define API_V1		"admission.k8s.io/v1"
#define API_V1BETA1	"admission.k8s.io/v1beta1"

static const char *
str_or_empty(const cJSON *obj, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) && v->valuestring != NULL ?
	    v->valuestring : "";
}

static const cJSON *
object_or_null(const cJSON *obj, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsObject(v) ? v : NULL;
}

static int
decode_request(const cJSON *req, struct review *rv, char *err,
    size_t errlen)
{
	const cJSON	*uid, *op, *kind, *res, *user, *v;

	uid = cJSON_GetObjectItemCaseSensitive(req, "uid");
	if (!cJSON_IsString(uid) || uid->valuestring[0] == '\0') {
		snprintf(err, errlen, "request.uid missing or not a string");
		return -1;
	}
	rv->uid = uid->valuestring;
	op = cJSON_GetObjectItemCaseSensitive(req, "operation");
	if (!cJSON_IsString(op)) {
		snprintf(err, errlen, "request.operation missing");
		return -1;
	}
	if ((rv->op = kube_op_parse(op->valuestring)) == 0) {
		snprintf(err, errlen, "request.operation: unknown operation");
		return -1;
	}
	kind = object_or_null(req, "kind");
	res = object_or_null(req, "resource");
	if (kind == NULL || *str_or_empty(kind, "kind") == '\0') {
		snprintf(err, errlen, "request.kind missing");
		return -1;
	}
	if (res == NULL || *str_or_empty(res, "resource") == '\0') {
		snprintf(err, errlen, "request.resource missing");
		return -1;
	}
	rv->group = str_or_empty(kind, "group");
	rv->version = str_or_empty(kind, "version");
	rv->kind = str_or_empty(kind, "kind");
	rv->resource = str_or_empty(res, "resource");
	rv->resource_group = str_or_empty(res, "group");
	rv->subresource = str_or_empty(req, "subResource");
	rv->name = str_or_empty(req, "name");
	rv->ns = str_or_empty(req, "namespace");
	user = object_or_null(req, "userInfo");
	rv->username = user != NULL ? str_or_empty(user, "username") : "";
	v = user != NULL ? cJSON_GetObjectItemCaseSensitive(user, "groups") :
	    NULL;
	rv->groups = cJSON_IsArray(v) ? v : NULL;
	rv->extra = user != NULL ? object_or_null(user, "extra") : NULL;
	rv->object = object_or_null(req, "object");
	v = cJSON_GetObjectItemCaseSensitive(req, "dryRun");
	rv->dry_run = cJSON_IsTrue(v);
	return 0;
}

static int
decode_root(cJSON *root, struct review *rv, char *err, size_t errlen)
{
	const cJSON	*req;
	const char	*api;

	rv->root = root;
	rv->old = &rv->old_store;
	if (!cJSON_IsObject(root)) {
		snprintf(err, errlen, "body is not a JSON object");
		return -1;
	}
	api = str_or_empty(root, "apiVersion");
	if (strcmp(api, API_V1) == 0)
		rv->v1beta1 = 0;
	else if (strcmp(api, API_V1BETA1) == 0)
		rv->v1beta1 = 1;
	else {
		snprintf(err, errlen, "apiVersion must be %s or %s", API_V1,
		    API_V1BETA1);
		return -1;
	}
	if (strcmp(str_or_empty(root, "kind"), "AdmissionReview") != 0) {
		snprintf(err, errlen, "kind must be AdmissionReview");
		return -1;
	}
	req = object_or_null(root, "request");
	if (req == NULL) {
		snprintf(err, errlen, "request missing");
		return -1;
	}
	return decode_request(req, rv, err, errlen);
}

int
review_decode_json(cJSON *root, struct review *rv, char *err, size_t errlen)
{
	memset(rv, 0, sizeof(*rv));
	if (decode_root(root, rv, err, errlen) == -1) {
		cJSON_Delete(root);
		memset(rv, 0, sizeof(*rv));
		return -1;
	}
	return 0;
}

int
review_decode(const char *body, size_t len, struct review *rv, char *err,
    size_t errlen)
{
	return review_decode_depth(body, len, REVIEW_JSON_DEPTH_DEFAULT, rv,
	    err, errlen);
}

/*
 * Checked, never built: no rule reads managedFields, and oldObject only
 * on a slow path (review_old_object), from its text. Compiled once.
 */
#define SKIP_OLD	0	/* index of request/oldObject */
static const char *const	 skip_paths[] = {
	"request/oldObject",
	"request/object/metadata/managedFields",
	NULL
};
static const char *const	 old_skip_paths[] = {
	"metadata/managedFields",
	NULL
};
static struct json_skip		 skip, old_skip;
static pthread_once_t		 skip_once = PTHREAD_ONCE_INIT;

static void
skip_compile(void)
{
	(void)json_skip_compile(skip_paths, &skip);	/* 2 paths: fits */
	(void)json_skip_compile(old_skip_paths, &old_skip);
}

/* From text (copied by the parser) or in place in buf. */
static int
decode_body(const char *text, char *buf, size_t len, unsigned max_depth,
    struct review *rv, char *err, size_t errlen)
{
	struct json_parse_opts	 o;
	struct json_doc		 doc;
	int			 rc;

	memset(rv, 0, sizeof(*rv));
	memset(&o, 0, sizeof(o));
	o.max_depth = max_depth == 0 || max_depth > REVIEW_JSON_DEPTH_MAX ?
	    REVIEW_JSON_DEPTH_MAX : max_depth;
	pthread_once(&skip_once, skip_compile);
	o.skip = &skip;
	rc = buf != NULL ? json_parse_in_place(buf, len, &o, &doc, err,
	    errlen) : json_parse(text, len, &o, &doc, err, errlen);
	if (rc == -1)
		return -1;
	if (decode_root(doc.root, rv, err, errlen) == -1) {
		json_doc_free(&doc);
		memset(rv, 0, sizeof(*rv));
		return -1;
	}
	rv->doc = doc;
	rv->old_text = doc.skipped[SKIP_OLD];
	return 0;
}

int
review_decode_depth(const char *body, size_t len, unsigned max_depth,
    struct review *rv, char *err, size_t errlen)
{
	return decode_body(body, NULL, len, max_depth, rv, err, errlen);
}

int
review_decode_in_place(char *body, size_t len, unsigned max_depth,
    struct review *rv, char *err, size_t errlen)
{
	return decode_body(NULL, body, len, max_depth, rv, err, errlen);
}

void
review_free(struct review *rv)
{
	if (rv == NULL)
		return;
	if (rv->old_store.doc.blocks != NULL)
		json_doc_free(&rv->old_store.doc);
	if (rv->doc.blocks != NULL)
		json_doc_free(&rv->doc);
	else
		cJSON_Delete(rv->root);
	memset(rv, 0, sizeof(*rv));
}

/* Parse oldObject's text into old (the first call's work). */
static void
old_decode(const struct review *rv, struct review_old *old)
{
	struct json_parse_opts	 o;
	const cJSON		*req;

	old->tried = 1;
	if (rv->doc.blocks == NULL) {	/* a cJSON tree: it is all there */
		req = object_or_null(rv->root, "request");
		old->object = object_or_null(req, "oldObject");
		return;
	}
	if (rv->old_text.at == NULL)
		return;
	memset(&o, 0, sizeof(o));
	o.max_depth = REVIEW_JSON_DEPTH_MAX;	/* checked by the first pass */
	pthread_once(&skip_once, skip_compile);
	o.skip = &old_skip;
	if (json_parse(rv->old_text.at, rv->old_text.len, &o, &old->doc,
	    old->err, sizeof(old->err)) == -1) {
		old->failed = 1;
		return;
	}
	old->object = cJSON_IsObject(old->doc.root) ? old->doc.root : NULL;
}

int
review_old_object(const struct review *rv, const cJSON **obj, char *err,
    size_t errlen)
{
	struct review_old	*old = rv->old;

	*obj = NULL;
	if (old == NULL) {
		snprintf(err, errlen, "oldObject: review not decoded");
		return -1;
	}
	if (!old->tried)
		old_decode(rv, old);
	if (old->failed) {
		snprintf(err, errlen, "oldObject: %s", old->err);
		return -1;
	}
	*obj = old->object;
	return 0;
}

const char *
review_field_manager(const struct review *rv)
{
	const cJSON	*req, *opts;

	req = object_or_null(rv->root, "request");
	opts = req != NULL ? object_or_null(req, "options") : NULL;
	return opts != NULL ? str_or_empty(opts, "fieldManager") : "";
}

const char *
review_target_kind(const struct review *rv)
{
	const char	*kind;

	if (rv->subresource[0] == '\0')
		return rv->kind;
	if ((kind = kube_known_kind_for_resource(rv->resource_group,
	    rv->resource)) != NULL ||
	    (kind = kube_kind_for_resource(rv->resource)) != NULL)
		return kind;
	return rv->kind;
}

int
review_target_known(const struct review *rv)
{
	return rv->subresource[0] == '\0' ||
	    kube_known_kind_for_resource(rv->resource_group,
	    rv->resource) != NULL || kube_kind_for_resource(rv->resource) !=
	    NULL;
}

const char *
review_target_group(const struct review *rv)
{
	return rv->subresource[0] == '\0' ? rv->group : rv->resource_group;
}

static void
encode_strings(struct json_out *o, const struct review_response *r)
{
	size_t	i;

	if (r->n_warnings > 0) {
		json_out_raw(o, ",\"warnings\":[");
		for (i = 0; i < r->n_warnings; i++) {
			if (i > 0)
				json_out_raw(o, ",");
			json_out_str(o, r->warnings[i]);
		}
		json_out_raw(o, "]");
	}
	if (r->n_annotations > 0) {
		json_out_raw(o, ",\"auditAnnotations\":{");
		for (i = 0; i < r->n_annotations; i++) {
			if (i > 0)
				json_out_raw(o, ",");
			json_out_str(o, r->annotation_keys[i]);
			json_out_raw(o, ":");
			json_out_str(o, r->annotation_values[i]);
		}
		json_out_raw(o, "}");
	}
}

char *
review_encode(const struct review *rv, const struct review_response *r,
    size_t *len)
{
	struct json_out	o;

	if (json_out_init(&o, 512) == -1)
		return NULL;
	json_out_raw(&o, rv->v1beta1 ? "{\"apiVersion\":\"" API_V1BETA1 "\"" :
	    "{\"apiVersion\":\"" API_V1 "\"");
	json_out_raw(&o, ",\"kind\":\"AdmissionReview\",\"response\":"
	    "{\"uid\":");
	json_out_str(&o, rv->uid);
	json_out_raw(&o, r->allowed ? ",\"allowed\":true" :
	    ",\"allowed\":false");
	if (!r->allowed) {
		json_out_raw(&o, ",\"status\":{\"status\":\"Failure\","
		    "\"message\":");
		json_out_str(&o, r->message != NULL ? r->message : "");
		json_out_raw(&o, ",\"reason\":");
		json_out_str(&o, r->reason != NULL ? r->reason : "Forbidden");
		json_out_raw(&o, ",\"code\":");
		json_out_int(&o, r->code != 0 ? r->code : 403);
		json_out_raw(&o, "}");
	}
	encode_strings(&o, r);
	json_out_raw(&o, "}}");
	return json_out_take(&o, len);
}
