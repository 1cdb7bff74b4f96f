/*
 * test_serve_opts.c - serve's flag table (serve_opts.c) through cli_opt.c:
 * every row accepted as a flag and as its GITGATE_* variable, a flag
 * winning over its variable, numbers refused past their bounds, boolean
 * variables only 1/0/true/false, and --help and the usage listing every
 * row within 80 columns. Walks the table, so a new row is tested too.
 */
#include "cli/serve_opts.h"

#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/serve_limits.h"
#include "unit.h"

#define ARGS_MAX	16
#define ARG_LEN		128

struct args {
	char	 buf[ARGS_MAX][ARG_LEN];
	char	*v[ARGS_MAX + 1];
	int	 n;
};

static int	saved_fd = -1;

/*
 * Bad cases print why on stderr, as they should, and --help on stdout:
 * keep the test's own output readable (fd 2 or 1 to /dev/null and back).
 */
static void
quiet(int on, int which)
{
	int	fd;

	fflush(stdout);
	fflush(stderr);
	if (on) {
		saved_fd = dup(which);
		if ((fd = open("/dev/null", O_WRONLY)) >= 0) {
			dup2(fd, which);
			close(fd);
		}
	} else if (saved_fd >= 0) {
		dup2(saved_fd, which);
		close(saved_fd);
		saved_fd = -1;
	}
}

static void
arg(struct args *a, const char *s)
{
	snprintf(a->buf[a->n], ARG_LEN, "%s", s);
	a->v[a->n] = a->buf[a->n];
	a->v[++a->n] = NULL;
}

/* "serve" and the three required flags, unless the row is one of them. */
static void
args_base(struct args *a, const struct cli_opt *skip)
{
	static const char	*req[] = { "tls-cert", "tls-key", "policies" };
	char			 flag[ARG_LEN];
	size_t			 i;

	a->n = 0;
	arg(a, "serve");
	for (i = 0; i < sizeof(req) / sizeof(req[0]); i++) {
		if (skip != NULL && strcmp(skip->name, req[i]) == 0)
			continue;
		snprintf(flag, sizeof(flag), "--%s", req[i]);
		arg(a, flag);
		arg(a, "x");
	}
}

static void
env_clear(void)
{
	const struct cli_opt	*o;

	for (o = serve_opts_cmd.opts; o->name != NULL; o++)
		unsetenv(o->env);
}

/* Parse a (its own variables as set); -1 on a refusal. */
static int
parse(struct args *a, struct serve_opts *so)
{
	return serve_opts_parse(so, a->n, a->v);
}

/* The stored value of o in so, as text, to compare with what was given. */
static void
stored(const struct cli_opt *o, const struct serve_opts *so, char *buf,
    size_t len)
{
	const char	*p = (const char *)so + o->offset, *s;

	switch (o->type) {
	case CLI_OPT_STRING:
		memcpy(&s, p, sizeof(s));
		snprintf(buf, len, "%s", s != NULL ? s : "(null)");
		break;
	case CLI_OPT_BOOL:
		snprintf(buf, len, "%d", *(const int *)(const void *)p);
		break;
	case CLI_OPT_LEVEL:
		snprintf(buf, len, "%d",
		    (int)*(const enum log_level *)(const void *)p);
		break;
	case CLI_OPT_SIZE:
		snprintf(buf, len, "%zu", *(const size_t *)(const void *)p);
		break;
	case CLI_OPT_COUNT:
	case CLI_OPT_SECONDS:
		snprintf(buf, len, "%u", *(const unsigned *)(const void *)p);
		break;
	}
}

/*
 * Two different valid values of o (v[0] wins over v[1] in the test of
 * precedence) and what each stores.
 */
static void
values(const struct cli_opt *o, char v[2][ARG_LEN], char want[2][ARG_LEN])
{
	switch (o->type) {
	case CLI_OPT_STRING:
		snprintf(v[0], ARG_LEN, "flag-%s", o->name);
		snprintf(v[1], ARG_LEN, "env-%s", o->name);
		snprintf(want[0], ARG_LEN, "%s", v[0]);
		snprintf(want[1], ARG_LEN, "%s", v[1]);
		break;
	case CLI_OPT_BOOL:	/* the flag has no value: it is 1 */
		snprintf(v[0], ARG_LEN, "1");
		snprintf(v[1], ARG_LEN, "TRUE");
		snprintf(want[0], ARG_LEN, "1");
		snprintf(want[1], ARG_LEN, "1");
		break;
	case CLI_OPT_LEVEL:
		snprintf(v[0], ARG_LEN, "error");
		snprintf(v[1], ARG_LEN, "debug");
		snprintf(want[0], ARG_LEN, "%d", (int)LOG_ERROR);
		snprintf(want[1], ARG_LEN, "%d", (int)LOG_DEBUG);
		break;
	default:
		snprintf(v[0], ARG_LEN, "%llu", o->max);
		snprintf(v[1], ARG_LEN, "%llu", o->min);
		snprintf(want[0], ARG_LEN, "%s", v[0]);
		snprintf(want[1], ARG_LEN, "%s", v[1]);
		break;
	}
}

