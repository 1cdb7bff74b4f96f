/*
 * eval.c - run every matching policy's rule on a review and fold the rule
 * results into one decision. Exempt namespaces and actors skip everything;
 * an enforce policy that fails or cannot decide denies, but for findings
 * an active PolicyException lifts; an audit policy, and a rule's warning
 * in any mode, only ever add findings.
 */
#include "admission/eval.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/image.h"
#include "base/kube.h"
#include "base/match.h"
#include "policy/policy_exception.h"
#include "rules/rule_source.h"

static int
list_has(const struct strlist *l, const char *s)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

/* 1 if res is Kubernetes' default plural of kind: lowercase, -s/-es/-ies. */
static int
plural_of(const char *kind, const char *res)
{
	size_t	i, n = strlen(kind);

	for (i = 0; i < n && res[i] != '\0'; i++)
		if (tolower((unsigned char)kind[i]) != res[i])
			break;
	if (i == n)
		return strcmp(res + i, "s") == 0 || strcmp(res + i, "es") == 0;
	return i + 1 == n && kind[i] == 'y' && strcmp(res + i, "ies") == 0;
}

/*
 * One match.kinds entry (policy.h) against rv's target. A subresource of
 * a resource gitgate does not know names no parent kind (request.kind is
 * Scale for its /scale): an entry whose default plural is the resource
 * matches then, and so does a GROUP/Kind entry for any /scale in GROUP
 * (an irregular plural cannot be told apart), so that such a request is
 * judged rather than skipped.
 */
static int
kind_entry(const char *e, const struct review *rv, const char *kind,
    const char *group, int known)
{
	const char	*slash = strchr(e, '/'), *k = e;
	size_t		 glen;

	if (slash != NULL) {
		glen = (size_t)(slash - e);
		k = slash + 1;
		if (glen == 4 && memcmp(e, "core", 4) == 0) {
			if (group[0] != '\0')
				return 0;
		} else if (strlen(group) != glen || memcmp(e, group, glen) != 0)
			return 0;
	}
	if ((k[0] == '*' && k[1] == '\0') || strcmp(k, kind) == 0)
		return 1;
	return !known && (plural_of(k, rv->resource) || (slash != NULL &&
	    strcmp(rv->subresource, "scale") == 0));
}

static int
kinds_match(const struct strlist *l, const struct review *rv)
{
	const char	*kind = review_target_kind(rv);
	const char	*group = review_target_group(rv);
	int		 known = review_target_known(rv);
	size_t		 i;

	for (i = 0; i < l->n; i++)
		if (kind_entry(l->v[i], rv, kind, group, known))
			return 1;
	return 0;
}

/*
 * 1 if obj carries one of m's markers, or a pattern cannot decide, or a
 * name was never resolved (only a hand-built policy: the loader refuses).
 * An object with a controller ownerReference belongs to that controller
 * (KEDA's HPA, Flagger's -primary Service), whatever labels it copied
 * from the object the reconciler applied: never managed. Neither Flux nor
 * Argo CD sets one on what it applies.
 */
static int
carries(const struct policy_match *m, const cJSON *obj)
{
	char	err[128];
	size_t	i;

	if (obj == NULL || rule_has_controller_owner(obj))
		return 0;
	for (i = 0; i < m->n_managed_by; i++)
		if (m->managed_by[i].marker == NULL ||	/* unresolved: applies */
		    rule_source_marker_present(m->managed_by[i].marker, obj,
		    err, sizeof(err)) != MATCH_NO)
			return 1;
	return 0;
}

/*
 * 1 if rv's object is a view of the target rather than the target: a
 * subresource whose request.kind is another kind (autoscaling/v1 Scale
 * for /scale, which keeps name and uid but no labels or annotations).
 */
static int
object_is_view(const struct review *rv)
{
	return rv->subresource[0] != '\0' &&
	    (strcmp(rv->group, rv->resource_group) != 0 ||
	    strcmp(rv->kind, review_target_kind(rv)) != 0);
}

/*
 * managedBy: the new object (not on DELETE) or the old one carries a
 * marker. oldObject is decoded only when the new object does not settle
 * it; one that cannot be decoded, or a view that has no markers to read
 * (`kubectl scale`), counts as managed (fail closed).
 */
static int
managed(const struct policy_match *m, const struct review *rv)
{
	const cJSON	*old = NULL;
	char		 err[96];

	if (object_is_view(rv))
		return 1;
	if (rv->op != KUBE_OP_DELETE && carries(m, rv->object))
		return 1;
	if (rv->op == KUBE_OP_CREATE)
		return 0;
	if (review_old_object(rv, &old, err, sizeof(err)) == -1)
		return 1;
	return carries(m, old);
}

