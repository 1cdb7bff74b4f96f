/*
 * policy_set.c - the loader: scan a directory, read each file under a
 * size limit in file-name order, hash names and contents, walk every
 * document (policy_spec.c) with the kinds the caller gives, and apply the
 * set-level checks: unique names, one Settings, at least one policy, and
 * match.managedBy names resolved through the kinds' marker() hooks, and
 * the kinds' own cross-policy names through their link() hooks.
 * Nothing here interprets a rule.
 */
#include "policy/policy_set.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "policy/policy_exception.h"
#include "policy/policy_spec.h"
#include "wire/yaml_doc.h"

/* A name seen in this load, for "first defined at FILE:LINE". */
struct seen {
	char		 name[POLICY_NAME_MAX + 1];
	const char	*file;		/* borrowed, for the load */
	int		 line;
};

struct loader {
	struct policy_set	*set;
	const struct policy_kind *const *kinds;
	struct diag		*d;
	gnutls_hash_hd_t	 md;		/* GnuTLS: serve loads no OpenSSL */
	struct seen		*seen;
	size_t			 n_seen;
	size_t			 n_seen_alloc;
	struct seen		 settings;	/* file NULL: none yet */
	size_t			 n_alloc;	/* of set->policies */
};

/* Keep a valid PolicyException (or free it at the limit). */
static void
loader_exception(struct loader *l, const char *file, struct policy_doc *doc)
{
	struct policy_set	*set = l->set;

	if (set->exceptions == NULL && (set->exceptions = calloc(
	    POLICY_EXCEPTIONS_MAX, sizeof(*set->exceptions))) == NULL) {
		diag_add(l->d, DIAG_ERROR, file, 0, 0, "out of memory");
		policy_exception_free(&doc->exception);
		return;
	}
	if (set->n_exceptions >= POLICY_EXCEPTIONS_MAX) {
		diag_add(l->d, DIAG_ERROR, file, doc->exception.line, 1,
		    "too many PolicyExceptions (limit %d): exceptions are "
		    "meant to be few and short-lived", POLICY_EXCEPTIONS_MAX);
		policy_exception_free(&doc->exception);
		return;
	}
	set->exceptions[set->n_exceptions++] = doc->exception;
}

/* Remember doc's name; report it if an earlier document has it. */
static int
loader_name(struct loader *l, const char *file, struct policy_doc *doc)
{
	struct seen	*nv;
	size_t		 i, n;

	if (doc->name[0] == '\0')
		return 0;
	for (i = 0; i < l->n_seen; i++)
		if (strcmp(l->seen[i].name, doc->name) == 0) {
			diag_add(l->d, DIAG_ERROR, file, doc->name_line,
			    doc->name_col, "metadata.name: duplicate name "
			    "\"%s\" (first defined at %s:%d)", doc->name,
			    l->seen[i].file, l->seen[i].line);
			return -1;
		}
	if (l->n_seen == l->n_seen_alloc) {
		n = l->n_seen_alloc ? l->n_seen_alloc * 2 : 16;
		if ((nv = reallocarray(l->seen, n, sizeof(*nv))) == NULL) {
			diag_add(l->d, DIAG_ERROR, file, 0, 0,
			    "out of memory");
			return -1;
		}
		l->seen = nv;
		l->n_seen_alloc = n;
	}
	nv = l->seen;
	memcpy(nv[l->n_seen].name, doc->name, sizeof(doc->name));
	nv[l->n_seen].file = file;
	nv[l->n_seen++].line = doc->name_line;
	return 0;
}

/* Take a walked document into the set (or free it). */
static void
loader_doc(struct loader *l, const char *file, yaml_document_t *ydoc)
{
	struct policy_doc	 doc;
	struct policy		*nv;
	size_t			 n;

	(void)policy_spec_doc(ydoc, file, l->kinds, l->d, &doc);
	if (doc.is_settings && l->settings.file != NULL) {
		diag_add(l->d, DIAG_ERROR, file, doc.kind_line, doc.kind_col,
		    "kind: a second Settings document (the first is at "
		    "%s:%d); only one is allowed", l->settings.file,
		    l->settings.line);
		(void)loader_name(l, file, &doc);
		policy_settings_free(&doc.settings);
		return;
	}
	if (loader_name(l, file, &doc) == -1) {
		policy_free(&doc.policy);
		policy_settings_free(&doc.settings);
		policy_exception_free(&doc.exception);
		return;
	}
	if (doc.kind == POLICY_DOC_EXCEPTION) {
		loader_exception(l, file, &doc);
		return;
	}
	if (doc.is_settings) {
		l->settings.file = file;
		l->settings.line = doc.kind_line;
	}
	if (doc.kind == POLICY_DOC_SETTINGS) {
		l->set->settings = doc.settings;
		return;
	}
	if (doc.kind != POLICY_DOC_POLICY)
		return;
	if (l->set->n_policies >= POLICY_MAX) {
		diag_add(l->d, DIAG_ERROR, file, doc.policy.line, 1,
		    "too many policies (limit %d)", POLICY_MAX);
		policy_free(&doc.policy);
		return;
	}
	if (l->set->n_policies == l->n_alloc) {
		n = l->n_alloc ? l->n_alloc * 2 : 8;
		nv = realloc(l->set->policies, n * sizeof(*nv));
		if (nv == NULL) {
			diag_add(l->d, DIAG_ERROR, file, 0, 0, "out of memory");
			policy_free(&doc.policy);
			return;
		}
		l->set->policies = nv;
		l->n_alloc = n;
	}
	l->set->policies[l->set->n_policies++] = doc.policy;
}

