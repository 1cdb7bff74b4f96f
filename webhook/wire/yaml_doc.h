/*
 * yaml_doc.h - YAML text into libyaml documents, with limits, and small
 * accessors that keep the source position of every node for diagnostics.
 * Also turns a document node into cJSON (for manifests). No policy logic.
 * Its names are ydoc_*, out of libyaml's yaml_* namespace.
 */
#ifndef GITGATE_YAML_DOC_H
#define GITGATE_YAML_DOC_H

#include <stddef.h>
#include <yaml.h>
#include <cjson/cJSON.h>

#include "base/diag.h"

#define YAML_DOC_MAX_DOCS	10000		/* documents per stream */
#define YAML_DOC_MAX_NODES	1000000	/* nodes after alias expansion */
#define YAML_DOC_MAX_DEPTH	128		/* nesting of collections */

struct ydocs {
	yaml_document_t	*v;
	size_t		 n;
	size_t		 cap;		/* allocated slots of v */
};

/*
 * Parse every document of buf. On a syntax error, adds
 * "file:line:col: message" to d, frees what was parsed and returns -1.
 * Empty documents are skipped. Caller frees *docs with ydoc_free().
 */
int	ydoc_load(const char *file, const char *buf, size_t len,
	    struct ydocs *docs, struct diag *d);
void	ydoc_free(struct ydocs *docs);

/* 1-based line and column of a node. */
int	ydoc_line(const yaml_node_t *node);
int	ydoc_col(const yaml_node_t *node);

/* The value of key in a mapping node, or NULL. *keynode gets the key. */
yaml_node_t *ydoc_map_get(yaml_document_t *doc, yaml_node_t *map,
	    const char *key, yaml_node_t **keynode);
/* The text of a scalar node (NUL-terminated by libyaml), NULL otherwise. */
const char *ydoc_scalar(const yaml_node_t *node);
/* 1 when a scalar is plain (unquoted), so "true"/"null" may be typed. */
int	ydoc_scalar_is_plain(const yaml_node_t *node);
/* A short name of the node type for messages: "a mapping", "a list"... */
const char *ydoc_kind(const yaml_node_t *node);

/*
 * Convert node to JSON with YAML 1.1 core typing of plain scalars
 * (null/~, true/false, integers, floats; quoted scalars stay strings).
 * *budget is decremented per node produced (alias bombs end here).
 * Returns NULL with a reason ("line L col C: ...") in err. Caller frees.
 */
cJSON	*ydoc_to_json(yaml_document_t *doc, yaml_node_t *node,
	    size_t *budget, char *err, size_t errlen);

#endif
