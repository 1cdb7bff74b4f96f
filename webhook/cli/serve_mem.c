/*
 * serve_mem.c - the memory model (constants measured with
 * test/bench/mem_peak.py, in serve_limits.h) and the cgroup v2 files it
 * reads. Bounded reads of two small files; no other I/O.
 */
#include "cli/serve_mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/serve_limits.h"
#include "http/body_budget.h"

/* The first line of dir/name into buf (SERVE_MEM_FILE_MAX); -1 if none. */
static int
read_line(const char *dir, const char *name, char *buf, size_t len)
{
	char	 path[1024];
	FILE	*f;
	int	 rc = -1;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path) || (f = fopen(path, "re")) == NULL)
		return -1;
	if (fgets(buf, (int)len, f) != NULL) {
		buf[strcspn(buf, "\n")] = '\0';
		rc = 0;
	}
	fclose(f);
	return rc;
}

/* A decimal number, all of s; -1 if it is not one. */
static int
parse_u64(const char *s, uint64_t *v)
{
	char	*end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno != 0 || (*end != '\0' && *end != ' ') ? -1 : 0;
}

void
serve_mem_env_read(const char *root, struct serve_mem_env *e)
{
	char		 buf[SERVE_MEM_FILE_MAX], *sp;
	uint64_t	 quota, period;
	long		 n;

	memset(e, 0, sizeof(*e));
	n = sysconf(_SC_NPROCESSORS_ONLN);
	e->cpus = n < 1 ? 1 : (unsigned)n;
	if (root == NULL || *root == '\0')
		root = SERVE_CGROUP_ROOT;
	if (read_line(root, "cpu.max", buf, sizeof(buf)) == 0 &&
	    (sp = strchr(buf, ' ')) != NULL && parse_u64(buf, &quota) == 0 &&
	    parse_u64(sp + 1, &period) == 0 && period > 0 && quota > 0) {
		quota = (quota + period - 1) / period;
		e->cpu_quota = quota > SERVE_THREADS_MAX ? SERVE_THREADS_MAX :
		    (unsigned)quota;
		if (e->cpu_quota < e->cpus)
			e->cpus = e->cpu_quota;
	}
	if (read_line(root, "memory.max", buf, sizeof(buf)) == 0 &&
	    parse_u64(buf, &e->mem_max) == -1)
		e->mem_max = 0;			/* "max" */
}

uint64_t
serve_mem_peak(const struct server_config *c)
{
	uint64_t	bodies, trees, cap;

	/* a body alone always proceeds; small ones pass by a share more */
	cap = c->max_inflight_bytes > c->max_body ? c->max_inflight_bytes :
	    c->max_body;
	bodies = cap + c->max_inflight_bytes / BODY_BUDGET_SMALL_SHARE;
	/* trees are built by the threads, one body each at most */
	trees = (uint64_t)c->threads * c->max_body;
	if (trees > bodies)
		trees = bodies;
	return SERVE_MEM_BASE + (uint64_t)c->conn_limit * SERVE_MEM_PER_CONN +
	    (uint64_t)c->threads * SERVE_MEM_PER_THREAD + bodies +
	    trees * SERVE_MEM_TREE;
}

/* The connections that fit beside the rest; 0 if none do. */
static unsigned
conns_fitting(struct server_config *c, uint64_t target)
{
	uint64_t	rest;

	c->conn_limit = 0;
	rest = serve_mem_peak(c);
	if (rest >= target)
		return 0;
	rest = (target - rest) / SERVE_MEM_PER_CONN;
	return rest > SERVE_CONNECTIONS_DEFAULT ? SERVE_CONNECTIONS_DEFAULT :
	    (unsigned)rest;
}

void
serve_mem_defaults(const struct serve_mem_env *e, struct server_config *c)
{
	uint64_t	target;
	unsigned	conns;
	int		want_conns = c->conn_limit == 0;
	int		want_bytes = c->max_inflight_bytes == 0;

	if (c->threads == 0)
		c->threads = e->cpus > SERVE_THREADS_DEFAULT_MAX ?
		    SERVE_THREADS_DEFAULT_MAX : e->cpus;
	if (want_bytes)
		c->max_inflight_bytes = SERVE_INFLIGHT_BYTES_DEFAULT;
	if (want_conns)
		c->conn_limit = SERVE_CONNECTIONS_DEFAULT;
	if (e->mem_max == 0 || (!want_conns && !want_bytes))
		return;
	target = e->mem_max / 100 * SERVE_MEM_TARGET_PCT;
	if (!want_conns) {
		while (want_bytes && serve_mem_peak(c) > target &&
		    c->max_inflight_bytes / 2 >= SERVE_INFLIGHT_BYTES_MIN &&
		    c->max_inflight_bytes / 2 >= c->max_body)
			c->max_inflight_bytes /= 2;
		return;
	}
	conns = conns_fitting(c, target);
	while (want_bytes && conns < SERVE_MEM_CONN_FLOOR &&
	    c->max_inflight_bytes / 2 >= SERVE_INFLIGHT_BYTES_MIN &&
	    c->max_inflight_bytes / 2 >= c->max_body / 2) {
		c->max_inflight_bytes /= 2;
		conns = conns_fitting(c, target);
	}
	c->conn_limit = conns < SERVE_MEM_CONN_MIN ? SERVE_MEM_CONN_MIN :
	    conns;
}