int
eval_policy_matches(const struct policy *p, const struct review *rv)
{
	const struct policy_match	*m = &p->match;

	if ((m->ops & rv->op) == 0)
		return 0;
	if (m->kinds.n > 0 && !kinds_match(&m->kinds, rv))
		return 0;
	if (m->subresources.n > 0 && !list_has(&m->subresources,
	    rv->subresource))
		return 0;
	if (m->ns_include.n > 0 && !rule_glob_any(&m->ns_include, rv->ns))
		return 0;
	if (rule_glob_any(&m->ns_exclude, rv->ns))
		return 0;
	return m->n_managed_by == 0 || managed(m, rv);
}

static const char *
exemption(const struct policy_settings *s, const struct review *rv)
{
	const cJSON	*g;

	if (rv->ns[0] != '\0' && rule_glob_any(&s->exempt_namespaces, rv->ns))
		return "namespace";
	if (rv->username[0] != '\0' && rule_glob_any(&s->exempt_users,
	    rv->username))
		return "user";
	cJSON_ArrayForEach(g, rv->groups) {
		if (cJSON_IsString(g) && rule_glob_any(&s->exempt_groups,
		    g->valuestring))
			return "group";
	}
	return NULL;
}

/* metadata.name: the request's name, else the object's (generateName). */
static const char *
request_name(const struct review *rv)
{
	const cJSON	*md, *n;

	if (rv->name[0] != '\0' || rv->object == NULL)
		return rv->name;
	md = cJSON_GetObjectItemCaseSensitive(rv->object, "metadata");
	n = cJSON_GetObjectItemCaseSensitive(md, "name");
	return cJSON_IsString(n) ? n->valuestring : "";
}

/* 1 if image (as written, or in its full form) matches a glob of l. */
static int
image_matches(const struct strlist *l, const char *image)
{
	struct image_ref	ref;
	char			err[64], full[IMAGE_REF_MAX + 64];

	if (image == NULL)
		return 0;
	if (rule_glob_any(l, image))
		return 1;
	if (image_parse(image, &ref, err, sizeof(err)) == -1)
		return 0;
	image_format(&ref, full, sizeof(full));
	return rule_glob_any(l, full);
}

/*
 * An exception's match.kinds: "GROUP/Kind" entries (core/ConfigMap, the
 * spelling of policies' match.kinds) as policies match them, the others
 * as globs on the kind.
 */
static int
exception_kinds(const struct strlist *l, const struct review *rv)
{
	const char	*kind = review_target_kind(rv);
	size_t		 i;

	for (i = 0; i < l->n; i++)
		if (strchr(l->v[i], '/') != NULL ? kind_entry(l->v[i], rv,
		    kind, review_target_group(rv), review_target_known(rv)) :
		    match_glob(l->v[i], kind))
			return 1;
	return 0;
}

static int
exception_lifts(const struct policy_exception *e, const struct policy *p)
{
	size_t	i;

	for (i = 0; i < e->n_lifts; i++)
		if (e->lifts[i] == p)
			return 1;
	return 0;
}

const struct policy_exception *
eval_exception(const struct policy_set *set, const struct policy *p,
    const struct review *rv, const char *subject, long long now)
{
	const struct policy_exception	*e;
	size_t				 i;

	for (i = 0; i < set->n_exceptions; i++) {
		e = &set->exceptions[i];
		if (!policy_exception_active(e, now) || !exception_lifts(e, p))
			continue;
		if (e->namespaces.n > 0 && !rule_glob_any(&e->namespaces,
		    rv->ns))
			continue;
		if (e->kinds.n > 0 && !exception_kinds(&e->kinds, rv))
			continue;
		if (e->names.n > 0 && !rule_glob_any(&e->names,
		    request_name(rv)))
			continue;
		if (e->images.n > 0 && !image_matches(&e->images, subject))
			continue;
		return e;
	}
	return NULL;
}

/*
 * The exception of each stored finding of r into lift[] (NULL: none),
 * and 1 if r still denies in enforce mode: a finding that is not a
 * warning and not lifted, or findings not stored that no whole-policy
 * exception covers (their subjects are unknown; an error among them,
 * never lifted, shows in r->verdict).
 */
