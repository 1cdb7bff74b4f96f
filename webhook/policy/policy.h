/*
 * policy.h - the policy model: a policy (name, mode, match, the rule's
 * parameters), the kinds of policy, the settings, and the set they form.
 * A loaded set (policy_set.h) is immutable and shared between threads by
 * reference count; a reload builds a new one (policy_store.h), it never
 * edits one.
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
#define POLICY_EXCEPTIONS_MAX	64		/* PolicyExceptions per set */
#define POLICY_EXCEPTION_POLICIES_MAX 16	/* policies one lifts */
#define POLICY_EXCEPTION_DAYS_MAX 366		/* furthest expiry, lint */
#define POLICY_EXCEPTION_WARN_DAYS 14		/* lint, serve: expiring */
#define POLICY_TICKET_MAX	64		/* spec.ticket, bytes */
#define POLICY_REASON_MAX	256		/* spec.reason, bytes */

enum policy_mode {
	POLICY_ENFORCE = 0,
	POLICY_AUDIT
};

struct strlist {
	char	**v;
	size_t	  n;
};

/*
 * A name in match.managedBy: a marker some policy of the set defines
 * (a SourcePolicy's markers[].name), resolved by policy_set at load.
 */
struct policy_marker_ref {
	char		*name;
	int		 line;		/* of the entry, for errors */
	int		 col;
	const void	*marker;	/* the kind's marker(): opaque here */
};

/* Which requests a policy looks at. Empty lists mean "all". */
struct policy_match {
	/*
	 * "Deployment" (any group), "networking.k8s.io/Ingress",
	 * "core/Service" (the core group), "GROUP/" and a star, or a star;
	 * default: the workload kinds.
	 */
	struct strlist	kinds;
	struct strlist	ns_include;	/* globs; empty = every namespace */
	struct strlist	ns_exclude;	/* globs */
	unsigned	ops;		/* KUBE_OP_* bits */
	struct strlist	subresources;	/* "" = the main resource, "scale" */
	/* Any of: the new or old object carries it; none = every object. */
	struct policy_marker_ref *managed_by;
	size_t		 n_managed_by;
};

struct policy;
struct policy_set;
struct policy_schema_key;	/* policy_schema.h */
struct review;			/* wire/review.h */
struct rule_result;		/* rules/rule.h: a folder above this one */

/*
 * A kind of policy document and the rule behind it, as OpenSMTPD's
 * struct table_backend: each rules/rule_X.c defines one, rules/rules.c
 * lists them, and the loader takes that list as an argument. Nothing in
 * policy/ knows a rule by name.
 */
struct policy_kind {
	const char	*name;		/* the document's kind: "ImagePolicy" */
	const char	*rule;		/* in logs and metrics: "image" */
	size_t		 params_size;	/* the rule's parameters, p->params */
	/* spec keys besides mode, message and match; NULL-name ends */
	const struct policy_schema_key *keys;
	unsigned	 default_ops;	/* KUBE_OP_* when match has none */
	const char *const *default_subresources;	/* NULL-terminated */
	/* match.kinds when a policy has none; NULL: the workload kinds */
	const char *const *default_kinds;
	int		 podspec_only;	/* warn on kinds without pod specs */
	/* Defaults into zeroed params before the spec is walked; or NULL. */
	void		(*init)(void *params);
	/* Judge one review: see rules/rule.h. Pure. */
	void		(*eval)(const struct policy *p, const struct review *rv,
			    struct rule_result *out);
	/* Free what params own, not params itself. NULL-safe. */
	void		(*free)(void *params);
	/*
	 * The identity `gitgate check` acts as ("system:serviceaccount:..."
	 * or a user) into buf, or NULL when the policy names none; or NULL.
	 */
	const char	*(*identity)(const struct policy *p, char *buf,
			    size_t buflen);
	/*
	 * 1 if the rule names the image each finding is about (struct
	 * rule_result's subject), so a PolicyException may lift findings
	 * by image.
	 */
	int		 subjects;
	/*
	 * The marker named name that p defines, for match.managedBy; NULL
	 * if none. Opaque here: admission/eval.c asks rules/rule_source.h
	 * whether an object carries it. Or NULL: the kind has no markers.
	 */
	const void	*(*marker)(const struct policy *p, const char *name);
	/*
	 * Once the whole set is loaded: resolve what p names in other
	 * policies of set (an ActorPolicy's allow.from), reporting into d;
	 * 0, or -1 after an error. Or NULL: nothing to resolve.
	 */
	int		 (*link)(struct policy *p, const struct policy_set *set,
			    struct diag *d);
};

