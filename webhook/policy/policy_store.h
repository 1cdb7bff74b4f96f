/*
 * policy_store.h - the one mutable thing: which policy set is current.
 * Request threads take a reference without a lock (an atomic load and an
 * increment); a reload publishes a new set with one atomic swap. Old sets
 * are freed when their last reader lets go.
 */
#ifndef GITGATE_POLICY_STORE_H
#define GITGATE_POLICY_STORE_H

#include "policy/policy.h"

/*
 * Publish set (the store takes the caller's reference) and return its
 * generation (1, 2, ...). The previous set is released.
 */
unsigned long	policy_store_publish(struct policy_set *set);

/*
 * The current set with a reference the caller drops with
 * policy_store_release(); NULL before the first publish.
 */
struct policy_set *policy_store_acquire(void);
void	policy_store_release(struct policy_set *set);

/* Drop the current set (at exit). */
void	policy_store_clear(void);

#endif
