/*
 * policy_params.h - the rule parameters that need more than a type check:
 * ImagePolicy allowedTags (regexes), SourcePolicy markers (qualified-name
 * keys with optional value regexes), ActorPolicy allow lists. Key
 * functions for policy_spec.c's tables; no document-level logic.
 */
#ifndef GITGATE_POLICY_PARAMS_H
#define GITGATE_POLICY_PARAMS_H

#include <stddef.h>

#include "policy/policy_schema.h"

/* dst: struct policy_image; fills allowed_tags / n_allowed_tags. */
void	policy_params_allowed_tags(struct policy_schema_walk *w,
	    yaml_node_t *node, const char *path, void *dst);
/* dst: struct policy_source; a non-empty list of markers. */
void	policy_params_markers(struct policy_schema_walk *w,
	    yaml_node_t *node, const char *path, void *dst);
/* dst: struct policy_actor; an error if it allows nobody. */
void	policy_params_allow(struct policy_schema_walk *w, yaml_node_t *node,
	    const char *path, void *dst);
/* 1 if s[0..len) is a DNS-1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?. */
int	policy_params_dns_label(const char *s, size_t len);

#endif