struct policy {
	char			*name;		/* metadata.name */
	char			*file;		/* as given to the loader */
	int			 line;		/* of the document */
	enum policy_mode	 mode;		/* as written; see eval */
	const struct policy_kind *kind;		/* borrowed: static tables */
	char			*hint;		/* spec.message, may be NULL */
	struct policy_match	 match;
	void			*params;	/* kind->params_size bytes */
};

/* kind: Settings (at most one per set). */
struct policy_settings {
	struct strlist	exempt_namespaces;	/* globs */
	struct strlist	exempt_users;		/* globs, skip every policy */
	struct strlist	exempt_groups;		/* globs */
};

/*
 * kind: PolicyException. Not a rule: it names policies of the set whose
 * findings it lifts on matching requests until it expires (eval.c).
 */
struct policy_exception {
	char			*name;		/* metadata.name */
	char			*file;		/* as given to the loader */
	int			 line;		/* of the document */
	struct strlist		 policies;	/* names, as written */
	int			*policy_line;	/* of each name, for errors */
	int			*policy_col;
	const struct policy	*lifts[POLICY_EXCEPTION_POLICIES_MAX];
	size_t			 n_lifts;	/* resolved at load's end */
	struct strlist		 namespaces;	/* globs; empty = any */
	struct strlist		 kinds;		/* globs; empty = any */
	struct strlist		 names;		/* globs; empty = any */
	struct strlist		 images;	/* globs; empty: any finding */
	int			 images_line, images_col;
	char			*reason;
	char			*ticket;
	char			*expires_text;	/* as written: "2027-01-31" */
	long long		 expires;	/* Unix time it stops holding */
	int			 expires_line, expires_col;	/* for lint */
};

struct policy_set {
	atomic_long		 refs;
	unsigned long		 generation;	/* set by policy_store */
	char			 sha256[65];	/* of file names + contents */
	size_t			 n_files;
	struct policy_settings	 settings;
	struct policy		*policies;	/* in file-name, then file order */
	size_t			 n_policies;
	struct policy_exception	*exceptions;	/* same order */
	size_t			 n_exceptions;	/* <= POLICY_EXCEPTIONS_MAX */
};

/* Take / drop a reference. The last unref frees. unref(NULL) is a no-op. */
struct policy_set *policy_set_ref(struct policy_set *set);
void	policy_set_unref(struct policy_set *set);

/*
 * The identity `gitgate check` acts as by default: what the first policy
 * whose kind names identities (an ActorPolicy: its first service account,
 * as "system:serviceaccount:NS:NAME", or user without glob characters)
 * gives. NULL if there is none or it does not fit buf.
 */
const char *policy_set_default_user(const struct policy_set *set,
	    char *buf, size_t buflen);

/* Free what a policy / settings / list owns, not the struct. NULL-safe. */
void	policy_free(struct policy *p);
void	policy_settings_free(struct policy_settings *s);
void	policy_exception_free(struct policy_exception *e);
void	strlist_free(struct strlist *l);

const char *policy_mode_name(enum policy_mode mode);	/* "enforce" */
/* The rule of p's kind, "image"; "unknown" for a policy without one. */
const char *policy_rule_name(const struct policy *p);

#endif
