/*
 * manifest_int.h - what manifest.c (whole buffers) and manifest_stream.c
 * (document by document, List item by List item) share. Internal to
 * wire/manifest*.c; callers use manifest.h.
 */
#ifndef GITGATE_MANIFEST_INT_H
#define GITGATE_MANIFEST_INT_H

#include <yaml.h>

#include "wire/manifest.h"

struct pos {
	int	line;
	int	col;
};

struct mctx {
	const char	*file;
	struct manifest	*m;
	struct diag	*d;
	size_t		 cap;
	size_t		 budget;	/* nodes left for the whole buffer */
	int		 arrays;	/* a top-level list holds objects */
	manifest_each_fn each;		/* streaming: manifest_each() */
	void		*arg;
	int		 line_base;	/* lines before a resumed YAML parse */
};

/* A read position in JSON text that cJSON has already accepted. */
struct jcur {
	const char	*p;
	const char	*end;
	const char	*bol;	/* beginning of the current line */
	int		 line;
};

/* Adds "file:line:col: message" (line shifted by c->line_base). */
void	manifest_err_at(struct mctx *c, struct pos at, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* kind ends in "List" and there are items: kubectl's idea of a list. */
int	manifest_is_list(const cJSON *o);
/* 1 when s ends in "List" (DeploymentList, List). */
int	manifest_ends_with_list(const char *s);
/* {kind, apiVersion} of a streamed List, lent to its items; caller frees. */
cJSON	*manifest_envelope_new(const char *kind, const char *api);
/* manifest_each() for YAML text (manifest_yaml.c). */
void	manifest_each_yaml(struct mctx *c, const char *buf, size_t len);
/* A typed list (DeploymentList) lends kind and apiVersion to item. */
void	manifest_list_lend(const cJSON *list, cJSON *item);
/* One decoded document (owned): kept, or expanded into its items. */
void	manifest_doc_add(struct mctx *c, cJSON *doc, int index,
	    struct pos docat, const struct pos *at, size_t nat);
/* Item i of a List (owned), list lending kind/apiVersion (or NULL). */
void	manifest_item_add(struct mctx *c, const cJSON *list, cJSON *it,
	    struct pos at, int index, int i);
/* One parsed JSON value (owned): limits, duplicate keys, positions. */
void	manifest_json_add(struct mctx *c, cJSON *v, struct jcur at,
	    int index);
/* One YAML document: -1 when the node budget is spent (stop there). */
int	manifest_yaml_add(struct mctx *c, yaml_document_t *doc, int index);
/* The JSON twin of yaml_doc's limits, plus: no duplicate keys. */
int	manifest_json_check(const cJSON *v, int depth, size_t *budget,
	    char *err, size_t len);

struct pos	manifest_jcur_pos(const struct jcur *j);
void	manifest_jcur_advance(struct jcur *j, const char *to);
void	manifest_jcur_ws(struct jcur *j);
/* Skips one JSON value without recursion; never reads past j->end. */
void	manifest_jcur_skip(struct jcur *j);

#endif
