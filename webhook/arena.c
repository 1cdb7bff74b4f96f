/*
 * arena.c - bump allocation in chunks. The first chunk of a thread is kept
 * for the next review; larger ones (a 1 MiB object) are returned to the
 * system when the scope ends, so memory does not ratchet up. Outside a
 * scope, and for pointers that are not the arena's, the hooks are plain
 * malloc/free. Allocation failure (or ARENA_MAX) returns NULL: cJSON then
 * fails the parse, and the request gets an error, never a crash.
 */
#include "arena.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

struct chunk {
	struct chunk	*next;
	size_t		 size;		/* usable bytes after the header */
	size_t		 used;
	_Alignas(16) unsigned char data[];
};

struct arena {
	struct chunk	*head;		/* current chunk, newest first */
	struct chunk	*keep;		/* the first chunk, reused */
	size_t		 total;
	int		 active;
};

static _Thread_local struct arena arena;
static pthread_key_t arena_key;
static pthread_once_t arena_once = PTHREAD_ONCE_INIT;

/* At thread exit: return the kept chunk (the key's value is the chunk). */
static void
arena_thread_exit(void *kept)
{
	free(kept);
}

static void
arena_key_init(void)
{
	(void)pthread_key_create(&arena_key, arena_thread_exit);
}

static struct chunk *
chunk_new(size_t want)
{
	struct chunk	*c;
	size_t		 size = want > ARENA_CHUNK ? want : ARENA_CHUNK;

	if ((c = malloc(sizeof(*c) + size)) == NULL)
		return NULL;
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

static void *
arena_alloc(size_t n)
{
	struct chunk	*c = arena.head;
	void		*p;

	if (!arena.active)
		return malloc(n);
	n = (n + 15) & ~(size_t)15;
	if (c == NULL || c->size - c->used < n) {
		if (arena.total + n > ARENA_MAX)
			return NULL;
		if (c == NULL && arena.keep == NULL && n <= ARENA_CHUNK &&
		    (arena.keep = chunk_new(n)) != NULL) {
			pthread_once(&arena_once, arena_key_init);
			(void)pthread_setspecific(arena_key, arena.keep);
		}
		if (c == NULL && arena.keep != NULL && n <= ARENA_CHUNK)
			c = arena.keep;
		else if ((c = chunk_new(n)) == NULL)
			return NULL;
		c->used = 0;
		c->next = arena.head;
		arena.head = c;
		arena.total += c->size;
	}
	p = c->data + c->used;
	c->used += n;
	return p;
}

/* 1 if p lies in one of this thread's chunks in use. */
static int
arena_owns(const void *p)
{
	const struct chunk	*c;
	uintptr_t		 u = (uintptr_t)p;

	for (c = arena.head; c != NULL; c = c->next)
		if (u >= (uintptr_t)c->data && u < (uintptr_t)c->data + c->size)
			return 1;
	return 0;
}

static void
arena_free(void *p)
{
	if (p == NULL)
		return;
	if (arena.active && arena_owns(p))
		return;
	free(p);
}

void
arena_install(void)
{
	cJSON_Hooks	hooks = { arena_alloc, arena_free };

	cJSON_InitHooks(&hooks);
}

void
arena_begin(void)
{
	arena.active = 1;
	arena.head = NULL;
	arena.total = 0;
}

void
arena_end(void)
{
	struct chunk	*c, *next;

	for (c = arena.head; c != NULL; c = next) {
		next = c->next;
		if (c != arena.keep)
			free(c);
	}
	arena.head = NULL;
	arena.total = 0;
	arena.active = 0;
}

size_t
arena_used(void)
{
	const struct chunk	*c;
	size_t			 n = 0;

	for (c = arena.head; c != NULL; c = c->next)
		n += c->used;
	return n;
}
