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
#include "http/server.h"

struct serve_opts {
	struct server_config	 srv;	/* listen, certs, limits, admission */
	const char		*policies;
	enum log_level		 log_level;
	int			 allow_expired;
};

extern const struct cli_cmd	serve_opts_cmd;

/*
 * Fill o from the defaults, the GITGATE_* variables and argv (a flag wins
 * over its variable); --threads unset is one per CPU, at most
 * SERVE_THREADS_DEFAULT_MAX. Returns 0; 1 after printing --help; -1 after
 * printing why on stderr. Strings are borrowed from argv and environ.
 */
int	serve_opts_parse(struct serve_opts *o, int argc, char **argv);

#endif
