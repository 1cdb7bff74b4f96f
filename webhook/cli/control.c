/*
 * control.c - what serve does between start and stop (control.h): one
 * thread waiting on a signalfd and an inotify descriptor, waking at least
 * every SERVE_TICK_MS. A reload builds a new policy set and swaps it in;
 * a broken one is logged and the set in force stays. Flags and start-up
 * checks are cli_serve.c's.
 */
#include "cli/control.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "admission/admission.h"
#include "base/diag.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/metrics_exception.h"
#include "http/tls_cert.h"
#include "policy/policy_exception.h"
#include "policy/policy_set.h"
#include "policy/policy_store.h"
#include "rules/rules.h"

#define CONTROL_INOTIFY_BUF	4096	/* events read at once */

static void
file_id_get(const char *path, struct control_file_id *id)
{
	struct stat	st;

	memset(id, 0, sizeof(*id));
	if (stat(path, &st) == 0) {
		id->dev = st.st_dev;
		id->ino = st.st_ino;
		id->size = st.st_size;
		id->mtime = st.st_mtim;
	}
}

static int
file_id_same(const struct control_file_id *a, const struct control_file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtime.tv_sec == b->mtime.tv_sec &&
	    a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static int
watch_dir(int ifd, const char *dir)
{
	return inotify_add_watch(ifd, dir, IN_CREATE | IN_DELETE |
	    IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE | IN_ATTRIB |
	    IN_DELETE_SELF | IN_MOVE_SELF | IN_DONT_FOLLOW | IN_ONLYDIR);
}

int
control_init(struct control *ctl, const char *policies, const char *cert_file,
    const char *key_file, unsigned cert_flags, char *err, size_t errlen)
{
	sigset_t	mask;

	memset(ctl, 0, sizeof(*ctl));
	ctl->policies = policies;
	ctl->cert_file = cert_file;
	ctl->key_file = key_file;
	ctl->cert_flags = cert_flags;
	ctl->ifd = ctl->wd = -1;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	if ((ctl->sfd = signalfd(-1, &mask, SFD_CLOEXEC)) == -1) {
		snprintf(err, errlen, "signalfd: %s", strerror(errno));
		return -1;
	}
	file_id_get(cert_file, &ctl->certs[0]);
	file_id_get(key_file, &ctl->certs[1]);
	if ((ctl->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) >= 0)
		ctl->wd = watch_dir(ctl->ifd, policies);
	return 0;
}

void
control_exceptions(const struct policy_set *set)
{
	const char	*names[POLICY_EXCEPTIONS_MAX];
	long long	 expires[POLICY_EXCEPTIONS_MAX];
	struct diag	 d;
	size_t		 i;

	diag_init(&d);
	(void)policy_exception_report(set, (long long)time(NULL),
	    POLICY_EXCEPTION_WARN_DAYS, 0, &d);
	for (i = 0; i < d.n; i++)
		log_msg(LOG_WARN, "policy_diagnostic", "%s", d.v[i].text);
	diag_free(&d);
	for (i = 0; i < set->n_exceptions && i < POLICY_EXCEPTIONS_MAX; i++) {
		names[i] = set->exceptions[i].name;
		expires[i] = set->exceptions[i].expires;
	}
	metrics_exception_expiry(names, expires, i);
}

int
control_reload(const char *dir, const char *why)
{
	struct policy_set	*set, *cur;
	struct diag		 d;
	unsigned long		 gen;
	size_t			 i;
	int			 same;

	diag_init(&d);
	set = policy_set_load(dir, rules_kinds, &d);
	for (i = 0; i < d.n; i++)
		log_msg(d.v[i].level == DIAG_ERROR ? LOG_ERROR : LOG_WARN,
		    "policy_diagnostic", "%s", d.v[i].text);
	if (set == NULL) {
		log_msg(LOG_ERROR, "policy_reload_failed", "%s: %zu error(s); "
		    "keeping the policy set in force (%s)", dir, d.errors, why);
		metrics_reload(0);
		diag_free(&d);
		return -1;
	}
	diag_free(&d);
	cur = policy_store_acquire();
	same = cur != NULL && strcmp(cur->sha256, set->sha256) == 0;
	policy_store_release(cur);
	if (same) {
		policy_set_unref(set);
		return 0;
	}
	control_exceptions(set);
	gen = policy_store_publish(set);
	metrics_reload(1);
	log_msg(LOG_INFO, "policy_reloaded", "%s: generation %lu, %zu "
	    "policies, sha256 %s (%s)", dir, gen, set->n_policies,
	    set->sha256, why);
	return 0;
}

/*
 * cert-manager renewing a Secret: kubelet swaps ..data, so both files
 * change at once.
 */
void
control_reload_cert(struct control *ctl)
{
	struct control_file_id	now[2];
	struct certs_info	info;
	char			err[512];

	file_id_get(ctl->cert_file, &now[0]);
	file_id_get(ctl->key_file, &now[1]);
	if (file_id_same(&now[0], &ctl->certs[0]) &&
	    file_id_same(&now[1], &ctl->certs[1]))
		return;
	ctl->certs[0] = now[0];
	ctl->certs[1] = now[1];
	if (tls_cert_check(ctl->cert_file, ctl->key_file, time(NULL),
	    ctl->cert_flags, &info, err, sizeof(err)) == -1 ||
	    server_reload_cert(ctl->srv, err, sizeof(err)) == -1) {
		log_msg(LOG_ERROR, "cert_reload_failed", "%s; keeping the "
		    "certificate in force", err);
		metrics_cert_reload(0);
		return;
	}
	metrics_cert_reload(1);
	metrics_cert_expiry(info.not_after);
	log_msg(LOG_INFO, "cert_reloaded", "%s: %s, sha256 %s",
	    ctl->cert_file, info.subject, info.sha256);
}

/* Drain inotify events; returns 1 if the watch on the directory is gone. */
static int
drain_inotify(int ifd)
{
	char	ev[CONTROL_INOTIFY_BUF] __attribute__((aligned(8)));
	ssize_t	n;
	size_t	off;
	int	gone = 0;

	while ((n = read(ifd, ev, sizeof(ev))) > 0)
		for (off = 0; off < (size_t)n;) {
			const struct inotify_event *ie =
			    (const struct inotify_event *)(void *)(ev + off);

			if (ie->mask & (IN_IGNORED | IN_DELETE_SELF |
			    IN_MOVE_SELF))
				gone = 1;
			off += sizeof(*ie) + ie->len;
		}
	return gone;
}

/* The directory changed: drop a lost watch (re-armed on the tick). */
static void
policies_changed(struct control *ctl)
{
	if (drain_inotify(ctl->ifd) && ctl->wd >= 0) {
		inotify_rm_watch(ctl->ifd, ctl->wd);
		ctl->wd = -1;
	}
	ctl->pending = 1;
}

static time_t
mono_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/*
 * Reload; a failure (a file unreadable for now: descriptors exhausted, a
 * symlink whose target is not there yet) is tried again after
 * SERVE_RELOAD_RETRY_MIN_S, doubling up to SERVE_RELOAD_RETRY_MAX_S,
 * until a reload succeeds, whatever the directory does meanwhile.
 */
static void
control_reload_retry(struct control *ctl, const char *why)
{
	if (control_reload(ctl->policies, why) == 0) {
		ctl->retry_s = 0;
		return;
	}
	if (ctl->retry_s == 0)
		ctl->retry_s = SERVE_RELOAD_RETRY_MIN_S;
	else if ((ctl->retry_s *= 2) > SERVE_RELOAD_RETRY_MAX_S)
		ctl->retry_s = SERVE_RELOAD_RETRY_MAX_S;
	ctl->retry_at = mono_now() + ctl->retry_s;
	log_msg(LOG_WARN, "policy_reload_retry", "trying %s again in %u s",
	    ctl->policies, ctl->retry_s);
}

/*
 * Every wake-up: the key pair, idle memory, a lost watch, a quiet reload,
 * a failed reload's retry.
 */
static void
control_tick(struct control *ctl, int quiet)
{
	control_reload_cert(ctl);
	(void)admission_trim_idle();
	if (ctl->wd < 0 && ctl->ifd >= 0 &&
	    (ctl->wd = watch_dir(ctl->ifd, ctl->policies)) >= 0)
		ctl->pending = 1;
	if (quiet && ctl->pending) {
		ctl->pending = 0;
		control_reload_retry(ctl, "directory changed");
	} else if (ctl->retry_s != 0 && mono_now() >= ctl->retry_at)
		control_reload_retry(ctl, "retry after a failed reload");
}

/* Returns 1 when the signal read from sfd asks to stop (all but SIGHUP). */
static int
control_signal(struct control *ctl)
{
	struct signalfd_siginfo	si;

	if (read(ctl->sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return 0;
	if (si.ssi_signo == SIGHUP) {
		control_reload_retry(ctl, "SIGHUP");
		return 0;
	}
	log_msg(LOG_INFO, "shutdown", "signal %d: finishing in-flight "
	    "requests", (int)si.ssi_signo);
	return 1;
}

void
control_run(struct control *ctl, struct server *srv)
{
	struct pollfd	pfd[2];
	int		n;

	ctl->srv = srv;
	for (;;) {
		pfd[0].fd = ctl->sfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = ctl->ifd;
		pfd[1].events = POLLIN;
		n = poll(pfd, 2, ctl->pending ? SERVE_RELOAD_DEBOUNCE_MS :
		    SERVE_TICK_MS);
		control_tick(ctl, n == 0);
		if (n <= 0)
			continue;
		if (pfd[1].revents & POLLIN)
			policies_changed(ctl);
		if ((pfd[0].revents & POLLIN) && control_signal(ctl))
			break;
	}
}

void
control_shutdown(struct control *ctl, struct server *srv)
{
	server_stop(srv);
	policy_store_clear();
	if (ctl->ifd >= 0)
		close(ctl->ifd);
	if (ctl->sfd >= 0)
		close(ctl->sfd);
	ctl->ifd = ctl->sfd = -1;
	ctl->srv = NULL;
}
