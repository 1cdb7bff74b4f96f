/*
 * test_serve_mem.c - webhook/cli/serve_mem.c: cgroup v2 files read from a
 * fake tree (a CPU quota, a memory limit, "max", missing, garbage), the
 * model's peak, and the defaults: with the shipped Deployment's 64 MiB
 * limit the modelled peak fits under SERVE_MEM_TARGET_PCT for 1 to 64
 * CPUs; without a limit they are the plain ones; flags given stay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/serve_limits.h"
#include "cli/serve_mem.h"
#include "unit.h"

#define MIB	(1024ull * 1024)

static char	root[] = "/tmp/gitgate-cgroup-XXXXXX";

static void
put(const char *name, const char *text)
{
	char	 path[256];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	if (text == NULL) {
		unlink(path);
		return;
	}
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fputs(text, f);
	fclose(f);
}

static void
test_read(void)
{
	struct serve_mem_env	e;
	long			online = sysconf(_SC_NPROCESSORS_ONLN);

	put("cpu.max", "150000 100000\n");
	put("memory.max", "67108864\n");
	serve_mem_env_read(root, &e);
	CHECK_INT(e.cpu_quota, 2);			/* 1.5 CPUs: 2 */
	CHECK_INT(e.cpus, online < 2 ? online : 2);
	CHECK(e.mem_max == 64 * MIB);
	put("cpu.max", "max 100000\n");
	put("memory.max", "max\n");
	serve_mem_env_read(root, &e);
	CHECK_INT(e.cpu_quota, 0);
	CHECK_INT(e.cpus, online);
	CHECK(e.mem_max == 0);
	put("cpu.max", "garbage\n");
	put("memory.max", "12x\n");
	serve_mem_env_read(root, &e);
	CHECK_INT(e.cpu_quota, 0);
	CHECK(e.mem_max == 0);
	put("cpu.max", NULL);
	put("memory.max", NULL);
	serve_mem_env_read(root, &e);			/* no files: no limit */
	CHECK_INT(e.cpu_quota, 0);
	CHECK(e.mem_max == 0);
	serve_mem_env_read("/nonexistent/gitgate", &e);
	CHECK(e.mem_max == 0);
}

static void
test_defaults(void)
{
	struct serve_mem_env	e = { 0, 0, 0 };
	struct server_config	c;
	unsigned		cpus;

	/* no limit: the plain defaults */
	memset(&c, 0, sizeof(c));
	c.max_body = SERVE_MAX_BODY_DEFAULT;
	e.cpus = 32;
	serve_mem_defaults(&e, &c);
	CHECK_INT(c.threads, SERVE_THREADS_DEFAULT_MAX);
	CHECK_INT(c.conn_limit, SERVE_CONNECTIONS_DEFAULT);
	CHECK(c.max_inflight_bytes == SERVE_INFLIGHT_BYTES_DEFAULT);
	/* the Deployment's 64 MiB on nodes of any size: fits */
	for (cpus = 1; cpus <= 64; cpus *= 2) {
		memset(&c, 0, sizeof(c));
		c.max_body = SERVE_MAX_BODY_DEFAULT;
		e.cpus = cpus;
		e.mem_max = 64 * MIB;
		serve_mem_defaults(&e, &c);
		CHECK(c.threads >= 1 && c.threads <= SERVE_THREADS_DEFAULT_MAX);
		CHECK(serve_mem_peak(&c) <= 64 * MIB / 100 *
		    SERVE_MEM_TARGET_PCT);
		CHECK(c.conn_limit >= SERVE_MEM_CONN_FLOOR);
		CHECK(c.max_inflight_bytes >= SERVE_MAX_BODY_DEFAULT / 2);
	}
	/* a bigger limit: more of both, up to the plain defaults */
	memset(&c, 0, sizeof(c));
	c.max_body = SERVE_MAX_BODY_DEFAULT;
	e.cpus = 16;
	e.mem_max = 1024 * MIB;
	serve_mem_defaults(&e, &c);
	CHECK_INT(c.conn_limit, SERVE_CONNECTIONS_DEFAULT);
	CHECK(c.max_inflight_bytes == SERVE_INFLIGHT_BYTES_DEFAULT);
	/* flags given stay; only what is left unset gives way */
	memset(&c, 0, sizeof(c));
	c.max_body = SERVE_MAX_BODY_DEFAULT;
	c.conn_limit = 500;
	c.threads = 3;
	e.mem_max = 64 * MIB;
	serve_mem_defaults(&e, &c);
	CHECK_INT(c.conn_limit, 500);
	CHECK_INT(c.threads, 3);
	CHECK(c.max_inflight_bytes < SERVE_INFLIGHT_BYTES_DEFAULT);
	/* the model grows with each term */
	c.conn_limit = 100;
	c.max_inflight_bytes = 8 * MIB;
	{
		uint64_t	p0 = serve_mem_peak(&c);

		c.conn_limit = 200;
		CHECK(serve_mem_peak(&c) == p0 + 100 * SERVE_MEM_PER_CONN);
		c.threads = 4;
		CHECK(serve_mem_peak(&c) == p0 + 100 * SERVE_MEM_PER_CONN +
		    SERVE_MEM_PER_THREAD);
	}
}

int
main(void)
{
	if (mkdtemp(root) == NULL)
		return 1;
	test_read();
	test_defaults();
	rmdir(root);
	return unit_done("serve_mem");
}
