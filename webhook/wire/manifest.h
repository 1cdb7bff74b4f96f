/*
 * manifest.h - Kubernetes manifests (multi-document YAML, JSON objects,
 * JSON arrays, kind: List / *List with items) into a flat list of cJSON
 * objects that each carry their source position, for `gitgate check`.
 * It checks only the object envelope (apiVersion, kind, metadata.name);
 * what the objects mean is eval's business.
 */
#ifndef GITGATE_MANIFEST_H
#define GITGATE_MANIFEST_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "base/diag.h"

#define MANIFEST_MAX_BYTES	(64u * 1024 * 1024)	/* one input buffer */

struct manifest_obj {
	cJSON	*obj;	/* owned by the manifest, see manifest_free() */
	int	 line;	/* 1-based position of the object in the file */
	int	 col;
	int	 index;	/* 1-based document number in the stream */
	int	 item;	/* 1-based position in a List / JSON array, else 0 */
};

struct manifest {
	struct manifest_obj	*v;
	size_t			 n;
};

/*
 * Decode len bytes of buf (need not be NUL-terminated); file names the
 * input in messages ("-" for stdin is fine). Input starting with '{' or
 * '[' is read as JSON (one value or a stream of them) and, if that fails,
 * as YAML, whose errors carry positions. A top-level JSON array is a list
 * of objects; a mapping whose kind ends in "List" and that has items is
 * expanded into its items (typed lists lend kind and apiVersion to items
 * that lack them). Every object must be a mapping with non-empty string
 * apiVersion and kind and a metadata mapping with a name or generateName.
 * Limits: MANIFEST_MAX_BYTES, YAML_DOC_MAX_DOCS, YAML_DOC_MAX_NODES nodes
 * (after alias expansion) for the whole buffer, YAML_DOC_MAX_DEPTH, and
 * duplicate keys in JSON objects are rejected.
 * Returns 0 with *m filled (possibly n == 0), or -1 with every error
 * added to d as "file:line:col: message" and *m empty.
 * The objects belong to *m: free them all with manifest_free(), or take
 * one by setting its .obj to NULL first. Uses cJSON's global error
 * pointer, so do not call it from several threads at once.
 */
int	manifest_decode(const char *file, const char *buf, size_t len,
	    struct manifest *m, struct diag *d);
/*
 * Streaming twin of manifest_decode() for `gitgate check`: memory grows
 * with the largest document, not with the input. Each object is handed to
 * each() as soon as its document is decoded (mo->obj is borrowed: it is
 * freed when each() returns, unless each() sets it to NULL to keep it).
 * A mapping with neither apiVersion nor kind is not an object: each() gets
 * mo->obj NULL and skip saying why. A broken document is added to d and
 * the next ones are still read (after a YAML syntax error, from the next
 * "---" line). The node budget (YAML_DOC_MAX_NODES) is per document here,
 * and at most MANIFEST_STREAM_DOCS_MAX documents are read (an error says
 * so when more follow). Returns the number of errors added to d.
 */
#define MANIFEST_STREAM_DOCS_MAX	200000

typedef void	(*manifest_each_fn)(void *arg, struct manifest_obj *mo,
		    const char *skip);
size_t	manifest_each(const char *file, const char *buf, size_t len,
	    manifest_each_fn each, void *arg, struct diag *d);

/* Frees every object still held and empties *m. NULL is a no-op. */
void	manifest_free(struct manifest *m);

#endif
