/*
 * policy_spec.h - the gitgate policy format: one YAML document (apiVersion,
 * kind, metadata, spec) into a struct policy or the settings, every problem
 * of the document reported. Set-level checks (unique names, one Settings,
 * limits on the set) are policy_set.c's job.
 */
#ifndef GITGATE_POLICY_SPEC_H
#define GITGATE_POLICY_SPEC_H

#include <yaml.h>

#include "base/diag.h"
#include "policy/policy.h"

enum policy_doc_kind {
	POLICY_DOC_INVALID = 0,	/* errors were reported; nothing owned */
	POLICY_DOC_SETTINGS,	/* settings is filled; caller owns it */
	POLICY_DOC_POLICY,	/* policy is filled; caller owns it */
	POLICY_DOC_EXCEPTION	/* exception is filled; caller owns it */
};

struct policy_doc {
	enum policy_doc_kind	 kind;
	int			 is_settings;	/* kind Settings, even if bad */
	int			 is_exception;	/* kind PolicyException */
	int			 kind_line, kind_col;
	char			 name[POLICY_NAME_MAX + 1];	/* or "" */
	int			 name_line, name_col;
	struct policy		 policy;
	struct policy_settings	 settings;
	struct policy_exception	 exception;
};

/*
 * Walk doc (of file, for messages) into *out, which is zeroed first.
 * Errors and warnings go to d as "file:line:col: path: message".
 * Returns 0 when the document is valid (out->kind says which half is
 * filled; the caller owns it and frees it with policy_free(),
 * policy_settings_free() or policy_exception_free()), -1 otherwise: nothing
 * is owned, but name and is_settings are set when they were readable, so
 * the caller can still check uniqueness.
 */
/*
 * Check one match.kinds entry (Kind, GROUP/Kind, GROUP/ and a star, or a
 * star), as policy_schema_strings' check: an error at n when malformed.
 */
struct policy_schema_walk;
void	policy_spec_check_kind(struct policy_schema_walk *w, yaml_node_t *n,
	    const char *path, const char *s);

int	policy_spec_doc(yaml_document_t *doc, const char *file,
	    const struct policy_kind *const *kinds, struct diag *d,
	    struct policy_doc *out);

#endif
