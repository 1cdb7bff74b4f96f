/*
 * rule_image.c - rule 1: images must be immutable. Every container,
 * initContainer and ephemeralContainer of the pod spec is parsed with the
 * distribution grammar; a digest pins an image whatever its tag.
 */
#include "rules/rule_image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/image.h"
#include "base/kube.h"
#include "base/match.h"
#include "policy/policy_schema.h"

static const char *const container_lists[] = { "initContainers",
	"containers", "ephemeralContainers" };

/*
 * The container and image a finding is about, put into words only when a
 * finding needs them: most containers pass, and the words cost more than
 * the checks.
 */
struct subject {
	const char	*cname;
	const char	*image;
	char		 who[RULE_TEXT_MAX];	/* "" until first use */
};

static const char *
who(struct subject *s)
{
	char	qn[RULE_QUOTE_MAX + 4], qi[RULE_QUOTE_MAX + 4];

	if (s->who[0] == '\0')
		snprintf(s->who, sizeof(s->who), "container \"%s\" image "
		    "\"%s\"", rule_quote(qn, sizeof(qn), s->cname),
		    rule_quote(qi, sizeof(qi), s->image));
	return s->who;
}

/* The deniedTags glob tag matches, or NULL. */
static const char *
denied_tag(const struct rule_image *pi, const char *tag)
{
	size_t	i;

	for (i = 0; i < pi->denied_tags.n; i++)
		if (pi->denied_tags_nocase ?
		    match_glob_nocase(pi->denied_tags.v[i], tag) :
		    match_glob(pi->denied_tags.v[i], tag))
			return pi->denied_tags.v[i];
	return NULL;
}

/*
 * Tag checks, in this order: none, "latest", allowedTags, deniedTags; a
 * tag must pass all of them (1.4.0-SNAPSHOT is a semantic version, and
 * refused by a "*-SNAPSHOT" glob). Nothing, or one finding.
 */
static void
check_tag(const struct rule_image *pi, const struct image_ref *ref,
    struct subject *sj, struct rule_result *r)
{
	char		 err[128], tag[RULE_QUOTE_MAX + 4];
	char		 q[RULE_QUOTE_MAX + 4];
	const char	*pat;
	size_t		 i;
	int		 m, matched = 0;

	if (ref->tag[0] == '\0') {
		if (pi->require_tag)
			rule_result_add(r, RULE_FAIL, "%s has no tag (means "
			    ":latest)", who(sj));
		return;
	}
	if (strcmp(ref->tag, "latest") == 0 && pi->deny_latest) {
		rule_result_add(r, RULE_FAIL, "%s uses the mutable tag "
		    "\"latest\"", who(sj));
		return;
	}
	for (i = 0; i < pi->n_allowed_tags && !matched; i++) {
		m = match_regex(pi->allowed_tags[i], ref->tag,
		    strlen(ref->tag), err, sizeof(err));
		if (m == MATCH_ERROR) {
			rule_result_add(r, RULE_ERROR, "%s: cannot check tag: "
			    "%s", who(sj), err);
			return;
		}
		matched = m == MATCH_YES;
	}
	if (pi->n_allowed_tags > 0 && !matched) {
		rule_result_add(r, RULE_FAIL, "%s: tag \"%s\" is not a release "
		    "tag", who(sj), rule_quote(tag, sizeof(tag), ref->tag));
		return;
	}
	if ((pat = denied_tag(pi, ref->tag)) != NULL)
		rule_result_add(r, RULE_FAIL, "%s: tag \"%s\" is a moving name "
		    "(deniedTags \"%s\")", who(sj), rule_quote(tag, sizeof(tag),
		    ref->tag), rule_quote(q, sizeof(q), pat));
}

static void
check_image(const struct rule_image *pi, const char *cname,
    const char *image, struct rule_result *r)
{
	struct image_ref	ref;
	struct subject		sj;
	char			err[128], qd[RULE_QUOTE_MAX + 4];
	char			full[IMAGE_REF_MAX + 64];

	sj.cname = cname;
	sj.image = image;
	sj.who[0] = '\0';
	if (rule_glob_any(&pi->exempt_images, image))
		return;
	if (image_parse(image, &ref, err, sizeof(err)) == -1) {
		rule_result_add(r, RULE_FAIL, "%s is not a valid reference: %s",
		    who(&sj), err);
		return;
	}
	if (pi->exempt_images.n > 0) {
		image_format(&ref, full, sizeof(full));
		if (rule_glob_any(&pi->exempt_images, full))
			return;
	}
	if (pi->allowed_registries.n > 0 &&
	    !rule_glob_any(&pi->allowed_registries, ref.domain))
		rule_result_add(r, RULE_FAIL, "%s: registry \"%s\" is not "
		    "allowed", who(&sj), rule_quote(qd, sizeof(qd), ref.domain));
	if (ref.digest[0] != '\0')
		return;
	if (pi->require_digest) {
		rule_result_add(r, RULE_FAIL, "%s is not pinned by digest",
		    who(&sj));
		return;
	}
	check_tag(pi, &ref, &sj, r);
}