/* Hash "name\0content\0" and walk every document of one file. */
static void
loader_file(struct loader *l, const char *path, const char *name,
    const char *buf, size_t len)
{
	struct ydocs	docs;
	size_t			i;

	if (gnutls_hash(l->md, name, strlen(name) + 1) < 0 ||
	    gnutls_hash(l->md, buf, len) < 0 || gnutls_hash(l->md, "", 1) < 0)
		diag_add(l->d, DIAG_ERROR, path, 0, 0, "SHA-256 failed");
	l->set->n_files++;
	if (ydoc_load(path, buf, len, &docs, l->d) == -1)
		return;
	for (i = 0; i < docs.n; i++)
		loader_doc(l, path, &docs.v[i]);
	ydoc_free(&docs);
}

static int
loader_begin(struct loader *l, const struct policy_kind *const *kinds,
    struct diag *d)
{
	memset(l, 0, sizeof(*l));
	l->d = d;
	l->kinds = kinds;
	if ((l->set = calloc(1, sizeof(*l->set))) == NULL ||
	    gnutls_hash_init(&l->md, GNUTLS_DIG_SHA256) < 0) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, "out of memory");
		free(l->set);
		return -1;
	}
	atomic_init(&l->set->refs, 1);
	return 0;
}

/* The marker named name that some policy of set defines, or NULL. */
static const void *
find_marker(const struct policy_set *set, const char *name)
{
	const struct policy	*q;
	const void		*mk;
	size_t			 i;

	for (i = 0; i < set->n_policies; i++) {
		q = &set->policies[i];
		if (q->kind->marker != NULL &&
		    (mk = q->kind->marker(q, name)) != NULL)
			return mk;
	}
	return NULL;
}

/*
 * Resolve every match.managedBy name (an unknown one is an error), then
 * let each kind resolve what its policies name (kind->link).
 */
static void
loader_link(struct loader *l)
{
	struct policy_set	*set = l->set;
	struct policy_marker_ref *r;
	size_t			 i, j;

	for (i = 0; i < set->n_policies; i++)
		if (set->policies[i].kind->link != NULL)
			(void)set->policies[i].kind->link(&set->policies[i],
			    set, l->d);
	for (i = 0; i < set->n_policies; i++)
		for (j = 0; j < set->policies[i].match.n_managed_by; j++) {
			r = &set->policies[i].match.managed_by[j];
			if ((r->marker = find_marker(set, r->name)) != NULL)
				continue;
			diag_add(l->d, DIAG_ERROR, set->policies[i].file,
			    r->line, r->col, "spec.match.managedBy[%zu]: "
			    "unknown marker \"%s\" (expected the name of a "
			    "marker a SourcePolicy of this set defines)", j,
			    r->name);
		}
}

/* The set, or NULL if this load added any error. */
static struct policy_set *
loader_end(struct loader *l, const char *where, size_t errors)
{
	unsigned char	 hash[32];
	unsigned int	 i;
	struct policy_set *set = l->set;

	gnutls_hash_deinit(l->md, hash);
	for (i = 0; i < sizeof(hash); i++)
		snprintf(set->sha256 + 2 * i, 3, "%02x", hash[i]);
	if (l->d->errors == errors && set->n_policies == 0)
		diag_add(l->d, DIAG_ERROR, where, 0, 0,
		    "no policy documents found");
	loader_link(l);
	if (l->d->errors == errors)
		(void)policy_exception_resolve(set, l->d);
	free(l->seen);
	if (l->d->errors != errors) {
		policy_set_unref(set);
		return NULL;
	}
	return set;
}

