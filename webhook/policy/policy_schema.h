/*
 * policy_schema.h - a declared-key schema walker over libyaml documents:
 * a table of keys (name, type function, offset, required) fills a struct
 * from a mapping, reporting unknown keys (with "did you mean"), duplicate
 * and missing keys, wrong types. Knows no policy kinds: policy_spec.c
 * walks documents with it, and each rule (rules/) declares its own spec
 * keys with it.
 */
#ifndef GITGATE_POLICY_SCHEMA_H
#define GITGATE_POLICY_SCHEMA_H

#include <stddef.h>
#include <yaml.h>

#include "base/diag.h"
#include "base/match.h"
#include "policy/policy.h"

#define POLICY_SCHEMA_PATH_LEN	256	/* "spec.markers[3].labels[0].value" */

struct policy_schema_walk {
	yaml_document_t			*doc;
	const char			*file;
	struct diag			*d;
	const struct policy_kind	*kind;	/* of the document, or NULL */
	const char			*key_kind;	/* a rule's own context */
};

/* An error at node: the one spelling of policy_schema_msg(DIAG_ERROR). */
#define SCHEMA_ERR(w, n, path, ...)					\
	policy_schema_msg((w), DIAG_ERROR, (n), (path), __VA_ARGS__)

/* Check node (at path) and store into dst; report every problem. */
typedef void (*policy_schema_fn)(struct policy_schema_walk *, yaml_node_t *,
    const char *, void *);

struct policy_schema_key {
	const char		*name;
	policy_schema_fn	 fn;
	size_t			 off;	/* into the struct being filled */
	int			 required;
};

/* "file:line:col: path: message" at node (node NULL: no position). */
void	policy_schema_msg(struct policy_schema_walk *w, enum diag_level level,
	    const yaml_node_t *node, const char *path, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* "a list", "a mapping", "null", "a boolean", "a number", "a string". */
const char *policy_schema_desc(const yaml_node_t *node);
/* buf (POLICY_SCHEMA_PATH_LEN) = path.key / path[i]. */
void	policy_schema_path(char *buf, const char *path, const char *key);
void	policy_schema_path_index(char *buf, const char *path, size_t i);

/*
 * Check node against keys (NULL-name terminated, at most 32) and call each
 * key's function with base + off. Keeps going after errors.
 */
void	policy_schema_map(struct policy_schema_walk *w, yaml_node_t *node,
	    const char *path, const struct policy_schema_key *keys,
	    void *base);

/* Keys that fill one struct, for a mapping that fills several. */
struct policy_schema_keyset {
	const struct policy_schema_key	*keys;
	void				*base;
};
/*
 * Same over the keys of every set (at most 64 keys in all; a name in two
 * sets counts in the first): a policy's spec fills struct policy (mode,
 * message, match) and its rule's parameters from one mapping.
 */
void	policy_schema_map_sets(struct policy_schema_walk *w,
	    yaml_node_t *node, const char *path,
	    const struct policy_schema_keyset *sets, size_t n_sets);

/*
 * The text of a string scalar: quoted, or plain and not null, a boolean or
 * a number (as Kubernetes' strict decoding would), NULL after an error.
 */
const char *policy_schema_get_string(struct policy_schema_walk *w,
	    yaml_node_t *node, const char *path);
/* Entry count of a list (<= POLICY_LIST_MAX), -1 after an error. */
long	policy_schema_list(struct policy_schema_walk *w, yaml_node_t *node,
	    const char *path, int allow_empty);
yaml_node_t *policy_schema_item(struct policy_schema_walk *w,
	    yaml_node_t *list, long i);
/*
 * A list of strings into out (caller frees its entries); check, if not
 * NULL, validates each item and reports its own error.
 */
void	policy_schema_strings(struct policy_schema_walk *w, yaml_node_t *node,
	    const char *path, struct strlist *out, int allow_empty,
	    void (*check)(struct policy_schema_walk *, yaml_node_t *,
	    const char *, const char *));
/*
 * Compile a regex node (length limit, compile error at its offset,
 * warning if pathological). NULL after an error; caller frees.
 */
struct match_regex *policy_schema_compile(struct policy_schema_walk *w,
	    yaml_node_t *node, const char *path);
/*
 * A list of regexes (an empty one only if allow_empty) into *out, a
 * calloc'd array holding the *n_out that compiled; each error reported.
 * The caller frees with match_regex_list_free(*out, *n_out).
 */
void	policy_schema_regexes(struct policy_schema_walk *w, yaml_node_t *node,
	    const char *path, int allow_empty, struct match_regex ***out,
	    size_t *n_out);

/*
 * Key functions for tables; dst points to: yaml_node_t * (node, stored as
 * is), nothing (any_map: a mapping or null, ignored), char * (string),
 * int (bool: plain true/false only), struct strlist (non-empty globs),
 * struct match_regex * (regex).
 */
void	policy_schema_node(struct policy_schema_walk *, yaml_node_t *,
	    const char *, void *);
void	policy_schema_any_map(struct policy_schema_walk *, yaml_node_t *,
	    const char *, void *);
void	policy_schema_string(struct policy_schema_walk *, yaml_node_t *,
	    const char *, void *);
void	policy_schema_bool(struct policy_schema_walk *, yaml_node_t *,
	    const char *, void *);
void	policy_schema_globs(struct policy_schema_walk *, yaml_node_t *,
	    const char *, void *);
void	policy_schema_regex(struct policy_schema_walk *, yaml_node_t *,
	    const char *, void *);
/* struct strlist of "NAMESPACE:NAME" globs (an empty list is fine). */
void	policy_schema_service_accounts(struct policy_schema_walk *,
	    yaml_node_t *, const char *, void *);

/* 1 if s[0..len) is a DNS-1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?. */
int	policy_schema_dns_label(const char *s, size_t len);

#endif
