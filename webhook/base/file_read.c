/*
 * file_read.c - read a whole file or standard input, bounded. A regular
 * file's size sizes the buffer up front; a pipe grows it by doubling
 * (dynbuf). It reads one byte past max to tell "exactly max" from "more".
 */
#include "base/file_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/dynbuf.h"

#define FILE_READ_CHUNK	65536	/* read() size, and a pipe's first room */

/*
 * Fill b (max + 1 bytes at most) from fd until end of file: the byte past
 * max tells "exactly max" from "more". Returns 0, or -1 with errno.
 */
static int
read_all(int fd, size_t max, struct dynbuf *b)
{
	size_t	room;
	ssize_t	n;

	for (;;) {
		room = b->max - b->len;
		if (room > FILE_READ_CHUNK)
			room = FILE_READ_CHUNK;
		if (dynbuf_reserve(b, room) == -1) {
			errno = ENOMEM;
			return -1;
		}
		n = read(fd, b->buf + b->len, room);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return (int)n;
		b->len += (size_t)n;
		b->buf[b->len] = '\0';
		if (b->len > max) {
			errno = EFBIG;
			return -1;
		}
	}
}

/* "PATH: reason" for errno, which it keeps. */
static void
file_read_error(const char *path, size_t max, char *err, size_t errlen)
{
	int	e = errno;

	if (e == EFBIG)
		snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
	else if (e == ENOMEM)
		snprintf(err, errlen, "%s: out of memory", path);
	else if (e == EINVAL)
		snprintf(err, errlen, "%s: not a regular file", path);
	else
		snprintf(err, errlen, "%s: %s", path, strerror(e));
	errno = e;
}

char *
file_read(const char *path, size_t max, unsigned flags, size_t *lenp,
    char *err, size_t errlen)
{
	struct dynbuf	 b;
	struct stat	 st;
	char		*out = NULL;
	int		 fd, e, is_stdin = strcmp(path, "-") == 0;

	if (max > SIZE_MAX - 2)
		max = SIZE_MAX - 2;
	dynbuf_init(&b, max + 1);
	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) == -1)
		goto out;
	if ((flags & FILE_READ_REGULAR) && !S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto out;
	}
	if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max) {
		errno = EFBIG;
		goto out;
	}
	/* A regular file in one allocation (its size, and the probe byte). */
	if (S_ISREG(st.st_mode) &&
	    dynbuf_reserve(&b, (size_t)st.st_size + 1) == -1) {
		errno = ENOMEM;
		goto out;
	}
	if (read_all(fd, max, &b) == -1)
		goto out;
	if ((out = dynbuf_take(&b, lenp)) == NULL)
		errno = ENOMEM;
out:
	if (out == NULL) {
		file_read_error(path, max, err, errlen);
		dynbuf_free(&b);
	}
	e = errno;
	if (fd != -1 && !is_stdin)
		close(fd);
	errno = e;
	return out;
}
