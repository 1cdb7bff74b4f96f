/*
 * rule.h - the contract of a rule (struct policy_kind's eval) and the
 * helpers the rules share. A rule looks at one review under one policy and says
 * pass, warn (allowed, and said so), fail (with findings a person can read)
 * or error (cannot decide).
 * Rules are pure: no I/O, no global state, no knowledge of modes.
 */
#ifndef GITGATE_RULE_H
#define GITGATE_RULE_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "policy/policy.h"
#include "wire/review.h"

#define RULE_FINDINGS_MAX	8	/* kept per policy; more are counted */
#define RULE_TEXT_MAX		256	/* one finding, bytes */
#define RULE_QUOTE_MAX		72	/* user-controlled text shown, bytes */

enum rule_verdict {
	RULE_PASS = 0,
	RULE_WARN,	/* allowed, but a person must hear of it (any mode) */
	RULE_FAIL,	/* the request breaks the policy */
	RULE_ERROR	/* cannot decide: the caller must fail closed */
};

struct rule_result {
	enum rule_verdict	verdict;	/* worst of the findings */
	size_t			n;
	size_t			more;		/* findings not stored */
	int			break_glass;	/* allowed only by breakGlass */
	enum rule_verdict	kind[RULE_FINDINGS_MAX];
	char			text[RULE_FINDINGS_MAX][RULE_TEXT_MAX];
	/*
	 * What each finding is about, for a PolicyException's match.images:
	 * the image as written (borrowed from the review), or NULL. Set by
	 * rules whose kind has subjects (the image rule).
	 */
	const char		*subject[RULE_FINDINGS_MAX];
	const char		*cur_subject;	/* rule_result_subject() */
};

/* rule_util.c */

/* Zero a result (verdict RULE_PASS). */
void	rule_result_init(struct rule_result *r);
/*
 * The subject of the findings added from now on (borrowed: it must live
 * as long as the review), or NULL for none.
 */
void	rule_result_subject(struct rule_result *r, const char *subject);
/* Record one finding; v is RULE_WARN, RULE_FAIL or RULE_ERROR. */
void	rule_result_add(struct rule_result *r, enum rule_verdict v,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Copy s into dst for display inside double quotes: at most
 * RULE_QUOTE_MAX bytes of it, '"' and '\\' and control bytes replaced by
 * '?', "..." appended when cut (never inside a UTF-8 sequence). Returns dst.
 */
const char *rule_quote(char *dst, size_t dstlen, const char *s);

/* "Deployment default/web" (or "Deployment web", "Deployment (new)"). */
const char *rule_describe(const struct review *rv, char *dst,
	    size_t dstlen);

/* 1 if a glob of list matches s. */
int	rule_glob_any(const struct strlist *list, const char *s);

/*
 * 1 if rv's writer is one of these (globs): its username matches users,
 * one of its groups matches groups, or its service account ("NS:NAME" of
 * "system:serviceaccount:NS:NAME") matches service_accounts. ActorPolicy's
 * allow and a SourcePolicy marker's actors mean exactly this.
 */
int	rule_writer_matches(const struct strlist *users,
	    const struct strlist *groups, const struct strlist *service_accounts,
	    const struct review *rv);

/* 1 if metadata.ownerReferences has an entry with controller: true. */
int	rule_has_controller_owner(const cJSON *obj);

/* obj's metadata.labels[key] if it is a string, else NULL. Borrowed. */
const char *rule_label(const cJSON *obj, const char *key);

/*
 * Find the pod spec of obj, a kind workload: sets *spec and returns 0;
 * returns 1 when kind has no pod spec (not a workload); -1 with a reason
 * in err when the object is malformed (spec missing or not an object).
 */
int	rule_podspec(const cJSON *obj, const char *kind, const cJSON **spec,
	    char *err, size_t errlen);

#endif
