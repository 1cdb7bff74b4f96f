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

/* A marker is present when all its labels and annotations are. */
struct rule_source_marker {
	char			*name;
	struct rule_source_key	*labels;
	size_t			 n_labels;
	struct rule_source_key	*annotations;
	size_t			 n_annotations;
};

struct rule_source {
	struct rule_source_marker	*markers;	/* any of */
	size_t				 n_markers;
};

extern const struct policy_kind rule_source_kind;	/* SourcePolicy */

/* p's parameters; p must be of rule_source_kind. */
#define RULE_SOURCE(p)	((struct rule_source *)(p)->params)

#endif
