/*
 * cli_serve.c - `gitgate serve`: flags (each also read from a GITGATE_*
 * environment variable), start-up checks that refuse a bad certificate or
 * policy directory with a clear message, then the control loop: signals
 * (SIGTERM/SIGINT stop gracefully, SIGHUP reloads) and inotify on the
 * policies directory (kubelet's ..data swap included).
 */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "admission/admission.h"
#include "base/log.h"
#include "base/metrics.h"
#include "policy/policy_store.h"
#include "wire/review.h"
#include "http/server.h"
#include "http/tls_cert.h"

#define SERVE_RELOAD_DEBOUNCE_MS	200

struct serve_opts {
	struct server_config	 srv;
	const char		*policies;
	const char		*log_level;
	int			 allow_expired;
};

static const struct option serve_options[] = {
	{ "listen", required_argument, NULL, 'l' },
	{ "tls-cert", required_argument, NULL, 'c' },
	{ "tls-key", required_argument, NULL, 'k' },
	{ "policies", required_argument, NULL, 'p' },
	{ "audit", no_argument, NULL, 'a' },
	{ "client-ca", required_argument, NULL, 'C' },
	{ "max-body", required_argument, NULL, 'b' },
	{ "threads", required_argument, NULL, 't' },
	{ "log-level", required_argument, NULL, 'L' },
	{ "max-connections", required_argument, NULL, 'm' },
	{ "connection-timeout", required_argument, NULL, 'T' },
	{ "allow-expired-cert", no_argument, NULL, 'E' },
	{ "max-header-bytes", required_argument, NULL, 'H' },
	{ "max-json-depth", required_argument, NULL, 'J' },
	{ "max-inflight-bytes", required_argument, NULL, 'I' },
	{ NULL, 0, NULL, 0 }
};

/* The environment variable of each flag, GITGATE_ + upper-case name. */
static const char *
env_of(const char *flag, char *buf, size_t len)
{
	size_t	i, o;

	o = (size_t)snprintf(buf, len, "GITGATE_");
	for (i = 0; flag[i] != '\0' && o + 1 < len; i++)
		buf[o++] = flag[i] == '-' ? '_' : (char)(flag[i] >= 'a' &&
		    flag[i] <= 'z' ? flag[i] - 'a' + 'A' : flag[i]);
	buf[o] = '\0';
	return getenv(buf);
}

static int
parse_range(const char *name, const char *s, unsigned long long min,
    unsigned long long max, unsigned long long *out)
{
	char	*end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *s == '-' ||
	    *out < min || *out > max) {
		fprintf(stderr, "gitgate: --%s: expected a number from %llu "
		    "to %llu, got \"%s\"\n", name, min, max, s);
		return -1;
	}
	return 0;
}

static int
parse_num(const char *name, const char *s, unsigned long long max,
    unsigned long long *out)
{
	return parse_range(name, s, 1, max, out);
}

static int
set_opt(struct serve_opts *o, int c, const char *name, const char *v)
{
	unsigned long long	n;
	int			on;

	switch (c) {
	case 'l':
		o->srv.listen = v;
		return 0;
	case 'c':
		o->srv.cert_file = v;
		return 0;
	case 'k':
		o->srv.key_file = v;
		return 0;
	case 'p':
		o->policies = v;
		return 0;
	case 'C':
		o->srv.client_ca_file = v;
		return 0;
	case 'L':
		o->log_level = v;
		return 0;
	case 'a':
	case 'E':
		on = v == NULL || strcmp(v, "1") == 0 || strcmp(v, "true") == 0;
		if (c == 'a')
			o->srv.admission.force_audit = on;
		else
			o->allow_expired = on;
		return 0;
	case 'b':
		if (parse_num(name, v, SERVER_MAX_BODY_LIMIT, &n) == -1)
			return -1;
		o->srv.max_body = (size_t)n;
		return 0;
	case 't':
		if (parse_num(name, v, 64, &n) == -1)
			return -1;
		o->srv.threads = (unsigned)n;
		return 0;
	case 'm':
		if (parse_num(name, v, 100000, &n) == -1)
			return -1;
		o->srv.conn_limit = (unsigned)n;
		return 0;
	case 'T':
		if (parse_num(name, v, 3600, &n) == -1)
			return -1;
		o->srv.conn_timeout = (unsigned)n;
		return 0;
	case 'H':
		if (parse_range(name, v, SERVER_HEADER_BYTES_MIN,
		    SERVER_HEADER_BYTES_LIMIT, &n) == -1)
			return -1;
		o->srv.max_header_bytes = (size_t)n;
		return 0;
	case 'J':
		if (parse_num(name, v, REVIEW_JSON_DEPTH_MAX, &n) == -1)
			return -1;
		o->srv.admission.max_json_depth = (unsigned)n;
		return 0;
	case 'I':
		if (parse_range(name, v, SERVER_INFLIGHT_BYTES_MIN,
		    SERVER_INFLIGHT_BYTES_LIMIT, &n) == -1)
			return -1;
		o->srv.max_inflight_bytes = (size_t)n;
		return 0;
	default:
		return -1;
	}
}

