/*
 * cli_serve.c - `gitgate serve`: flags (each also read from a GITGATE_*
 * environment variable), start-up checks that refuse a bad certificate or
 * policy directory with a clear message, server start, then control.c's
 * loop (signals, reloads) until a stop signal.
 */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admission/admission.h"
#include "cli/control.h"
#include "base/log.h"
#include "base/metrics.h"
#include "policy/policy_store.h"
#include "wire/review.h"
#include "http/server.h"
#include "http/tls_cert.h"

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
	struct control		 ctl;
	struct server		*srv = NULL;
	struct policy_set	*set;
	enum log_level		 level;
	char			 err[512];

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
	if (control_init(&ctl, o.policies, o.srv.cert_file, o.srv.key_file,
	    o.allow_expired ? CERTS_ALLOW_EXPIRED : 0, err, sizeof(err)) == -1) {
		fprintf(stderr, "gitgate: %s\n", err);
		control_shutdown(&ctl, NULL);
		return 2;
	}
	if ((srv = server_start(&o.srv, err, sizeof(err))) == NULL) {
		fprintf(stderr, "gitgate: serve: %s\n", err);
		control_shutdown(&ctl, NULL);
		return 2;
	}
	log_msg(LOG_INFO, "start", "gitgate %s serving %s with %zu policies "
	    "from %s%s", GITGATE_VERSION, o.srv.listen, set->n_policies,
	    o.policies, o.srv.admission.force_audit ?
	    " (audit mode: nothing is denied)" : "");
	control_run(&ctl, srv);
	control_shutdown(&ctl, srv);
	log_msg(LOG_INFO, "stopped", "all connections closed");
	return 0;
}