static int
lift(const struct policy_set *set, const struct policy *p,
    const struct review *rv, long long now, const struct rule_result *r,
    const struct policy_exception **lifted)
{
	size_t	i;
	int	denies = 0;

	for (i = 0; i < r->n; i++) {
		lifted[i] = NULL;
		if (r->kind[i] == RULE_FAIL)
			lifted[i] = eval_exception(set, p, rv, r->subject[i],
			    now);
		if (r->kind[i] != RULE_WARN && lifted[i] == NULL)
			denies = 1;
	}
	/* subject NULL: only an exception without images answers */
	if (r->more > 0 && (r->verdict == RULE_ERROR ||
	    eval_exception(set, p, rv, NULL, now) == NULL))
		denies = 1;
	return denies;
}

/*
 * The slot for a lifted finding once d->v is full: the last finding that
 * neither denies nor was lifted (an audit or warning one, whose warning
 * is lost instead), so that a request an exception lets through always
 * names it (warning, annotation, log, counter). NULL if there is none.
 */
static struct eval_finding *
lift_slot(struct eval_decision *d)
{
	size_t	i;

	for (i = d->n; i-- > 0;)
		if (d->v[i].exception == NULL && (d->v[i].mode !=
		    POLICY_ENFORCE || d->v[i].verdict == RULE_WARN))
			return &d->v[i];
	return NULL;
}

static void
fold(struct eval_decision *d, const struct policy *p, enum policy_mode mode,
    const struct rule_result *r,
    const struct policy_exception *const *lifted)
{
	struct eval_finding	*f;
	size_t			 i;

	d->break_glass |= r->break_glass;
	for (i = 0; i < r->n; i++) {
		d->lifted += lifted[i] != NULL;
		if (d->n < EVAL_FINDINGS_MAX)
			f = &d->v[d->n++];
		else if (lifted[i] != NULL && (f = lift_slot(d)) != NULL)
			d->dropped++;	/* the finding it replaces */
		else {
			d->dropped++;
			continue;
		}
		f->policy = p;
		f->mode = mode;
		f->verdict = r->kind[i];
		f->exception = lifted[i];
		memcpy(f->text, r->text[i], sizeof(f->text));
	}
	d->dropped += r->more;
}

/*
 * A policy that denies only for findings it did not itemize (r->more: no
 * exception with images can lift those) gets one finding saying so, so
 * that the denial names it rather than reading " (and N more)".
 */
static void
fold_unlisted(struct eval_decision *d, const struct policy *p,
    enum policy_mode mode, const struct rule_result *r,
    const struct policy_exception *const *lifted)
{
	struct eval_finding	*f;
	size_t			 i;

	for (i = 0; i < r->n; i++)
		if (r->kind[i] != RULE_WARN && lifted[i] == NULL)
			return;
	if (r->more == 0 || d->n >= EVAL_FINDINGS_MAX)
		return;
	f = &d->v[d->n++];
	f->policy = p;
	f->mode = mode;
	f->verdict = r->verdict == RULE_ERROR ? RULE_ERROR : RULE_FAIL;
	f->exception = NULL;
	snprintf(f->text, sizeof(f->text), "%zu more finding(s) not "
	    "itemized, which no exception can lift", r->more);
	d->dropped -= r->more;
}

void
eval_review(const struct policy_set *set, const struct review *rv,
    int force_audit, long long now, struct eval_decision *d)
{
	static const struct policy_exception *const none[RULE_FINDINGS_MAX];
	const struct policy_exception	*lifted[RULE_FINDINGS_MAX];
	struct rule_result		 r;
	const struct policy		*p;
	enum policy_mode		 mode;
	size_t				 i;
	int				 denies;

	/* Not memset: v[] is ~9 KiB and only v[0..n) is ever read. */
	d->allowed = 1;
	d->exempt = NULL;
	d->n = d->dropped = d->policies_run = d->lifted = 0;
	d->break_glass = 0;
	if ((d->exempt = exemption(&set->settings, rv)) != NULL)
		return;
	for (i = 0; i < set->n_policies; i++) {
		p = &set->policies[i];
		if (!eval_policy_matches(p, rv))
			continue;
		d->policies_run++;
		p->kind->eval(p, rv, &r);
		if (r.verdict == RULE_PASS)
			continue;
		mode = force_audit ? POLICY_AUDIT : p->mode;
		if (set->n_exceptions == 0 || r.verdict == RULE_WARN) {
			denies = r.verdict != RULE_WARN;
			fold(d, p, mode, &r, none);
		} else {
			denies = lift(set, p, rv, now, &r, lifted);
			fold(d, p, mode, &r, lifted);
			if (denies)
				fold_unlisted(d, p, mode, &r, lifted);
		}
		if (mode == POLICY_ENFORCE && denies)
			d->allowed = 0;
	}
}