static void
flag_arg(struct args *a, const struct cli_opt *o, const char *v)
{
	char	flag[ARG_LEN];

	snprintf(flag, sizeof(flag), "--%s", o->name);
	arg(a, flag);
	if (o->type != CLI_OPT_BOOL)
		arg(a, v);
}

static void
test_row(const struct cli_opt *o)
{
	struct serve_opts	so;
	struct args		a;
	char			v[2][ARG_LEN], want[2][ARG_LEN], got[ARG_LEN];
	char			env[ARG_LEN];
	size_t			i, k;

	snprintf(env, sizeof(env), "GITGATE_");
	for (i = 0, k = strlen(env); o->name[i] != '\0' && k + 1 < sizeof(env);
	    i++)
		env[k++] = o->name[i] == '-' ? '_' :
		    (char)toupper((unsigned char)o->name[i]);
	env[k] = '\0';
	CHECK_STR(o->env, env);
	CHECK(o->help != NULL && o->help[0] != '\0');
	values(o, v, want);

	env_clear();			/* the flag */
	args_base(&a, o);
	flag_arg(&a, o, v[0]);
	CHECK_INT(parse(&a, &so), 0);
	stored(o, &so, got, sizeof(got));
	CHECK_STR(got, want[0]);

	args_base(&a, o);		/* the variable (required: alone) */
	setenv(o->env, v[1], 1);
	CHECK_INT(parse(&a, &so), 0);
	stored(o, &so, got, sizeof(got));
	CHECK_STR(got, want[1]);

	flag_arg(&a, o, v[0]);		/* both: the flag wins */
	CHECK_INT(parse(&a, &so), 0);
	stored(o, &so, got, sizeof(got));
	CHECK_STR(got, want[0]);
	env_clear();
}

/* Numbers past their bounds, not numbers: refused, by flag and variable. */
static void
test_bounds(const struct cli_opt *o)
{
	struct serve_opts	so;
	struct args		a;
	char			bad[4][ARG_LEN];
	size_t			i;

	if (o->type != CLI_OPT_SIZE && o->type != CLI_OPT_COUNT &&
	    o->type != CLI_OPT_SECONDS)
		return;
	CHECK(o->min >= 1 && o->min <= o->max);
	CHECK(o->def == 0 || (o->def >= o->min && o->def <= o->max));
	if (o->type != CLI_OPT_SIZE)
		CHECK(o->max <= UINT_MAX);
	snprintf(bad[0], ARG_LEN, "%llu", o->min - 1);
	snprintf(bad[1], ARG_LEN, "%llu", o->max + 1);
	snprintf(bad[2], ARG_LEN, "x");
	snprintf(bad[3], ARG_LEN, "-1");
	quiet(1, 2);
	for (i = 0; i < 4; i++) {
		env_clear();
		args_base(&a, NULL);
		flag_arg(&a, o, bad[i]);
		CHECK_INT(parse(&a, &so), -1);
		args_base(&a, NULL);
		setenv(o->env, bad[i], 1);
		CHECK_INT(parse(&a, &so), -1);
	}
	quiet(0, 2);
	env_clear();
}

/* Boolean variables: 1/0/true/false in any case; anything else refused. */
static void
test_bool_env(void)
{
	static const struct {
		const char	*v;
		int		 rc, on;
	} cases[] = {
		{ "1", 0, 1 }, { "true", 0, 1 }, { "True", 0, 1 },
		{ "0", 0, 0 }, { "false", 0, 0 }, { "FALSE", 0, 0 },
		{ "yes", -1, 0 }, { "no", -1, 0 }, { "on", -1, 0 },
		{ "2", -1, 0 }, { "truee", -1, 0 }, { " 1", -1, 0 },
	};
	struct serve_opts	so;
	struct args		a;
	size_t			i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		env_clear();
		args_base(&a, NULL);
		setenv("GITGATE_AUDIT", cases[i].v, 1);
		setenv("GITGATE_ALLOW_EXPIRED_CERT", cases[i].v, 1);
		quiet(cases[i].rc != 0, 2);
		CHECK_INT(parse(&a, &so), cases[i].rc);
		quiet(0, 2);
		if (cases[i].rc == 0) {
			CHECK_INT(so.srv.admission.force_audit, cases[i].on);
			CHECK_INT(so.allow_expired, cases[i].on);
		}
	}
	env_clear();
}

