/*
 * file_read.h - the one bounded file reader: a path, or "-" for standard
 * input, read whole into memory, up to a maximum fixed by the caller.
 * Errors go into the caller's buffer as "PATH: reason". (The OpenSSL and
 * GnuTLS certificate code reads through certs_read_file(), which calls
 * this one.)
 */
#ifndef GITGATE_FILE_READ_H
#define GITGATE_FILE_READ_H

#include <stddef.h>

#define FILE_READ_REGULAR	0x1u	/* refuse what is not a regular file */

/*
 * Read path ("-": standard input, left open) into a malloc'd buffer,
 * NUL-terminated, its length in *lenp. At most max bytes: more is an
 * error. Returns the buffer (caller frees with free()), or NULL with
 * "PATH: reason" in err and errno set: EFBIG "larger than MAX bytes",
 * ENOMEM "out of memory", EINVAL "not a regular file" (FILE_READ_REGULAR),
 * or the system's error with its strerror() text.
 */
char	*file_read(const char *path, size_t max, unsigned flags, size_t *lenp,
	    char *err, size_t errlen);

#endif