static int
parse_opts(int argc, char **argv, struct serve_opts *o)
{
	const struct option	*opt;
	const char		*v;
	char			 env[64];
	long			 n;
	int			 c;

	memset(o, 0, sizeof(*o));
	o->srv.listen = "0.0.0.0:8443";
	o->srv.max_body = SERVER_MAX_BODY_DEFAULT;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	o->srv.threads = n < 1 ? 1 : n > 16 ? 16 : (unsigned)n;
	o->srv.conn_limit = SERVER_CONN_LIMIT_DEFAULT;
	o->srv.conn_timeout = SERVER_CONN_TIMEOUT_DEFAULT;
	o->srv.max_header_bytes = SERVER_HEADER_BYTES_DEFAULT;
	o->srv.max_inflight_bytes = SERVER_INFLIGHT_BYTES_DEFAULT;
	o->srv.admission.max_json_depth = REVIEW_JSON_DEPTH_DEFAULT;
	o->log_level = "info";
	for (opt = serve_options; opt->name != NULL; opt++)
		if ((v = env_of(opt->name, env, sizeof(env))) != NULL &&
		    *v != '\0' && set_opt(o, opt->val, opt->name, v) == -1)
			return -1;
	while ((c = getopt_long(argc, argv, "", serve_options, NULL)) != -1) {
		for (opt = serve_options; opt->name != NULL; opt++)
			if (opt->val == c)
				break;
		if (opt->name == NULL ||
		    set_opt(o, c, opt->name, optarg) == -1)
			return -1;
	}
	if (optind != argc || o->srv.cert_file == NULL ||
	    o->srv.key_file == NULL || o->policies == NULL) {
		fprintf(stderr, "usage: gitgate serve --listen ADDR:PORT "
		    "--tls-cert FILE --tls-key FILE --policies DIR [--audit] "
		    "[--client-ca FILE] [--max-body BYTES] [--threads N] "
		    "[--log-level debug|info|warn|error] "
		    "[--max-connections N] [--connection-timeout S] "
		    "[--max-header-bytes BYTES] [--max-json-depth N] "
		    "[--max-inflight-bytes BYTES] [--allow-expired-cert]\n");
		return -1;
	}
	return 0;
}

/* Load the policy directory; publish it unless it equals the current. */
static int
reload_policies(const char *dir, const char *why)
{
	struct policy_set	*set, *cur;
	struct diag		 d;
	unsigned long		 gen;
	size_t			 i;
	int			 same;

	diag_init(&d);
	set = policy_set_load(dir, &d);
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
	gen = policy_store_publish(set);
	metrics_reload(1);
	log_msg(LOG_INFO, "policy_reloaded", "%s: generation %lu, %zu "
	    "policies, sha256 %s (%s)", dir, gen, set->n_policies,
	    set->sha256, why);
	return 0;
}

static int
watch_dir(int ifd, const char *dir)
{
	return inotify_add_watch(ifd, dir, IN_CREATE | IN_DELETE |
	    IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE | IN_ATTRIB |
	    IN_DELETE_SELF | IN_MOVE_SELF | IN_DONT_FOLLOW | IN_ONLYDIR);
}

/* What identifies a file's content cheaply: inode, size, mtime. */
struct file_id {
	dev_t		dev;
	ino_t		ino;
	off_t		size;
	struct timespec	mtime;
};

