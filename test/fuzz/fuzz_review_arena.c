/*
 * fuzz_review_arena.c - fuzz_review.c with the per-thread cJSON arena
 * installed, the allocator `gitgate serve` runs with (ASan sees the arena's
 * chunks, not each cJSON node: fuzz_review.c covers those).
 */
#define FUZZ_REVIEW_ARENA 1
#include "fuzz_review.c"
