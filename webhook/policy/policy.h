/*
 * policy.h - the policy set: every policy file of a directory, parsed with
 * libyaml, checked against the schema, regexes compiled, then frozen.
 * A loaded set is immutable and shared between threads by reference count;
 * a reload builds a new one (see policy_store.h), it never edits one.
 */
#ifndef GITGATE_POLICY_H
#define GITGATE_POLICY_H

#include <stdatomic.h>
#include <stddef.h>

#include "base/diag.h"
#include "base/match.h"

#define POLICY_API_VERSION	"gitgate.io/v1alpha1"
#define POLICY_FILE_MAX		(1024 * 1024)	/* bytes per policy file */
#define POLICY_FILES_MAX	256		/* files per directory */
#define POLICY_MAX		512		/* policies per set */
#define POLICY_LIST_MAX		1024		/* entries per list */
#define POLICY_NAME_MAX		63		/* metadata.name, DNS label */

enum policy_mode {
	POLICY_ENFORCE = 0,
	POLICY_AUDIT
};

enum policy_rule {
	POLICY_RULE_IMAGE = 0,	/* kind: ImagePolicy */
	POLICY_RULE_SOURCE,	/* kind: SourcePolicy */
	POLICY_RULE_ACTOR	/* kind: ActorPolicy */
};

struct strlist {
	char	**v;
	size_t	  n;
};

/* Which requests a policy looks at. Empty lists mean "all". */
struct policy_match {
	struct strlist	kinds;		/* "Deployment"; default: workloads */
	struct strlist	ns_include;	/* globs; empty = every namespace */
	struct strlist	ns_exclude;	/* globs */
	unsigned	ops;		/* KUBE_OP_* bits */
	struct strlist	subresources;	/* "" = the main resource, "scale" */
};

struct policy_image {
	int			  deny_latest;		/* default 1 */
	int			  require_tag;		/* default 1 */
	int			  require_digest;	/* default 0 */
	struct match_regex	**allowed_tags;		/* any of; none = any */
	size_t			  n_allowed_tags;
	struct strlist		  allowed_registries;	/* globs on domain */
	struct strlist		  exempt_images;	/* globs on full name */
};

struct policy_source_key {
	char			*key;
	struct match_regex	*value;		/* NULL: any value, non-empty */
};

/* A marker is present when all its labels and annotations are. */
struct policy_source_marker {
	char				*name;
	struct policy_source_key	*labels;
	size_t				 n_labels;
	struct policy_source_key	*annotations;
	size_t				 n_annotations;
};

struct policy_source {
	struct policy_source_marker	*markers;	/* any of */
	size_t				 n_markers;
};

/*
 * Identities allowed to write; everything is a glob. With
 * require_bound_token, a service-account username is allowed only when
 * userInfo.extra shows a bound token (not an impersonation): see
 * rule_actor.c.
 */
struct policy_actor {
	struct strlist	users;			/* on userInfo.username */
	struct strlist	groups;			/* on each userInfo.groups[] */
	struct strlist	service_accounts;	/* on "NS:NAME" */
	int		require_bound_token;	/* default 0 */
};

struct policy {
	char			*name;		/* metadata.name */
	char			*file;		/* as given to the loader */
	int			 line;		/* of the document */
	enum policy_mode	 mode;		/* as written; see eval */
	enum policy_rule	 rule;
	char			*hint;		/* spec.message, may be NULL */
	struct policy_match	 match;
	union {
		struct policy_image	image;
		struct policy_source	source;
		struct policy_actor	actor;
	} u;
};

/* kind: Settings (at most one per set). */
struct policy_settings {
	struct strlist	exempt_namespaces;	/* globs */
	struct strlist	exempt_users;		/* globs, skip every policy */
	struct strlist	exempt_groups;		/* globs */
};

struct policy_set {
	atomic_long		 refs;
	unsigned long		 generation;	/* set by policy_store */
	char			 sha256[65];	/* of file names + contents */
	size_t			 n_files;
	struct policy_settings	 settings;
	struct policy		*policies;	/* in file-name, then file order */
	size_t			 n_policies;
};

/*
 * Load every *.yaml / *.yml file directly in dir (names starting with '.'
 * are skipped, as are kubelet's "..data" entries; symlinks are followed).
 * Every problem goes into d as "file:line:col: message"; warnings (e.g. a
 * regex that backtracks catastrophically) do not fail the load.
 * Returns a set with refs = 1, or NULL if d holds any error.
 */
struct policy_set *policy_set_load(const char *dir, struct diag *d);

/* Same, from one buffer; name is used in diagnostics. For tests/fuzzing. */
struct policy_set *policy_set_load_buffer(const char *name, const char *buf,
	    size_t len, struct diag *d);

/* Take / drop a reference. The last unref frees. unref(NULL) is a no-op. */
struct policy_set *policy_set_ref(struct policy_set *set);
void	policy_set_unref(struct policy_set *set);

/*
 * The identity `gitgate check` acts as by default: the first service
 * account (as "system:serviceaccount:NS:NAME") or user without glob
 * characters of the first ActorPolicy. NULL if there is none. Borrowed.
 */
const char *policy_set_default_user(const struct policy_set *set,
	    char *buf, size_t buflen);

const char *policy_mode_name(enum policy_mode mode);	/* "enforce" */
const char *policy_rule_name(enum policy_rule rule);	/* "image" */

#endif