struct policy_set *
policy_set_load_buffer(const char *name, const char *buf, size_t len,
    const struct policy_kind *const *kinds, struct diag *d)
{
	struct loader	l;
	size_t		errors = d->errors;

	if (loader_begin(&l, kinds, d) == -1)
		return NULL;
	if (len > POLICY_FILE_MAX)
		diag_add(d, DIAG_ERROR, name, 0, 0, "file too large (%zu "
		    "bytes, limit %d)", len, POLICY_FILE_MAX);
	else
		loader_file(&l, name, name, buf, len);
	return loader_end(&l, name, errors);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
is_policy_file(const char *name)
{
	size_t	len = strlen(name);

	if (name[0] == '.')
		return 0;
	return (len > 5 && strcmp(name + len - 5, ".yaml") == 0) ||
	    (len > 4 && strcmp(name + len - 4, ".yml") == 0);
}

/*
 * Paths ("dir/name") of the regular policy files of dir, sorted by name.
 * Returns the count, or -1 after an error in d. Caller frees.
 */
static long
scan_dir(const char *dir, char ***out, struct diag *d)
{
	DIR		*dp;
	struct dirent	*de;
	struct stat	 st;
	char		**v, *path = NULL;
	long		 n = 0, rc = -1;
	int		 oom = 1;

	/* At most POLICY_FILES_MAX: one array of that size, no growing. */
	if ((v = calloc(POLICY_FILES_MAX, sizeof(*v))) == NULL) {
		diag_add(d, DIAG_ERROR, dir, 0, 0, "out of memory");
		return -1;
	}
	if ((dp = opendir(dir)) == NULL) {
		diag_add(d, DIAG_ERROR, dir, 0, 0, "cannot open directory: %s",
		    strerror(errno));
		free(v);
		return -1;
	}
	while ((de = readdir(dp)) != NULL) {
		if (!is_policy_file(de->d_name))
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) == -1) {
			path = NULL;
			goto out;
		}
		if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
			free(path);
			path = NULL;
			continue;	/* directories, fifos: not ours */
		}
		if (n >= POLICY_FILES_MAX) {
			diag_add(d, DIAG_ERROR, dir, 0, 0, "more than %d "
			    "policy files", POLICY_FILES_MAX);
			oom = 0;
			goto out;
		}
		v[n++] = path;
		path = NULL;
	}
	if (n > 0)
		qsort(v, (size_t)n, sizeof(*v), name_cmp);
	rc = n;
out:
	free(path);
	if (rc == -1) {
		if (oom)
			diag_add(d, DIAG_ERROR, dir, 0, 0, "out of memory");
		while (n > 0)
			free(v[--n]);
		free(v);
		v = NULL;
	}
	closedir(dp);
	*out = v;
	return rc;
}

/* Read path into buf (POLICY_FILE_MAX + 1 bytes); length or -1. */
static long
read_file(const char *path, char *buf, struct diag *d)
{
	struct stat	st;
	ssize_t		r = 0;
	size_t		len = 0;
	int		fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		diag_add(d, DIAG_ERROR, path, 0, 0, "cannot read: %s",
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	while (len <= POLICY_FILE_MAX) {
		r = read(fd, buf + len, POLICY_FILE_MAX + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (r == -1) {
		diag_add(d, DIAG_ERROR, path, 0, 0, "cannot read: %s",
		    strerror(errno));
		return -1;
	}
	if (len > POLICY_FILE_MAX) {
		diag_add(d, DIAG_ERROR, path, 0, 0, "file too large (%lld "
		    "bytes, limit %d)", (long long)(st.st_size > (off_t)len ?
		    st.st_size : (off_t)len), POLICY_FILE_MAX);
		return -1;
	}
	return (long)len;
}

struct policy_set *
policy_set_load(const char *dir, const struct policy_kind *const *kinds,
    struct diag *d)
{
	struct loader		 l;
	struct policy_set	*set;
	char			**paths = NULL, *buf = NULL;
	size_t			 errors = d->errors;
	long			 n, i, len;

	if (loader_begin(&l, kinds, d) == -1)
		return NULL;
	if ((n = scan_dir(dir, &paths, d)) == -1)
		goto out;
	if ((buf = malloc(POLICY_FILE_MAX + 1)) == NULL) {
		diag_add(d, DIAG_ERROR, dir, 0, 0, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		if ((len = read_file(paths[i], buf, d)) >= 0)
			loader_file(&l, paths[i], strrchr(paths[i], '/') + 1,
			    buf, (size_t)len);
out:
	free(buf);
	/* Before freeing paths: the seen list borrows them. */
	set = loader_end(&l, dir, errors);
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	return set;
}