static void
file_id_get(const char *path, struct file_id *id)
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
file_id_same(const struct file_id *a, const struct file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtime.tv_sec == b->mtime.tv_sec &&
	    a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/*
 * Reload the serving pair when its files change (cert-manager renewing a
 * Secret: kubelet swaps ..data, so both change at once). A broken new pair
 * is logged and counted; the old one keeps serving.
 */
static void
cert_watch(const struct serve_opts *o, struct server *srv,
    struct file_id seen[2])
{
	struct file_id		now[2];
	struct certs_info	info;
	char			err[512];

	file_id_get(o->srv.cert_file, &now[0]);
	file_id_get(o->srv.key_file, &now[1]);
	if (file_id_same(&now[0], &seen[0]) && file_id_same(&now[1], &seen[1]))
		return;
	seen[0] = now[0];
	seen[1] = now[1];
	if (tls_cert_check(o->srv.cert_file, o->srv.key_file, time(NULL),
	    o->allow_expired ? CERTS_ALLOW_EXPIRED : 0, &info, err,
	    sizeof(err)) == -1 ||
	    server_reload_cert(srv, err, sizeof(err)) == -1) {
		log_msg(LOG_ERROR, "cert_reload_failed", "%s; keeping the "
		    "certificate in force", err);
		metrics_cert_reload(0);
		return;
	}
	metrics_cert_reload(1);
	metrics_cert_expiry(info.not_after);
	log_msg(LOG_INFO, "cert_reloaded", "%s: %s, sha256 %s",
	    o->srv.cert_file, info.subject, info.sha256);
}

/* Drain inotify events; returns 1 if the watch on the directory is gone. */
static int
drain_inotify(int ifd)
{
	char	ev[4096] __attribute__((aligned(8)));
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

/*
 * The control loop; returns when SIGTERM or SIGINT arrives. Wakes up at
 * least every second to look at the certificate files and to re-arm a
 * lost directory watch.
 */
static void
control_loop(const struct serve_opts *o, struct server *srv, int sfd)
{
	struct signalfd_siginfo	 si;
	struct pollfd		 pfd[2];
	struct file_id		 certs[2];
	int			 ifd, wd, pending = 0, n;

	file_id_get(o->srv.cert_file, &certs[0]);
	file_id_get(o->srv.key_file, &certs[1]);
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	wd = ifd >= 0 ? watch_dir(ifd, o->policies) : -1;
	for (;;) {
		pfd[0].fd = sfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = ifd;
		pfd[1].events = POLLIN;
		n = poll(pfd, 2, pending ? SERVE_RELOAD_DEBOUNCE_MS : 1000);
		cert_watch(o, srv, certs);
		(void)admission_trim_idle();
		if (wd < 0 && ifd >= 0 &&
		    (wd = watch_dir(ifd, o->policies)) >= 0)
			pending = 1;
		if (n == 0 && pending) {
			reload_policies(o->policies, "directory changed");
			pending = 0;
		}
		if (n <= 0)
			continue;
		if (pfd[1].revents & POLLIN) {
			if (drain_inotify(ifd) && wd >= 0) {
				inotify_rm_watch(ifd, wd);
				wd = -1;
			}
			pending = 1;
		}
		if (!(pfd[0].revents & POLLIN) ||
		    read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			continue;
		if (si.ssi_signo == SIGHUP) {
			reload_policies(o->policies, "SIGHUP");
			continue;
		}
		log_msg(LOG_INFO, "shutdown", "signal %d: finishing in-flight "
		    "requests", (int)si.ssi_signo);
		break;
	}
	if (ifd >= 0)
		close(ifd);
}

static int
check_certificate(const struct serve_opts *o)
{
	struct certs_info	info;
	char			err[512];

	if (tls_cert_check(o->srv.cert_file, o->srv.key_file, time(NULL),
	    o->allow_expired ? CERTS_ALLOW_EXPIRED : 0, &info, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "gitgate: serve: %s%s\n", err,
		    strstr(err, "expired") != NULL ?
		    " (renew it, or pass --allow-expired-cert)" : "");
		return -1;
	}
	if (err[0] != '\0')
		log_msg(LOG_WARN, "certificate", "%s", err);
	metrics_cert_expiry(info.not_after);
	if (info.not_after >= time(NULL) &&
	    info.not_after - time(NULL) < 30 * 86400)
		log_msg(LOG_WARN, "certificate_expiring", "%s expires in less "
		    "than 30 days", o->srv.cert_file);
	return 0;
}

int
cli_serve(int argc, char **argv)
{
	struct serve_opts	 o;
	struct server		*srv;
	struct policy_set	*set;
	enum log_level		 level;
	sigset_t		 mask;
	char			 err[512];
	int			 sfd;

	if (parse_opts(argc, argv, &o) == -1)
		return 2;
	if (log_level_parse(o.log_level, &level) == -1) {
		fprintf(stderr, "gitgate: --log-level must be debug, info, "
		    "warn or error\n");
		return 2;
	}
	log_set_level(level);
	if (check_certificate(&o) == -1)
		return 2;
	/*
	 * Big buffers come from malloc's heaps and are reused while big
	 * reviews keep coming; the control loop trims once they stop.
	 */
	mallopt(M_MMAP_THRESHOLD, ADMISSION_MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, 2 * ADMISSION_MMAP_THRESHOLD);
	if ((set = cli_load_policies(o.policies)) == NULL)
		return 2;
	policy_store_publish(set);
	metrics_reload(1);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	if ((sfd = signalfd(-1, &mask, SFD_CLOEXEC)) == -1) {
		fprintf(stderr, "gitgate: signalfd: %s\n", strerror(errno));
		policy_store_clear();
		return 2;
	}
	if ((srv = server_start(&o.srv, err, sizeof(err))) == NULL) {
		fprintf(stderr, "gitgate: serve: %s\n", err);
		policy_store_clear();
		close(sfd);
		return 2;
	}
	log_msg(LOG_INFO, "start", "gitgate %s serving %s with %zu policies "
	    "from %s%s", GITGATE_VERSION, o.srv.listen, set->n_policies,
	    o.policies, o.srv.admission.force_audit ?
	    " (audit mode: nothing is denied)" : "");
	control_loop(&o, srv, sfd);
	server_stop(srv);
	policy_store_clear();
	close(sfd);
	log_msg(LOG_INFO, "stopped", "all connections closed");
	return 0;
}
