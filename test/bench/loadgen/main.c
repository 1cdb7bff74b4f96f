/*
 * main.c - loadgen's command line (Go flag syntax and Go durations, as the
 * Go generator it replaced had: bench.py passes "-check=false", "8s"), the
 * TLS context (TLS 1.3 only, verified against -ca for "localhost"; no -ca:
 * no verification), the address, then one mode. Output: one JSON object on
 * stdout; exit 2 on a usage or setup error.
 */
#include "loadgen.h"

#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

enum flag_type { FLAG_STR, FLAG_INT, FLAG_FLOAT, FLAG_DUR, FLAG_BOOL };

struct flag {
	const char	*name;
	enum flag_type	 type;
	void		*ptr;
	const char	*usage;
};

static struct lg_opts opts = {
	.addr = "127.0.0.1:8443", .ca = "", .mode = "rate", .body = "",
	.path = "/validate?timeout=10s", .conns = 32, .rate = 1000,
	.duration = 10 * LG_NS, .warmup = LG_NS, .requests = 1000000,
	.max_time = 120 * LG_NS, .hold = 3 * LG_NS, .spin = 0, .slice = 100000,
	.check = 1,
};

static const struct flag flags[] = {
	{ "addr", FLAG_STR, &opts.addr, "server host:port" },
	{ "ca", FLAG_STR, &opts.ca, "CA certificate (PEM); empty: no "
	    "verification" },
	{ "mode", FLAG_STR, &opts.mode, "rate | closed | hold" },
	{ "body", FLAG_STR, &opts.body, "comma-separated "
	    "file[:allow|deny[:weight]]" },
	{ "conns", FLAG_INT, &opts.conns, "connections" },
	{ "rate", FLAG_FLOAT, &opts.rate, "rate mode: requests per second" },
	{ "duration", FLAG_DUR, &opts.duration, "rate mode: measured "
	    "schedule length" },
	{ "warmup", FLAG_DUR, &opts.warmup, "rate mode: schedule not "
	    "counted" },
	{ "requests", FLAG_INT, &opts.requests, "closed mode: total "
	    "requests" },
	{ "max-time", FLAG_DUR, &opts.max_time, "hard bound on any mode" },
	{ "hold", FLAG_DUR, &opts.hold, "hold mode: how long to keep "
	    "connections" },
	{ "path", FLAG_STR, &opts.path, "request path" },
	{ "check", FLAG_BOOL, &opts.check, "rate mode: the answer must "
	    "carry the request's uid" },
	{ "spin", FLAG_DUR, &opts.spin, "rate mode: busy-poll this long "
	    "before each due time" },
	{ "slice", FLAG_DUR, &opts.slice, "rate mode: scheduler slice asked "
	    "for (sched_setattr); 0: the default" },
};

static void
usage(void)
{
	size_t	i;

	fprintf(stderr, "usage: loadgen [-flag value ...]\n");
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		fprintf(stderr, "  -%s\n\t%s\n", flags[i].name, flags[i].usage);
	exit(2);
}

/* A Go duration ("1.5s", "100ms", "1m30s", "0") into ns; -1 if bad. */
static long long
parse_duration(const char *s)
{
	static const struct {
		const char	*unit;
		double		 ns;
	} units[] = { { "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 },
	    { "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 } };
	double	 total = 0, v;
	char	*end;
	size_t	 i, n;

	if (strcmp(s, "0") == 0)
		return 0;
	while (*s != '\0') {
		if (*s < '0' && *s != '.')
			return -1;
		v = strtod(s, &end);
		if (end == s)
			return -1;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			n = strlen(units[i].unit);
			if (strncmp(end, units[i].unit, n) == 0 &&
			    !(n == 1 && end[0] == 'm' && end[1] == 's'))
				break;
		}
		if (i == sizeof(units) / sizeof(units[0]))
			return -1;
		total += v * units[i].ns;
		s = end + strlen(units[i].unit);
	}
	return total < 9e18 ? (long long)total : -1;
}

static int
parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "1", "t", "T", "true", "TRUE",
	    "True" }, *const no[] = { "0", "f", "F", "false", "FALSE",
	    "False" };
	size_t	i;

	for (i = 0; i < 6; i++) {
		if (strcmp(s, yes[i]) == 0)
			*out = 1;
		else if (strcmp(s, no[i]) == 0)
			*out = 0;
		else
			continue;
		return 0;
	}
	return -1;
}