static void
check_list(const struct rule_image *pi, const cJSON *spec,
    const char *list, struct rule_result *r)
{
	const cJSON	*arr, *c, *name, *image;
	char		 q[RULE_QUOTE_MAX + 4];

	arr = cJSON_GetObjectItemCaseSensitive(spec, list);
	if (arr == NULL || cJSON_IsNull(arr))
		return;
	if (!cJSON_IsArray(arr)) {
		rule_result_add(r, RULE_ERROR, "pod spec %s is not a list",
		    list);
		return;
	}
	cJSON_ArrayForEach(c, arr) {
		name = cJSON_GetObjectItemCaseSensitive(c, "name");
		image = cJSON_GetObjectItemCaseSensitive(c, "image");
		if (!cJSON_IsString(image)) {
			rule_result_add(r, RULE_ERROR, "%s entry \"%s\" has no "
			    "image", list, rule_quote(q, sizeof(q),
			    cJSON_IsString(name) ? name->valuestring : "?"));
			continue;
		}
		rule_result_subject(r, image->valuestring);
		check_image(pi, cJSON_IsString(name) ? name->valuestring : "",
		    image->valuestring, r);
		rule_result_subject(r, NULL);
	}
}

static void
image_eval(const struct policy *p, const struct review *rv,
    struct rule_result *r)
{
	const cJSON	*spec = NULL;
	char		 err[160];
	size_t		 i;
	int		 rc;

	rule_result_init(r);
	if (rv->op == KUBE_OP_DELETE || (rv->subresource[0] != '\0' &&
	    strcmp(rv->subresource, "ephemeralcontainers") != 0))
		return;
	if (rv->object == NULL) {
		rule_result_add(r, RULE_ERROR, "request carries no object");
		return;
	}
	rc = rule_podspec(rv->object, review_target_kind(rv), &spec, err,
	    sizeof(err));
	if (rc == 1)
		return;
	if (rc == -1) {
		rule_result_add(r, RULE_ERROR, "%s", err);
		return;
	}
	for (i = 0; i < sizeof(container_lists) / sizeof(*container_lists);
	    i++)
		check_list(RULE_IMAGE(p), spec, container_lists[i], r);
}

/* The spec: allowedTags, regexes any of which a tag must match. */
static void
f_allowed_tags(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	struct rule_image	*img = dst;

	policy_schema_regexes(w, n, path, 1, &img->allowed_tags,
	    &img->n_allowed_tags);
}

/*
 * deniedTags' entries are globs over a tag: a tag's bytes ([A-Za-z0-9_.-],
 * at most 128) and '*' or '?'. Anything else could never match: a typo.
 */
static void
check_tag_glob(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, const char *s)
{
	size_t	len = strlen(s), bad;

	if (len == 0 || len > IMAGE_TAG_MAX) {
		SCHEMA_ERR(w, n, path, "a tag glob has 1 to %d bytes",
		    IMAGE_TAG_MAX);
		return;
	}
	bad = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.-*?");
	if (bad < len)
		SCHEMA_ERR(w, n, path, "'%c' cannot be in a tag (letters, "
		    "digits, '_', '.', '-'; globs '*' and '?')", s[bad]);
}

static void
f_denied_tags(struct policy_schema_walk *w, yaml_node_t *n,
    const char *path, void *dst)
{
	policy_schema_strings(w, n, path, dst, 1, check_tag_glob);
}

static const struct policy_schema_key image_keys[] = {
	{ "denyLatest", policy_schema_bool,
	    offsetof(struct rule_image, deny_latest), 0 },
	{ "requireTag", policy_schema_bool,
	    offsetof(struct rule_image, require_tag), 0 },
	{ "requireDigest", policy_schema_bool,
	    offsetof(struct rule_image, require_digest), 0 },
	{ "allowedTags", f_allowed_tags, 0, 0 },
	{ "deniedTags", f_denied_tags,
	    offsetof(struct rule_image, denied_tags), 0 },
	{ "deniedTagsIgnoreCase", policy_schema_bool,
	    offsetof(struct rule_image, denied_tags_nocase), 0 },
	{ "allowedRegistries", policy_schema_globs,
	    offsetof(struct rule_image, allowed_registries), 0 },
	{ "exemptImages", policy_schema_globs,
	    offsetof(struct rule_image, exempt_images), 0 },
	{ NULL, NULL, 0, 0 }
};

static void
image_init(void *params)
{
	struct rule_image	*img = params;

	img->deny_latest = 1;
	img->require_tag = 1;
}

static void
image_free(void *params)
{
	struct rule_image	*img = params;

	match_regex_list_free(img->allowed_tags, img->n_allowed_tags);
	strlist_free(&img->denied_tags);
	strlist_free(&img->allowed_registries);
	strlist_free(&img->exempt_images);
}

/* kubectl debug adds containers through pods/ephemeralcontainers. */
static const char *const image_subresources[] = { "",
	"ephemeralcontainers", NULL };

const struct policy_kind rule_image_kind = {
	.name = "ImagePolicy",
	.rule = "image",
	.params_size = sizeof(struct rule_image),
	.keys = image_keys,
	.default_ops = KUBE_OP_CREATE | KUBE_OP_UPDATE,
	.default_subresources = image_subresources,
	.podspec_only = 1,
	.init = image_init,
	.eval = image_eval,
	.free = image_free,
	.identity = NULL,
	.subjects = 1,
};
