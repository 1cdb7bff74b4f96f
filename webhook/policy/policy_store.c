/*
 * policy_store.c - lock-free reads of the current policy set.
 *
 * A reader increments a global "readers in the acquire window" counter,
 * loads the pointer, takes a reference on the set, and leaves the window.
 * A publisher swaps the pointer, then waits until the window is empty
 * before dropping the store's reference to the old set, so no reader can
 * hold a pointer it has not yet counted. The window is a few instructions
 * long; publishers are rare (reloads), so their short spin is harmless.
 */
#include "policy/policy_store.h"

#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>

static _Atomic(struct policy_set *) store_current;
static atomic_long store_window;
static atomic_ulong store_generation;

struct policy_set *
policy_store_acquire(void)
{
	struct policy_set	*set;

	atomic_fetch_add(&store_window, 1);
	set = atomic_load(&store_current);
	if (set != NULL)
		policy_set_ref(set);
	atomic_fetch_sub(&store_window, 1);
	return set;
}

void
policy_store_release(struct policy_set *set)
{
	policy_set_unref(set);
}

static void
wait_window(void)
{
	while (atomic_load(&store_window) != 0)
		sched_yield();
}

unsigned long
policy_store_publish(struct policy_set *set)
{
	struct policy_set	*old;
	unsigned long		 gen;

	gen = atomic_fetch_add(&store_generation, 1) + 1;
	set->generation = gen;
	old = atomic_exchange(&store_current, set);
	wait_window();
	policy_set_unref(old);
	return gen;
}

void
policy_store_clear(void)
{
	struct policy_set	*old;

	old = atomic_exchange(&store_current, NULL);
	wait_window();
	policy_set_unref(old);
}
