/*
 * serve_opts.h - the flags of `gitgate serve` as one table (serve_opts.c):
 * each flag's variable, type, bounds, default, help and where it is
 * stored. cli_opt.c makes getopt, the environment, --help and the usage
 * lines from it; serve_limits.h names the bounds.
 */
#ifndef GITGATE_SERVE_OPTS_H
#define GITGATE_SERVE_OPTS_H

#include "base/log.h"
#include "cli/cli_opt.h"
#include "cli/serve_mem.h"
#include "http/server.h"

struct serve_opts {
	struct server_config	 srv;	/* listen, certs, limits, admission */
	const char		*policies;
	enum log_level		 log_level;
	int			 allow_expired;
	struct serve_mem_env	 mem;	/* the cgroup's limits, as read */
};

extern const struct cli_cmd	serve_opts_cmd;

/*
 * Fill o from the defaults, the GITGATE_* variables and argv (a flag wins
 * over its variable); --threads, --max-connections and
 * --max-inflight-bytes unset come from serve_mem_defaults() (the CPUs,
 * the cgroup's memory limit; $GITGATE_CGROUP_ROOT names another cgroup
 * directory, for tests). Returns 0; 1 after printing --help; -1 after
 * printing why on stderr. Strings are borrowed from argv and environ.
 */
int	serve_opts_parse(struct serve_opts *o, int argc, char **argv);

#endif
