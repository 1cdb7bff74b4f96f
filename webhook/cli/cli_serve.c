/*
 * cli_serve.c - `gitgate serve`: flags (each also read from a GITGATE_*
 * environment variable), start-up checks that refuse a bad certificate or
 * policy directory with a clear message, server start, then control.c's
 * loop (signals, reloads) until a stop signal.
 */
#include "cli/cli.h"

#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "admission/admission.h"
#include "base/log.h"
#include "base/metrics.h"
#include "cli/control.h"
#include "cli/serve_limits.h"
#include "cli/serve_opts.h"
#include "http/server.h"
#include "http/tls_cert.h"
#include "policy/policy_store.h"

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
	    info.not_after - time(NULL) < SERVE_CERT_WARN_DAYS * 86400)
		log_msg(LOG_WARN, "certificate_expiring", "%s expires in less "
		    "than %d days", o->srv.cert_file, SERVE_CERT_WARN_DAYS);
	return 0;
}

/* What the defaults were drawn from, and the modelled peak. */
static void
log_model(const struct serve_opts *o)
{
	char	mem[32];

	if (o->mem.mem_max != 0)
		snprintf(mem, sizeof(mem), "%.1f MiB",
		    o->mem.mem_max / 1048576.0);
	else
		snprintf(mem, sizeof(mem), "none");
	log_msg(LOG_INFO, "memory_model", "memory limit %s, %u CPUs (quota "
	    "%u): %u threads, %u connections, %zu inflight bytes, %zu max "
	    "body; modelled peak %.1f MiB", mem, o->mem.cpus,
	    o->mem.cpu_quota, o->srv.threads, o->srv.conn_limit,
	    o->srv.max_inflight_bytes, o->srv.max_body,
	    serve_mem_peak(&o->srv) / 1048576.0);
}

/*
 * Everything that can refuse to start, said on stderr: the certificate
 * and the policy directory. Returns the policy set to publish, or NULL.
 */
static struct policy_set *
startup_checks(const struct serve_opts *o)
{
	log_set_level(o->log_level);
	if (check_certificate(o) == -1)
		return NULL;
	/*
	 * Big buffers come from malloc's heaps and are reused while big
	 * reviews keep coming; the control loop trims once they stop.
	 */
	mallopt(M_MMAP_THRESHOLD, ADMISSION_MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, 2 * ADMISSION_MMAP_THRESHOLD);
	/* not a heap per thread: freed trees serve the next (serve_mem.h) */
	mallopt(M_ARENA_MAX, SERVE_MALLOC_ARENAS);
	log_model(o);
	return cli_load_policies(o->policies);
}

int
cli_serve(int argc, char **argv)
{
	struct serve_opts	 o;
	struct control		 ctl;
	struct server		*srv;
	struct policy_set	*set;
	char			 err[512];
	int			 rc;

	/*
	 * Before the first write: a closed stderr or a client gone must
	 * give EPIPE, never kill the process (the threads inherit this).
	 */
	signal(SIGPIPE, SIG_IGN);
	if ((rc = serve_opts_parse(&o, argc, argv)) != 0)
		return rc == 1 ? 0 : 2;		/* 1: --help */
	if ((set = startup_checks(&o)) == NULL)
		return 2;
	control_exceptions(set);
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
