/*
 * control.h - serve's lifecycle once it is up, as OpenBSD httpd's parent
 * process: signals (SIGTERM/SIGINT stop, SIGHUP reloads), policy reload on
 * inotify (kubelet's ..data swap included, debounced), certificate reload
 * when the key pair's files change, and the idle-trim tick. It does not
 * parse flags or start the server.
 */
#ifndef GITGATE_CONTROL_H
#define GITGATE_CONTROL_H

#include <sys/types.h>
#include <time.h>

#include "cli/serve_limits.h"
#include "http/server.h"

/* What identifies a file's content cheaply: inode, size, mtime. */
struct control_file_id {
	dev_t		dev;
	ino_t		ino;
	off_t		size;
	struct timespec	mtime;
};

struct control {
	const char		*policies;	/* borrowed */
	const char		*cert_file;	/* borrowed */
	const char		*key_file;	/* borrowed */
	unsigned		 cert_flags;	/* CERTS_ALLOW_EXPIRED */
	struct server		*srv;		/* borrowed, set by control_run */
	int			 sfd;		/* signalfd */
	int			 ifd;		/* inotify, -1 without */
	int			 wd;		/* watch on policies, -1: lost */
	int			 pending;	/* a reload waits for quiet */
	unsigned		 retry_s;	/* failed: next wait, 0: none */
	time_t			 retry_at;	/* CLOCK_MONOTONIC seconds */
	struct control_file_id	 certs[2];	/* cert, key as last seen */
};

/*
 * Block SIGTERM, SIGINT and SIGHUP in this thread (call it before
 * server_start() so the server's threads inherit the mask) and open the
 * signal and inotify descriptors. The paths are borrowed for ctl's life.
 * Returns 0, or -1 with the reason in err.
 */
int	control_init(struct control *ctl, const char *policies,
	    const char *cert_file, const char *key_file, unsigned cert_flags,
	    char *err, size_t errlen);
/*
 * Run until SIGTERM or SIGINT: reload policies on SIGHUP or a change in
 * the directory (a failed reload is retried with backoff), the key pair
 * when its files change, trim idle memory.
 */
void	control_run(struct control *ctl, struct server *srv);
/*
 * Load the policy directory and publish it unless it equals the set in
 * force (why goes in the log line). Returns 0, or -1 when it does not load
 * (logged, counted; the set in force stays).
 */
int	control_reload(const char *policies, const char *why);
/*
 * For a set about to be published: a warn log line for each exception
 * expired or expiring within POLICY_EXCEPTION_WARN_DAYS (never a
 * refusal), and the expiry gauge replaced by the set's exceptions.
 */
void	control_exceptions(const struct policy_set *set);
/*
 * Load the key pair again if its files changed since last seen; a broken
 * new pair is logged and counted and the old one keeps serving.
 */
void	control_reload_cert(struct control *ctl);
/*
 * Stop: drain and stop srv (NULL: none started), drop the policy set,
 * close the descriptors. ctl can be one whose control_init() failed.
 */
void	control_shutdown(struct control *ctl, struct server *srv);

#endif
