/*
 * test_policy_store.c - webhook/policy/policy_store.c: nothing before the
 * first publish, generations 1, 2, ..., the reference each acquire takes
 * and each release drops, an old set kept alive by its reader after a
 * newer one is published, clear; then 4 reader threads acquiring and
 * releasing while 200 sets are published: every acquire sees a set whose
 * generation never goes backwards for that reader, and afterwards each
 * set holds exactly the references the test kept (none leaked or lost).
 * Run under `make valgrind` / SANITIZE=address, a use after free shows.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "policy/policy.h"
#include "policy/policy_store.h"
#include "unit.h"

#define N_SETS		200
#define N_READERS	4

/*
 * A fresh, empty set with refs 1, as the loader hands one over: the store
 * cares for the reference count and the generation, not the policies.
 */
static struct policy_set *
new_set(void)
{
	struct policy_set	*set;

	if ((set = calloc(1, sizeof(*set))) != NULL)
		atomic_init(&set->refs, 1);
	return set;
}

static long
refs(struct policy_set *set)
{
	return atomic_load(&set->refs);
}

static void
test_sequence(void)
{
	struct policy_set	*a, *b, *got, *got2;

	CHECK(policy_store_acquire() == NULL);
	policy_store_release(NULL);
	a = new_set();
	b = new_set();
	CHECK(a != NULL && b != NULL);
	if (a == NULL || b == NULL)
		return;
	CHECK_INT(refs(a), 1);
	CHECK_INT(policy_store_publish(a), 1);	/* the store takes a's ref */
	CHECK_INT(a->generation, 1);
	got = policy_store_acquire();
	CHECK(got == a);
	CHECK_INT(refs(a), 2);
	got2 = policy_store_acquire();
	CHECK(got2 == a);
	CHECK_INT(refs(a), 3);
	policy_store_release(got2);
	CHECK_INT(refs(a), 2);
	policy_set_ref(b);			/* the test watches b too */
	CHECK_INT(policy_store_publish(b), 2);
	CHECK_INT(b->generation, 2);
	CHECK_INT(refs(a), 1);			/* only our reader holds a */
	CHECK_INT(refs(b), 2);
	CHECK_INT(got->generation, 1);		/* still readable */
	policy_store_release(got);		/* a is freed here */
	got = policy_store_acquire();
	CHECK(got == b);
	CHECK_INT(refs(b), 3);
	policy_store_release(got);
	policy_store_clear();
	CHECK(policy_store_acquire() == NULL);
	CHECK_INT(refs(b), 1);			/* ours */
	policy_set_unref(b);
}

static atomic_int	stop;
static atomic_long	acquires, backwards, nulls;

static void *
reader(void *arg)
{
	struct policy_set	*set;
	unsigned long		 last = 0;

	(void)arg;
	while (!atomic_load(&stop)) {
		if ((set = policy_store_acquire()) == NULL) {
			atomic_fetch_add(&nulls, 1);
			continue;
		}
		if (set->generation < last)
			atomic_fetch_add(&backwards, 1);
		last = set->generation;
		if (refs(set) < 1)
			atomic_fetch_add(&backwards, 1);
		atomic_fetch_add(&acquires, 1);
		policy_store_release(set);
	}
	return NULL;
}

static void
test_threads(void)
{
	static struct policy_set	*sets[N_SETS];
	pthread_t			 t[N_READERS];
	unsigned long			 gen0;
	size_t				 i, exact = 0;

	for (i = 0; i < N_SETS; i++)
		if ((sets[i] = new_set()) == NULL)
			return;
	policy_set_ref(sets[0]);
	gen0 = policy_store_publish(sets[0]);
	for (i = 0; i < N_READERS; i++)
		pthread_create(&t[i], NULL, reader, NULL);
	for (i = 1; i < N_SETS; i++) {
		policy_set_ref(sets[i]);	/* kept to count afterwards */
		CHECK_INT(policy_store_publish(sets[i]), gen0 + i);
		if (i % 20 == 0)
			sched_yield();
	}
	/*
	 * On a loaded machine the readers may not have run yet: let them
	 * acquire at least once (bounded) before stopping them.
	 */
	for (i = 0; i < 5000 && atomic_load(&acquires) == 0; i++)
		usleep(1000);
	atomic_store(&stop, 1);
	for (i = 0; i < N_READERS; i++)
		pthread_join(t[i], NULL);
	CHECK(atomic_load(&acquires) > 0);
	CHECK_INT(atomic_load(&backwards), 0);
	CHECK_INT(atomic_load(&nulls), 0);
	/* readers gave every reference back: ours, and the store's on the last */
	for (i = 0; i < N_SETS; i++)
		exact += refs(sets[i]) == (i == N_SETS - 1 ? 2 : 1);
	CHECK_INT(exact, N_SETS);
	policy_store_clear();
	for (i = 0; i < N_SETS; i++)
		policy_set_unref(sets[i]);
}

int
main(void)
{
	test_sequence();
	test_threads();
	return unit_done("policy_store");
}
