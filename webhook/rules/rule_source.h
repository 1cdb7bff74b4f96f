/*
 * rule_source.h - the source rule's parameters (SourcePolicy spec: the
 * markers) and its kind, for rules.c's table and the unit tests that
 * build one by hand.
 */
#ifndef GITGATE_RULE_SOURCE_H
#define GITGATE_RULE_SOURCE_H

#include "rules/rule.h"

struct rule_source_key {
	char			*key;
	struct match_regex	*value;		/* NULL: any value, non-empty */
};

/* Who a marker counts for: globs, as an ActorPolicy's allow. */
struct rule_source_actors {
	struct strlist	users;			/* on userInfo.username */
	struct strlist	groups;			/* on each userInfo.groups[] */
	struct strlist	service_accounts;	/* on "NS:NAME" */
};

/*
 * A marker is present when all its labels and annotations are, and, if
 * it has actors, the writer is one of them (else it is not even offered).
 */
struct rule_source_marker {
	char				*name;
	struct rule_source_key		*labels;
	size_t				 n_labels;
	struct rule_source_key		*annotations;
	size_t				 n_annotations;
	int				 has_actors;	/* 0: anyone */
	struct rule_source_actors	 actors;
};

struct rule_source {
	struct rule_source_marker	*markers;	/* any of */
	size_t				 n_markers;
};

extern const struct policy_kind rule_source_kind;	/* SourcePolicy */

/*
 * MATCH_YES if obj carries every label and annotation of mk (values
 * matching); MATCH_NO; MATCH_ERROR with err (a value pattern could not
 * decide). The marker's actors are not asked: this is "is the object
 * owned", for match.managedBy and the rule alike.
 */
enum match_result rule_source_marker_present(
	    const struct rule_source_marker *mk, const cJSON *obj, char *err,
	    size_t errlen);

/* p's parameters; p must be of rule_source_kind. */
#define RULE_SOURCE(p)	((struct rule_source *)(p)->params)

#endif
