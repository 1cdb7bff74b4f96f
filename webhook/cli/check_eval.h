/*
 * check_eval.h - how `gitgate check` judges one object: the identity it
 * writes as, the AdmissionReview of its CREATE, the decision (eval, as
 * serve) as a check_result. Internal to cli/.
 */
#ifndef GITGATE_CHECK_EVAL_H
#define GITGATE_CHECK_EVAL_H

#include <cjson/cJSON.h>

#include "admission/eval.h"
#include "admission/verdict.h"
#include "cli/check.h"

#define CHECK_GROUPS_MAX	32

struct check_identity {
	const char	*user;
	const char	*groups[CHECK_GROUPS_MAX + 3];
	size_t		 n_groups;
	const char	*flux_prefix;	/* "kustomize.toolkit.fluxcd.io" */
	const char	*flux_ns;	/* of the Kustomization/HelmRelease */
	const char	*flux_name;
	int		 live;		/* objects as they stand */
	long long	 now;		/* Unix time decided at (--now) */
};

/* Scratch space of one decision (~50 KiB: keep it off the stack). */
struct check_work {
	struct eval_decision	d;
	struct verdict		v;
	char			why[320];
};

struct check_opts {
	const char		*policies;
	enum check_format	 format;
	int			 help;		/* --help was printed */
	char			 user[320];	/* --user NS:NAME, expanded */
	const char		*now;		/* --now, or NULL */
};

/*
 * check's command line into *o and *id (optind: the first path). Returns
 * 0, or -1 after printing why (or the help: o->help set, exit 0).
 */
int	check_opts_parse(int argc, char **argv, struct check_opts *o,
	    struct check_identity *id);
/*
 * A --user value as the API server would see it: "NS:NAME" (the form the
 * policy files use) becomes system:serviceaccount:NS:NAME in buf. Other
 * names with a colon that are not system: identities are refused: -1
 * with the fix in err.
 */
int	check_user_parse(const char *in, char *buf, size_t len, char *err,
	    size_t errlen);

/* 1 for kinds that live outside namespaces (Namespace, ClusterRole...). */
int	check_kind_is_cluster_scoped(const char *kind);
/* The namespace of obj as the API server sees it; "" cluster-scoped. */
const char *check_namespace(const cJSON *obj);
/*
 * The AdmissionReview of creating obj as id (Flux's labels stamped into
 * obj when id says so). obj is referenced, not copied: delete the review
 * before obj. NULL when out of memory.
 */
cJSON	*check_review_new(const struct check_identity *id, cJSON *obj,
	    int seq);
/*
 * Decide rv under set into r (strings borrowed from set and w until the
 * next call with w). With id->live the actor rule does not count.
 */
void	check_decide(const struct check_identity *id,
	    const struct policy_set *set, const struct review *rv,
	    struct check_work *w, struct check_result *r);
/* 1 when the last decision in w has a missing-marker finding. */
int	check_has_source_finding(const struct check_work *w);

#endif
