/*
 * dynbuf.h - a growable byte buffer with a hard maximum fixed at creation
 * (curl's dynbuf is the model): appending past the maximum fails, and so
 * does running out of memory. After a failure the buffer is freed and
 * every later append fails too, so a writer checks once, at the end.
 */
#ifndef GITGATE_DYNBUF_H
#define GITGATE_DYNBUF_H

#include <stdarg.h>
#include <stddef.h>

enum dynbuf_error {
	DYNBUF_OK,
	DYNBUF_TOO_LARGE,	/* an append would pass max */
	DYNBUF_NO_MEMORY
};

struct dynbuf {
	char			*buf;	/* NUL-terminated; NULL until used */
	size_t			 len;	/* bytes held, never over max */
	size_t			 cap;	/* bytes allocated */
	size_t			 max;
	enum dynbuf_error	 error;	/* the first failure, sticky */
};

/* An empty buffer that will hold at most max bytes. Allocates nothing. */
void	dynbuf_init(struct dynbuf *b, size_t max);
/*
 * Room for n more bytes without another allocation (capacity doubles
 * from 256 bytes). Returns 0, or -1 (b->error says why; b is freed).
 */
int	dynbuf_reserve(struct dynbuf *b, size_t n);
/* Append n bytes of p. Returns 0 or -1 as dynbuf_reserve(). */
int	dynbuf_add(struct dynbuf *b, const void *p, size_t n);
/* Append a C string, without its NUL. */
int	dynbuf_add_str(struct dynbuf *b, const char *s);
/* Append printf output. */
int	dynbuf_addf(struct dynbuf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	dynbuf_vaddf(struct dynbuf *b, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));
/*
 * Hand over the bytes (NUL-terminated, caller frees with free()) and their
 * length in *len (may be NULL); b is then empty, max kept. NULL after a
 * failure; an unused buffer gives "" (allocated).
 */
char	*dynbuf_take(struct dynbuf *b, size_t *len);
/* Free the bytes; b is empty again, max kept. NULL is a no-op. */
void	dynbuf_free(struct dynbuf *b);

#endif
