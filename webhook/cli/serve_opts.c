/*
 * serve_opts.c - serve's flags, one row each, in the order of the usage
 * text. A row is the whole truth about a flag: adding one here gives it
 * its getopt entry, its GITGATE_* variable, its range check and its help.
 * The bounds are named in serve_limits.h.
 */
#include "cli/serve_opts.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli/serve_limits.h"
#include "cli/serve_mem.h"

#define SRV(f)	offsetof(struct serve_opts, srv.f)
#define OPT(f)	offsetof(struct serve_opts, f)
#define STR(x)	STR_(x)
#define STR_(x)	#x

static const struct cli_opt	serve_flags[] = {
	{ "listen", 0, CLI_OPT_STRING, "ADDR:PORT", CLI_OPT_BARE, 0, 0, 0,
	    SERVE_LISTEN_DEFAULT, "GITGATE_LISTEN", SRV(listen),
	    "address and port to serve HTTPS on" },
	{ "tls-cert", 0, CLI_OPT_STRING, "FILE", CLI_OPT_REQUIRED, 0, 0, 0,
	    NULL, "GITGATE_TLS_CERT", SRV(cert_file),
	    "serving certificate (PEM), reloaded on change" },
	{ "tls-key", 0, CLI_OPT_STRING, "FILE", CLI_OPT_REQUIRED, 0, 0, 0,
	    NULL, "GITGATE_TLS_KEY", SRV(key_file),
	    "its private key (PEM)" },
	{ "policies", 0, CLI_OPT_STRING, "DIR", CLI_OPT_REQUIRED, 0, 0, 0,
	    NULL, "GITGATE_POLICIES", OPT(policies),
	    "policy directory, reloaded on change or SIGHUP" },
	{ "audit", 0, CLI_OPT_BOOL, NULL, 0, 0, 0, 0,
	    NULL, "GITGATE_AUDIT", SRV(admission.force_audit),
	    "every policy in audit mode: nothing is denied" },
	{ "client-ca", 0, CLI_OPT_STRING, "FILE", 0, 0, 0, 0,
	    NULL, "GITGATE_CLIENT_CA", SRV(client_ca_file),
	    "/validate needs a client certificate of this CA" },
	{ "max-body", 0, CLI_OPT_SIZE, "BYTES", 0, SERVE_MAX_BODY_MIN,
	    SERVE_MAX_BODY_MAX, SERVE_MAX_BODY_DEFAULT,
	    NULL, "GITGATE_MAX_BODY", SRV(max_body),
	    "largest request body; 413 past it" },
	{ "threads", 0, CLI_OPT_COUNT, "N", 0, SERVE_THREADS_MIN,
	    SERVE_THREADS_MAX, 0,
	    NULL, "GITGATE_THREADS", SRV(threads),
	    "worker threads (CPUs or CPU quota, at most "
	    STR(SERVE_THREADS_DEFAULT_MAX) ")" },
	{ "log-level", 0, CLI_OPT_LEVEL, "debug|info|warn|error", 0, 0, 0, 0,
	    SERVE_LOG_LEVEL_DEFAULT, "GITGATE_LOG_LEVEL", OPT(log_level),
	    "least severe log line written" },
	{ "max-connections", 0, CLI_OPT_COUNT, "N", 0, SERVE_CONNECTIONS_MIN,
	    SERVE_CONNECTIONS_MAX, 0,
	    NULL, "GITGATE_MAX_CONNECTIONS", SRV(conn_limit),
	    "open connections (1000, fewer under a memory limit)" },
	{ "connection-timeout", 0, CLI_OPT_SECONDS, "S", 0,
	    SERVE_CONN_TIMEOUT_MIN, SERVE_CONN_TIMEOUT_MAX,
	    SERVE_CONN_TIMEOUT_DEFAULT,
	    NULL, "GITGATE_CONNECTION_TIMEOUT", SRV(conn_timeout),
	    "a keep-alive connection idle this long is closed" },
	{ "first-request-timeout", 0, CLI_OPT_SECONDS, "S", 0,
	    SERVE_DEADLINE_MIN, SERVE_DEADLINE_MAX,
	    SERVE_FIRST_REQUEST_DEFAULT,
	    NULL, "GITGATE_FIRST_REQUEST_TIMEOUT",
	    SRV(first_request_timeout),
	    "TLS handshake and first request head" },
	{ "request-timeout", 0, CLI_OPT_SECONDS, "S", 0,
	    SERVE_DEADLINE_MIN, SERVE_DEADLINE_MAX,
	    SERVE_REQUEST_TIMEOUT_DEFAULT,
	    NULL, "GITGATE_REQUEST_TIMEOUT", SRV(request_timeout),
	    "a request, head to answer, however it trickles" },
	{ "body-wait-timeout", 0, CLI_OPT_SECONDS, "S", 0,
	    SERVE_DEADLINE_MIN, SERVE_DEADLINE_MAX, SERVE_BODY_WAIT_DEFAULT,
	    NULL, "GITGATE_BODY_WAIT_TIMEOUT", SRV(body_wait_timeout),
	    "a body waiting for body budget; 503 past it" },
	{ "max-header-bytes", 0, CLI_OPT_SIZE, "BYTES", 0,
	    SERVE_HEADER_BYTES_MIN, SERVE_HEADER_BYTES_MAX,
	    SERVE_HEADER_BYTES_DEFAULT,
	    NULL, "GITGATE_MAX_HEADER_BYTES", SRV(max_header_bytes),
	    "request line and headers; 431 past it" },
	{ "max-json-depth", 0, CLI_OPT_COUNT, "N", 0, SERVE_JSON_DEPTH_MIN,
	    SERVE_JSON_DEPTH_MAX, SERVE_JSON_DEPTH_DEFAULT,
	    NULL, "GITGATE_MAX_JSON_DEPTH", SRV(admission.max_json_depth),
	    "JSON nesting of a review; 400 past it" },
	{ "max-inflight-bytes", 0, CLI_OPT_SIZE, "BYTES", 0,
	    SERVE_INFLIGHT_BYTES_MIN, SERVE_INFLIGHT_BYTES_MAX, 0,
	    NULL, "GITGATE_MAX_INFLIGHT_BYTES", SRV(max_inflight_bytes),
	    "request bodies held at once (16 MiB, or what fits)" },
	{ "allow-expired-cert", 0, CLI_OPT_BOOL, NULL, 0, 0, 0, 0,
	    NULL, "GITGATE_ALLOW_EXPIRED_CERT", OPT(allow_expired),
	    "start (and reload) with an expired certificate" },
	{ NULL, 0, CLI_OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL, 0, NULL }
};

const struct cli_cmd	serve_opts_cmd = {
	"serve", NULL,
	"Answer the API server's admission reviews over HTTPS under the\n"
	    "policies of DIR. Every flag can also be set by its environment\n"
	    "variable; a flag wins over its variable.",
	serve_flags
};

int
serve_opts_parse(struct serve_opts *o, int argc, char **argv)
{
	int	rc;

	memset(o, 0, sizeof(*o));
	if ((rc = cli_opt_parse(&serve_opts_cmd, o, argc, argv)) != 0)
		return rc;
	serve_mem_env_read(getenv(SERVE_CGROUP_ENV), &o->mem);
	serve_mem_defaults(&o->mem, &o->srv);
	return 0;
}
