/*
 * review.h - the AdmissionReview wire format, admission.k8s.io/v1 and
 * v1beta1: decode a request into borrowed fields, encode a response in the
 * request's apiVersion. No policy logic, no I/O.
 */
#ifndef GITGATE_REVIEW_H
#define GITGATE_REVIEW_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "base/json_parse.h"

#define REVIEW_JSON_DEPTH_DEFAULT	64	/* serve --max-json-depth */
#define REVIEW_JSON_DEPTH_MAX	JSON_PARSE_DEPTH_MAX	/* 1000 */

/*
 * request.oldObject as review_old_object() decodes it on first use. A
 * review is used by one thread at a time, so no lock.
 */
struct review_old {
	int		 tried;
	int		 failed;
	struct json_doc	 doc;
	const cJSON	*object;	/* in doc, or in the review's tree */
	char		 err[96];
};

/*
 * A decoded request. Every pointer borrows from root and lives until
 * review_free(). Absent strings are "", never NULL; absent or JSON-null
 * objects are NULL.
 */
struct review {
	cJSON		*root;		/* owned: in doc, or a cJSON tree */
	struct json_doc	 doc;		/* when decoded from a body */
	int		 v1beta1;	/* answer in admission.k8s.io/v1beta1 */
	const char	*uid;
	const char	*group;		/* request.kind */
	const char	*version;
	const char	*kind;
	const char	*resource;	/* request.resource.resource */
	const char	*resource_group;	/* request.resource.group */
	const char	*subresource;
	const char	*name;
	const char	*ns;
	unsigned	 op;		/* KUBE_OP_* */
	const char	*username;
	const cJSON	*groups;	/* array of strings, or NULL */
	const cJSON	*extra;		/* object, or NULL */
	const cJSON	*object;	/* oldObject: review_old_object() */
	int		 dry_run;
	struct json_span old_text;	/* oldObject's text, when skipped */
	/* Points at old_store, so that a const review can fill it in. */
	struct review_old *old;
	struct review_old old_store;
};

/*
 * Parse body as an AdmissionReview. Returns 0, or -1 with a short reason
 * in err fit for a 400 answer ("malformed JSON", "request.uid missing").
 * On success the caller frees with review_free(); on failure nothing is
 * left to free. Same as review_decode_depth() with
 * REVIEW_JSON_DEPTH_DEFAULT.
 */
int	review_decode(const char *body, size_t len, struct review *rv,
	    char *err, size_t errlen);
/*
 * Same, with a nesting limit of max_depth (0, or more than
 * REVIEW_JSON_DEPTH_MAX, means REVIEW_JSON_DEPTH_MAX). The parse
 * (json_parse.h) is strict and refuses, with the byte offset: nesting
 * deeper than max_depth ("JSON nested deeper than N at byte B"), bytes
 * that are not UTF-8, raw control characters inside strings, and \u0000
 * escapes (a C string would end there: what gitgate checks would differ
 * from what is stored). oldObject and managedFields are checked but not
 * built (request.oldObject is null in the tree).
 */
int	review_decode_depth(const char *body, size_t len, unsigned max_depth,
	    struct review *rv, char *err, size_t errlen);
/*
 * Same, parsing in place: body is overwritten, the review points into it
 * (keep it until review_free()), and it must have JSON_PARSE_PAD writable
 * bytes after len.
 */
int	review_decode_in_place(char *body, size_t len, unsigned max_depth,
	    struct review *rv, char *err, size_t errlen);
/* Same, taking ownership of an already parsed root (freed on failure). */
int	review_decode_json(cJSON *root, struct review *rv, char *err,
	    size_t errlen);
void	review_free(struct review *rv);

/*
 * request.oldObject (UPDATE, DELETE), which the first pass only checks:
 * decoded on the first call, for the few requests a rule must compare or
 * inspect (its managedFields are skipped). Returns 0 with *obj the object,
 * or NULL when the request has none (or null); -1 with a reason in err
 * (out of memory: the caller fails closed). Borrowed until review_free().
 */
int	review_old_object(const struct review *rv, const cJSON **obj,
	    char *err, size_t errlen);

/* request.options.fieldManager, or "" (client-chosen: never an identity). */
const char *review_field_manager(const struct review *rv);

/*
 * The kind the request is about: for a subresource request the kind of
 * the parent resource when gitgate knows it ("Deployment" for
 * deployments/scale, "Service" for services/status: kube.h's known
 * kinds), else request.kind.kind ("Scale" for an unknown resource's
 * scale: see review_target_known()). Borrowed or static.
 */
const char *review_target_kind(const struct review *rv);
/*
 * 0 for a subresource request of a resource gitgate does not know: its
 * parent kind is not in the request (request.kind is the subresource's,
 * e.g. Scale), so matchers must not take review_target_kind() as final.
 */
int	review_target_known(const struct review *rv);
/* The API group of the target kind ("" for core, "apps"). Borrowed. */
const char *review_target_group(const struct review *rv);

/* What the webhook answers; strings are borrowed by review_encode(). */
struct review_response {
	int			  allowed;
	int			  code;		/* when denied: 403 */
	const char		 *reason;	/* when denied: "Forbidden" */
	const char		 *message;	/* when denied */
	const char *const	 *warnings;
	size_t			  n_warnings;
	const char *const	 *annotation_keys;
	const char *const	 *annotation_values;
	size_t			  n_annotations;
};

/*
 * Encode the AdmissionReview answering rv (same apiVersion, rv's uid, never
 * a patch), written directly (no cJSON tree). Returns a malloc'd
 * NUL-terminated string (not in the review's blocks) and its length in *len, or
 * NULL when out of memory. Caller frees with free().
 */
char	*review_encode(const struct review *rv,
	    const struct review_response *resp, size_t *len);

#endif
