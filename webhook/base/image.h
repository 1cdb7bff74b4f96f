/*
 * image.h - container image references, parsed by the distribution grammar
 * (github.com/distribution/reference): [domain[:port]/]path[:tag][@digest].
 * Parsing only: no policy, no allocation, no I/O. "nginx" normalises to
 * domain "docker.io", path "library/nginx", no tag (callers decide what a
 * missing tag means).
 */
#ifndef GITGATE_IMAGE_H
#define GITGATE_IMAGE_H

#include <stddef.h>

#define IMAGE_REF_MAX	4096	/* longer references are rejected */
#define IMAGE_NAME_MAX	255	/* distribution's NameTotalLengthMax (path) */
#define IMAGE_TAG_MAX	128

/*
 * A parsed reference. Every field points into one buffer owned by the
 * struct itself (no heap): it stays valid as long as the struct does.
 * Absent parts are empty strings, never NULL.
 */
struct image_ref {
	const char	*domain;	/* "docker.io", "localhost:5000" */
	const char	*path;		/* "library/nginx", "team/app" */
	const char	*tag;		/* "" when the reference has no tag */
	const char	*digest;	/* "" or "sha256:<64 hex>" */
	char		 buf[IMAGE_REF_MAX + 32];
};

/*
 * Parse ref (NUL-terminated) into *out. Returns 0, or -1 with a short
 * reason in err (e.g. "invalid reference format: repository name must be
 * lowercase", "digest is not sha256:<64 hex>", "tag longer than 128").
 * Rules follow distribution/reference: a first component is a domain if it
 * contains '.' or ':' or is "localhost", or has an upper-case letter;
 * docker.io (and index.docker.io) single-component paths get "library/".
 */
int	image_parse(const char *ref, struct image_ref *out, char *err,
	    size_t errlen);

/*
 * Write the fully-qualified name "domain/path[:tag][@digest]" into buf.
 * Returns the length written (truncated like snprintf), never fails.
 */
size_t	image_format(const struct image_ref *ref, char *buf, size_t buflen);

#endif
