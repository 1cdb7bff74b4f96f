/*
 * test_file_read.c - webhook/base/file_read.c: a file read whole up to its
 * maximum, exactly the maximum, one byte past it, an empty file, errors
 * as "PATH: reason" with errno (missing, a directory, not regular), and
 * standard input ("-") from a pipe, within and past the maximum.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/file_read.h"
#include "unit.h"

static char	dir[] = "/tmp/test_file_read.XXXXXX";
static int	stdin_open;	/* fd 0 was still open after file_read("-") */

/* dir/name holding n bytes 'a'; returns its path (static). */
static const char *
make_file(const char *name, size_t n)
{
	static char	path[256];
	FILE		*f;
	size_t		 i;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return path;
	for (i = 0; i < n; i++)
		fputc('a', f);
	fclose(f);
	return path;
}

/* (size of the file, max) -> read or EFBIG */
static const struct {
	size_t	size, max;
	int	ok;
} sizes[] = {
	{ 0, 10, 1 },
	{ 10, 10, 1 },
	{ 11, 10, 0 },
	{ 1, 0, 0 },
	{ 200000, 200000, 1 },		/* past one read() chunk */
	{ 200001, 200000, 0 },
};

static void
test_sizes(void)
{
	char		 err[256], want[300];
	const char	*path;
	char		*buf;
	size_t		 i, len;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		path = make_file("f", sizes[i].size);
		err[0] = '\0';
		len = 12345;
		errno = 0;
		buf = file_read(path, sizes[i].max, FILE_READ_REGULAR, &len,
		    err, sizeof(err));
		CHECK_INT(buf != NULL, sizes[i].ok);
		if (buf != NULL) {
			CHECK_INT(len, sizes[i].size);
			CHECK_INT(buf[len], '\0');
			CHECK(len == 0 || (buf[0] == 'a' && buf[len - 1] == 'a'));
			CHECK_STR(err, "");
		} else {
			CHECK_INT(errno, EFBIG);
			snprintf(want, sizeof(want), "%s: larger than %zu bytes",
			    path, sizes[i].max);
			CHECK_STR(err, want);
		}
		free(buf);
	}
}

static void
test_errors(void)
{
	char	err[256], want[300], path[300];
	size_t	len;

	snprintf(path, sizeof(path), "%s/missing", dir);
	CHECK(file_read(path, 10, 0, &len, err, sizeof(err)) == NULL);
	CHECK_INT(errno, ENOENT);
	snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
	CHECK_STR(err, want);
	/* a directory: read() says so, or FILE_READ_REGULAR does */
	CHECK(file_read(dir, 10, 0, &len, err, sizeof(err)) == NULL);
	CHECK_INT(errno, EISDIR);
	snprintf(want, sizeof(want), "%s: %s", dir, strerror(EISDIR));
	CHECK_STR(err, want);
	CHECK(file_read(dir, 10, FILE_READ_REGULAR, &len, err,
	    sizeof(err)) == NULL);
	CHECK_INT(errno, EINVAL);
	snprintf(want, sizeof(want), "%s: not a regular file", dir);
	CHECK_STR(err, want);
}

/* "-" reads standard input: here a pipe holding n bytes. */
static char *
read_stdin(size_t n, size_t max, size_t *len, char *err, size_t errlen)
{
	static char	chunk[4096];
	int		fds[2], saved;
	char		*buf;
	size_t		 left = n, k;

	memset(chunk, 'p', sizeof(chunk));
	if (pipe(fds) == -1 || fcntl(fds[1], F_SETPIPE_SZ, 1 << 20) == -1)
		return NULL;
	for (; left > 0; left -= k) {
		k = left < sizeof(chunk) ? left : sizeof(chunk);
		if (write(fds[1], chunk, k) != (ssize_t)k)
			return NULL;
	}
	close(fds[1]);
	saved = dup(STDIN_FILENO);
	dup2(fds[0], STDIN_FILENO);
	close(fds[0]);
	buf = file_read("-", max, 0, len, err, errlen);
	stdin_open = fcntl(STDIN_FILENO, F_GETFD) != -1;
	dup2(saved, STDIN_FILENO);
	close(saved);
	return buf;
}

static void
test_stdin(void)
{
	char	err[256], *buf;
	size_t	len = 0;

	buf = read_stdin(300000, 300000, &len, err, sizeof(err));
	CHECK(buf != NULL);
	CHECK_INT(len, 300000);
	CHECK(buf != NULL && buf[0] == 'p' && buf[len - 1] == 'p' &&
	    buf[len] == '\0');
	CHECK(stdin_open);		/* "-" is never closed */
	free(buf);
	buf = read_stdin(300001, 300000, &len, err, sizeof(err));
	CHECK(buf == NULL);
	CHECK_STR(err, "-: larger than 300000 bytes");
	CHECK(stdin_open);
}

int
main(void)
{
	char	path[300];

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_sizes();
	test_errors();
	test_stdin();
	snprintf(path, sizeof(path), "%s/f", dir);
	unlink(path);
	rmdir(dir);
	return unit_done("file_read");
}