static void
test_defaults(void)
{
	struct serve_opts	so;
	struct args		a;

	env_clear();
	args_base(&a, NULL);
	CHECK_INT(parse(&a, &so), 0);
	CHECK_STR(so.srv.listen, SERVE_LISTEN_DEFAULT);
	CHECK_INT(so.srv.max_body, SERVE_MAX_BODY_DEFAULT);
	CHECK(so.srv.threads >= 1 && so.srv.threads <=
	    SERVE_THREADS_DEFAULT_MAX);
	CHECK_INT(so.srv.conn_limit, SERVE_CONNECTIONS_DEFAULT);
	CHECK_INT(so.srv.conn_timeout, SERVE_CONN_TIMEOUT_DEFAULT);
	CHECK_INT(so.srv.max_header_bytes, SERVE_HEADER_BYTES_DEFAULT);
	CHECK_INT(so.srv.max_inflight_bytes, SERVE_INFLIGHT_BYTES_DEFAULT);
	CHECK_INT(so.srv.admission.max_json_depth, SERVE_JSON_DEPTH_DEFAULT);
	CHECK_INT(so.srv.admission.force_audit, 0);
	CHECK_INT(so.allow_expired, 0);
	CHECK_INT(so.log_level, LOG_INFO);
	CHECK(so.srv.client_ca_file == NULL);
	CHECK_STR(so.policies, "x");
	/* an empty variable is as if unset */
	setenv("GITGATE_MAX_BODY", "", 1);
	CHECK_INT(parse(&a, &so), 0);
	CHECK_INT(so.srv.max_body, SERVE_MAX_BODY_DEFAULT);
	env_clear();
}

static void
test_usage_errors(void)
{
	struct serve_opts	so;
	struct args		a;

	env_clear();
	quiet(1, 2);
	a.n = 0;			/* required flags missing */
	arg(&a, "serve");
	CHECK_INT(parse(&a, &so), -1);
	args_base(&a, NULL);		/* an operand: serve takes none */
	arg(&a, "extra");
	CHECK_INT(parse(&a, &so), -1);
	args_base(&a, NULL);		/* an unknown flag */
	arg(&a, "--no-such-flag");
	CHECK_INT(parse(&a, &so), -1);
	args_base(&a, NULL);
	arg(&a, "--log-level");
	arg(&a, "loud");
	CHECK_INT(parse(&a, &so), -1);
	quiet(0, 2);
}

/* Every line of text shorter than 80 columns; counts the lines. */
static int
lines_fit(const char *text)
{
	const char	*s, *nl;
	int		 ok = 1;

	for (s = text; *s != '\0'; s = nl + 1) {
		if ((nl = strchr(s, '\n')) == NULL)
			nl = s + strlen(s);
		if (nl - s >= CLI_USAGE_COLS) {
			fprintf(stderr, "too long: %.*s\n", (int)(nl - s), s);
			ok = 0;
		}
		if (*nl == '\0')
			break;
	}
	return ok;
}

static void
test_help(void)
{
	const struct cli_opt	*o;
	struct serve_opts	 so;
	struct args		 a;
	char			*help = NULL, *usage = NULL, flag[ARG_LEN];
	size_t			 hlen, ulen;
	FILE			*f;

	if ((f = open_memstream(&help, &hlen)) == NULL)
		return;
	cli_opt_help(f, &serve_opts_cmd);
	fclose(f);
	if ((f = open_memstream(&usage, &ulen)) == NULL)
		return;
	cli_opt_usage(f, &serve_opts_cmd, "usage: ", 6);
	fclose(f);
	CHECK(strncmp(help, "usage: gitgate serve ", 21) == 0);
	for (o = serve_opts_cmd.opts; o->name != NULL; o++) {
		snprintf(flag, sizeof(flag), "--%s", o->name);
		CHECK(strstr(help, flag) != NULL);
		CHECK(strstr(usage, flag) != NULL);
		CHECK(strstr(help, o->env) != NULL);
		CHECK(strstr(help, o->help) != NULL);
	}
	CHECK(strstr(help, "-h, --help") != NULL);
	CHECK(lines_fit(help));
	CHECK(lines_fit(usage));
	free(help);
	free(usage);
	args_base(&a, NULL);		/* --help: 1, printed on stdout */
	arg(&a, "--help");
	quiet(1, 1);
	CHECK_INT(parse(&a, &so), 1);
	quiet(0, 1);
}

int
main(void)
{
	const struct cli_opt	*o;
	size_t			 n = 0;

	for (o = serve_opts_cmd.opts; o->name != NULL; o++, n++) {
		test_row(o);
		test_bounds(o);
	}
	CHECK_INT(n, 18);
	test_bool_env();
	test_defaults();
	test_usage_errors();
	test_help();
	return unit_done("serve_opts");
}
