/*
 * arena.h - a per-thread bump allocator for cJSON on the request path.
 * Between arena_begin() and arena_end() every cJSON allocation of the
 * calling thread comes from the thread's arena and cJSON's frees are free;
 * arena_end() releases it all at once. Elsewhere cJSON uses malloc/free.
 * (glibc malloc/free was the largest cost of a review: ~400 calls each.)
 */
#ifndef GITGATE_ARENA_H
#define GITGATE_ARENA_H

#include <stddef.h>

#define ARENA_CHUNK		(256 * 1024)	/* kept per thread between uses */
#define ARENA_MAX		(256u * 1024 * 1024)	/* per thread, per review */

/* Route cJSON's allocations through the arena hooks. Once, at start. */
void	arena_install(void);

/* Start / end an arena scope on this thread. Scopes do not nest. */
void	arena_begin(void);
void	arena_end(void);

/* Bytes handed out in the current scope (for tests and benchmarks). */
size_t	arena_used(void);

#endif
