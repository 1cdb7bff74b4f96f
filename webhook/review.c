/*
 * review.c - AdmissionReview decode and encode. Strict about what the API
 * server always sends (apiVersion, kind, request.uid, operation, kind,
 * resource), lenient about the rest; every missing string becomes "".
 */
#include "review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube.h"

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
	rv->old_object = object_or_null(req, "oldObject");
	v = cJSON_GetObjectItemCaseSensitive(req, "dryRun");
	rv->dry_run = cJSON_IsTrue(v);
	return 0;
}

int
review_decode_json(cJSON *root, struct review *rv, char *err, size_t errlen)
{
	const cJSON	*req;
	const char	*api;

	memset(rv, 0, sizeof(*rv));
	rv->root = root;
	if (!cJSON_IsObject(root)) {
		snprintf(err, errlen, "body is not a JSON object");
		goto fail;
	}
	api = str_or_empty(root, "apiVersion");
	if (strcmp(api, API_V1) == 0)
		rv->v1beta1 = 0;
	else if (strcmp(api, API_V1BETA1) == 0)
		rv->v1beta1 = 1;
	else {
		snprintf(err, errlen, "apiVersion must be %s or %s", API_V1,
		    API_V1BETA1);
		goto fail;
	}
	if (strcmp(str_or_empty(root, "kind"), "AdmissionReview") != 0) {
		snprintf(err, errlen, "kind must be AdmissionReview");
		goto fail;
	}
	req = object_or_null(root, "request");
	if (req == NULL) {
		snprintf(err, errlen, "request missing");
		goto fail;
	}
	if (decode_request(req, rv, err, errlen) == -1)
		goto fail;
	return 0;
fail:
	review_free(rv);
	return -1;
}

int
review_decode(const char *body, size_t len, struct review *rv, char *err,
    size_t errlen)
{
	const char	*end = NULL;
	cJSON		*root;

	memset(rv, 0, sizeof(*rv));
	root = cJSON_ParseWithLengthOpts(body, len, &end, 0);
	if (root == NULL) {
		snprintf(err, errlen, "malformed JSON near byte %zu",
		    end != NULL && end >= body ? (size_t)(end - body) :
		    (size_t)0);
		return -1;
	}
	while (end != NULL && end < body + len && (*end == ' ' ||
	    *end == '\n' || *end == '\r' || *end == '\t'))
		end++;
	if (end != body + len) {
		cJSON_Delete(root);
		snprintf(err, errlen, "malformed JSON: trailing data at byte "
		    "%zu", (size_t)(end - body));
		return -1;
	}
	return review_decode_json(root, rv, err, errlen);
}

void
review_free(struct review *rv)
{
	if (rv == NULL)
		return;
	cJSON_Delete(rv->root);
	memset(rv, 0, sizeof(*rv));
}

const char *
review_target_kind(const struct review *rv)
{
	const char	*kind;

	if (rv->subresource[0] != '\0' &&
	    (kind = kube_kind_for_resource(rv->resource)) != NULL)
		return kind;
	return rv->kind;
}

static int
add_strings(cJSON *resp, const struct review_response *r)
{
	cJSON	*arr, *obj;
	size_t	 i;

	if (r->n_warnings > 0) {
		if ((arr = cJSON_AddArrayToObject(resp, "warnings")) == NULL)
			return -1;
		for (i = 0; i < r->n_warnings; i++)
			if (!cJSON_AddItemToArray(arr,
			    cJSON_CreateString(r->warnings[i])))
				return -1;
	}
	if (r->n_annotations > 0) {
		obj = cJSON_AddObjectToObject(resp, "auditAnnotations");
		if (obj == NULL)
			return -1;
		for (i = 0; i < r->n_annotations; i++)
			if (cJSON_AddStringToObject(obj,
			    r->annotation_keys[i],
			    r->annotation_values[i]) == NULL)
				return -1;
	}
	return 0;
}

char *
review_encode(const struct review *rv, const struct review_response *r,
    size_t *len)
{
	cJSON	*root, *resp, *status;
	char	*out = NULL;

	if ((root = cJSON_CreateObject()) == NULL)
		return NULL;
	if (cJSON_AddStringToObject(root, "apiVersion",
	    rv->v1beta1 ? API_V1BETA1 : API_V1) == NULL ||
	    cJSON_AddStringToObject(root, "kind", "AdmissionReview") == NULL ||
	    (resp = cJSON_AddObjectToObject(root, "response")) == NULL ||
	    cJSON_AddStringToObject(resp, "uid", rv->uid) == NULL ||
	    cJSON_AddBoolToObject(resp, "allowed", r->allowed) == NULL)
		goto out;
	if (!r->allowed) {
		if ((status = cJSON_AddObjectToObject(resp, "status")) == NULL ||
		    cJSON_AddStringToObject(status, "status",
		    "Failure") == NULL ||
		    cJSON_AddStringToObject(status, "message",
		    r->message != NULL ? r->message : "") == NULL ||
		    cJSON_AddStringToObject(status, "reason",
		    r->reason != NULL ? r->reason : "Forbidden") == NULL ||
		    cJSON_AddNumberToObject(status, "code",
		    r->code != 0 ? r->code : 403) == NULL)
			goto out;
	}
	if (add_strings(resp, r) == -1)
		goto out;
	if ((out = cJSON_PrintUnformatted(root)) != NULL && len != NULL)
		*len = strlen(out);
out:
	cJSON_Delete(root);
	return out;
}
