/*
 * rule_image.h - the image rule's parameters (ImagePolicy spec) and its
 * kind, for rules.c's table and the unit tests that build one by hand.
 */
#ifndef GITGATE_RULE_IMAGE_H
#define GITGATE_RULE_IMAGE_H

#include "rules/rule.h"

struct rule_image {
	int			  deny_latest;		/* default 1 */
	int			  require_tag;		/* default 1 */
	int			  require_digest;	/* default 0 */
	struct match_regex	**allowed_tags;		/* any of; none = any */
	size_t			  n_allowed_tags;
	struct strlist		  denied_tags;		/* globs on the tag */
	int			  denied_tags_nocase;	/* default 0 */
	struct strlist		  allowed_registries;	/* globs on domain */
	struct strlist		  exempt_images;	/* globs on full name */
};

extern const struct policy_kind rule_image_kind;	/* kind: ImagePolicy */

/* p's parameters; p must be of rule_image_kind. */
#define RULE_IMAGE(p)	((struct rule_image *)(p)->params)

#endif
