/*
 * body.c - the -body specs ("file[:allow|deny[:weight]]", comma-separated)
 * into ready HTTP requests, each with the answer fragments it must carry:
 * the request's uid (read from the AdmissionReview with a minimal JSON
 * walk: request.uid only, no escapes) and the expected "allowed". It does
 * not validate the JSON beyond what that walk needs.
 */
#include "loadgen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BODY_FILE_MAX	(64 << 20)

static const char *
body_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* Past the string at p (which is '"'); NULL if unterminated. */
static const char *
body_skip_string(const char *p, const char *e)
{
	for (p++; p < e; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* Past the JSON value at p; NULL if it is cut short. */
static const char *
body_skip_value(const char *p, const char *e)
{
	int	depth = 0;

	do {
		if (p >= e)
			return NULL;
		if (*p == '"') {
			if ((p = body_skip_string(p, e)) == NULL)
				return NULL;
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']')
			depth--;
		else if (depth == 0) {
			while (p < e && strchr(",}] \t\r\n", *p) == NULL)
				p++;
			return p;
		}
		p++;
	} while (depth > 0);
	return p;
}

/* The value of member key in the object at p; NULL if absent. */
static const char *
body_member(const char *p, const char *e, const char *key)
{
	const char	*k;
	size_t		 n = strlen(key);

	if ((p = body_ws(p, e)) >= e || *p != '{')
		return NULL;
	for (p++;;) {
		if ((p = body_ws(p, e)) >= e || *p != '"')
			return NULL;
		k = p + 1;
		if ((p = body_skip_string(p, e)) == NULL)
			return NULL;
		if ((p = body_ws(p, e)) >= e || *p != ':')
			return NULL;
		p = body_ws(p + 1, e);
		if ((size_t)(p - k) >= n + 1 && memcmp(k, key, n) == 0 &&
		    k[n] == '"')
			return p;
		if ((p = body_skip_value(p, e)) == NULL)
			return NULL;
		if ((p = body_ws(p, e)) >= e || *p != ',')
			return NULL;
		p++;
	}
}

static char *
body_read(const char *file, size_t *len, char *err, size_t errlen)
{
	FILE	*f;
	char	*buf;
	long	 n;

	if ((f = fopen(file, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return NULL;
	}
	buf = NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    n > BODY_FILE_MAX || fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		snprintf(err, errlen, "%s: can not read it", file);
		free(buf);
		buf = NULL;
	} else
		*len = (size_t)n;
	fclose(f);
	return buf;
}

/* One spec into b. Returns 0 or -1 and err. */
static int
body_one(struct lg_body *b, char *spec, const char *path, char *err,
    size_t errlen)
{
	const char	*v, *u, *e = NULL;
	char		*data, *verdict, *weight, *end;
	size_t		 len, hlen;
	int		 ret = -1;

	if ((verdict = strchr(spec, ':')) != NULL)
		*verdict++ = '\0';
	if (verdict != NULL && (weight = strchr(verdict, ':')) != NULL)
		*weight++ = '\0';
	else
		weight = NULL;
	b->weight = 1;
	b->allowed = verdict != NULL && strcmp(verdict, "deny") == 0 ?
	    "\"allowed\":false" : "\"allowed\":true";
	if (weight != NULL && ((b->weight = (int)strtol(weight, &end, 10)) <
	    1 || *end != '\0')) {
		snprintf(err, errlen, "%s: bad weight %s", spec, weight);
		return -1;
	}
	if ((b->file = strdup(spec)) == NULL ||
	    (data = body_read(spec, &len, err, errlen)) == NULL)
		return -1;
	v = NULL;
	if ((u = body_member(data, data + len, "request")) != NULL &&
	    (u = body_member(u, data + len, "uid")) != NULL && *u == '"') {
		e = body_skip_string(u, data + len);
		v = e != NULL && e - u - 2 <= LG_UID_MAX &&
		    memchr(u, '\\', (size_t)(e - u)) == NULL ? u : NULL;
	}
	if (u != NULL && v == NULL) {
		snprintf(err, errlen, "%s: bad request.uid", spec);
		goto out;
	}
	snprintf(b->uid, sizeof(b->uid), "\"uid\":\"%.*s\"",
	    v != NULL ? (int)(e - v - 2) : 0, v != NULL ? v + 1 : "");
	hlen = strlen(path) + 160;
	if ((b->req = malloc(hlen + len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	hlen = (size_t)snprintf(b->req, hlen, "POST %s HTTP/1.1\r\n"
	    "Host: localhost\r\nContent-Type: application/json\r\n"
	    "Accept: application/json\r\nContent-Length: %zu\r\n\r\n",
	    path, len);
	memcpy(b->req + hlen, data, len);
	b->reqlen = hlen + len;
	ret = 0;
out:
	free(data);
	return ret;
}

int
body_load(const char *spec, const char *path, struct lg_body **out,
    size_t *n, char *err, size_t errlen)
{
	struct lg_body	*bs = NULL, *nb;
	char		*copy, *item, *next;
	int		 ret = -1;

	*out = NULL;
	*n = 0;
	if ((copy = strdup(spec)) == NULL)
		return -1;
	for (item = copy; item != NULL; item = next) {
		if ((next = strchr(item, ',')) != NULL)
			*next++ = '\0';
		if ((nb = realloc(bs, (*n + 1) * sizeof(*bs))) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		bs = nb;
		memset(&bs[*n], 0, sizeof(*bs));
		(*n)++;
		if (body_one(&bs[*n - 1], item, path, err, errlen) < 0)
			goto out;
	}
	ret = 0;
out:
	free(copy);
	*out = bs;
	return ret;
}

void
body_free(struct lg_body *bs, size_t n)
{
	size_t	i;

	for (i = 0; bs != NULL && i < n; i++) {
		free(bs[i].file);
		free(bs[i].req);
	}
	free(bs);
}