/* One value into its flag. Returns 0 or -1. */
static int
flag_set(const struct flag *f, const char *v)
{
	char	*end;

	switch (f->type) {
	case FLAG_STR:
		*(const char **)f->ptr = v;
		return 0;
	case FLAG_INT:
		*(long long *)f->ptr = strtoll(v, &end, 0);
		return *v != '\0' && *end == '\0' ? 0 : -1;
	case FLAG_FLOAT:
		*(double *)f->ptr = strtod(v, &end);
		return *v != '\0' && *end == '\0' ? 0 : -1;
	case FLAG_DUR:
		return (*(long long *)f->ptr = parse_duration(v)) < 0 ? -1 : 0;
	default:
		return parse_bool(v, f->ptr);
	}
}

static void
parse_flags(int argc, char **argv)
{
	const struct flag	*f;
	const char		*name, *v;
	size_t			 i, n;
	int			 a;

	for (a = 1; a < argc && argv[a][0] == '-' && argv[a][1] != '\0'; a++) {
		name = argv[a] + (argv[a][1] == '-' ? 2 : 1);
		if (*name == '\0')
			break;		/* "--" ends the flags */
		v = strchr(name, '=');
		n = v != NULL ? (size_t)(v - name) : strlen(name);
		for (i = 0, f = NULL; i < sizeof(flags) / sizeof(flags[0]); i++)
			if (strlen(flags[i].name) == n &&
			    strncmp(flags[i].name, name, n) == 0)
				f = &flags[i];
		if (f == NULL) {
			fprintf(stderr, "flag provided but not defined: %s\n",
			    argv[a]);
			usage();
		}
		if (v != NULL)
			v++;
		else if (f->type == FLAG_BOOL)
			v = "true";
		else if (a + 1 < argc)
			v = argv[++a];
		else {
			fprintf(stderr, "flag needs an argument: %s\n", argv[a]);
			usage();
		}
		if (flag_set(f, v) < 0) {
			fprintf(stderr, "invalid value \"%s\" for flag -%s\n",
			    v, f->name);
			usage();
		}
	}
}

static SSL_CTX *
tls_new(const char *ca, char *err, size_t errlen)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:"
	    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256") != 1) {
		snprintf(err, errlen, "tls: can not set up OpenSSL");
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_read_ahead(ctx, 1);
	if (*ca == '\0') {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		return ctx;
	}
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
		snprintf(err, errlen, "%s: can not load the CA certificate",
		    ca);
		ERR_clear_error();
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return ctx;
}

/* "host:port" or "[v6]:port" into x->sa. Returns 0 or -1 and err. */
static int
resolve(struct lg_ctx *x, const char *addr, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res;
	char		 host[256];
	const char	*colon;
	size_t		 n;
	int		 rc;

	if ((colon = strrchr(addr, ':')) == NULL ||
	    (n = (size_t)(colon - addr)) >= sizeof(host)) {
		snprintf(err, errlen, "%s: not host:port", addr);
		return -1;
	}
	if (addr[0] == '[' && n >= 2 && addr[n - 1] == ']')
		snprintf(host, sizeof(host), "%.*s", (int)n - 2, addr + 1);
	else
		snprintf(host, sizeof(host), "%.*s", (int)n, addr);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, colon + 1, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s: %s", addr, gai_strerror(rc));
		return -1;
	}
	memcpy(&x->sa, res->ai_addr, res->ai_addrlen);
	x->salen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int
main(int argc, char **argv)
{
	struct lg_ctx	x;
	char		err[LG_ERR_LEN] = "";
	int		rc;

	parse_flags(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	memset(&x, 0, sizeof(x));
	x.o = &opts;
	if (*opts.body == '\0')
		snprintf(err, sizeof(err), "-body is required");
	else if (body_load(opts.body, opts.path, &x.bodies, &x.nbodies, err,
	    sizeof(err)) == 0 && (x.tls = tls_new(opts.ca, err,
	    sizeof(err))) != NULL && resolve(&x, opts.addr, err,
	    sizeof(err)) == 0) {
		if (strcmp(opts.mode, "rate") == 0)
			rc = rate_run(&x, err, sizeof(err));
		else if (strcmp(opts.mode, "closed") == 0)
			rc = closed_run(&x, err, sizeof(err));
		else if (strcmp(opts.mode, "hold") == 0)
			rc = hold_run(&x, err, sizeof(err));
		else {
			snprintf(err, sizeof(err), "unknown -mode %s",
			    opts.mode);
			rc = -1;
		}
		if (rc == 0)
			err[0] = '\0';
	}
	body_free(x.bodies, x.nbodies);
	SSL_CTX_free(x.tls);
	fflush(stdout);
	if (err[0] != '\0') {
		fprintf(stderr, "loadgen: %s\n", err);
		return 2;
	}
	return 0;
}
