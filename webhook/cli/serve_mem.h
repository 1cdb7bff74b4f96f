/*
 * serve_mem.h - serve's memory model and the defaults drawn from it and
 * from the container's cgroup (cgroup v2 cpu.max and memory.max): with a
 * memory limit, --threads, --max-connections and --max-inflight-bytes
 * left unset are chosen so that the modelled peak stays under
 * SERVE_MEM_TARGET_PCT of it. The model counts what the body budget does
 * not: parse trees, per-thread memory, connections with their TLS state.
 */
#ifndef GITGATE_SERVE_MEM_H
#define GITGATE_SERVE_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "http/server.h"

/* What the container allows: 0 = not limited (or unknown). */
struct serve_mem_env {
	unsigned	cpus;		/* CPUs online, or the CPU quota */
	unsigned	cpu_quota;	/* ceil(quota / period), 0: none */
	uint64_t	mem_max;	/* memory.max in bytes, 0: none */
};

/*
 * Read root/cpu.max and root/memory.max (root: $GITGATE_CGROUP_ROOT, else
 * /sys/fs/cgroup); a file missing or "max" is no limit. cpus is the CPUs
 * online, lowered to the quota. Never fails.
 */
void		serve_mem_env_read(const char *root, struct serve_mem_env *e);
/* The modelled peak RSS in bytes of a server with this configuration. */
uint64_t	serve_mem_peak(const struct server_config *c);
/*
 * Fill the fields of c left 0 (threads, conn_limit, max_inflight_bytes)
 * from e: one thread per CPU (at most SERVE_THREADS_DEFAULT_MAX), and
 * with a memory limit the largest inflight bytes and connections (halving
 * the bytes, not below --max-body, until at least
 * SERVE_MEM_CONN_FLOOR connections fit) whose peak fits.
 */
void		serve_mem_defaults(const struct serve_mem_env *e,
		    struct server_config *c);

#endif
