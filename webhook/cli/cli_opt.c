/*
 * cli_opt.c - option tables (cli_opt.h): getopt_long's tables, defaults,
 * environment variables, typed and range-checked values, usage and help
 * text, all generated from one struct cli_opt array per subcommand. It
 * does not know any subcommand; the tables live with them.
 */
#include "cli/cli_opt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"

#define CLI_TOKEN_MAX	160	/* one usage token or help detail */

/* Words written with wrapping: each goes on the line if it fits. */
struct wrap {
	FILE	*f;
	int	 col;
	int	 indent;
	int	 bol;	/* at the start of a line: no space before the word */
};

static void
wrap_word(struct wrap *w, const char *word)
{
	int	len = (int)strlen(word);

	if (!w->bol && w->col + 1 + len >= CLI_USAGE_COLS) {
		fprintf(w->f, "\n%*s", w->indent, "");
		w->col = w->indent;
		w->bol = 1;
	}
	if (!w->bol) {
		fputc(' ', w->f);
		w->col++;
	}
	fputs(word, w->f);
	w->col += len;
	w->bol = 0;
}

static int
opt_key(const struct cli_cmd *cmd, const struct cli_opt *o)
{
	return o->key != 0 ? o->key : 256 + (int)(o - cmd->opts);
}

int
cli_opt_getopt(const struct cli_cmd *cmd, struct cli_getopt *g)
{
	const struct cli_opt	*o;
	size_t			 n = 0, s = 0;

	memset(g, 0, sizeof(*g));
	g->sopts[s++] = CLI_HELP_KEY;
	for (o = cmd->opts; o->name != NULL; o++, n++) {
		if (n == CLI_OPTS_MAX) {
			fprintf(stderr, "gitgate: %s: more than %d options\n",
			    cmd->name, CLI_OPTS_MAX);
			return -1;
		}
		g->lopts[n].name = o->name;
		g->lopts[n].has_arg = o->type == CLI_OPT_BOOL ? no_argument :
		    required_argument;
		g->lopts[n].val = opt_key(cmd, o);
		if (o->flags & CLI_OPT_SHORT) {
			g->sopts[s++] = (char)o->key;
			if (o->type != CLI_OPT_BOOL)
				g->sopts[s++] = ':';
		}
	}
	g->lopts[n].name = "help";
	g->lopts[n].val = CLI_HELP_KEY;
	optind = 0;	/* glibc: start afresh */
	return 0;
}

const struct cli_opt *
cli_opt_find(const struct cli_cmd *cmd, int key)
{
	const struct cli_opt	*o;

	for (o = cmd->opts; o->name != NULL; o++)
		if (opt_key(cmd, o) == key)
			return o;
	return NULL;
}

int
cli_opt_default(const struct cli_cmd *cmd, int key)
{
	if (key != CLI_HELP_KEY)
		return 2;
	cli_opt_help(stdout, cmd);
	return 0;
}

static int
parse_number(const struct cli_opt *o, const char *s, unsigned long long *out)
{
	char	*end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *s == '-' ||
	    *out < o->min || *out > o->max) {
		fprintf(stderr, "gitgate: --%s: expected a number from %llu "
		    "to %llu, got \"%s\"\n", o->name, o->min, o->max, s);
		return -1;
	}
	return 0;
}

static int
parse_bool(const struct cli_opt *o, const char *s, int from_env, int *out)
{
	if (!from_env || s == NULL) {
		*out = 1;
		return 0;
	}
	if (strcmp(s, "1") == 0 || strcasecmp(s, "true") == 0)
		*out = 1;
	else if (strcmp(s, "0") == 0 || strcasecmp(s, "false") == 0)
		*out = 0;
	else {
		fprintf(stderr, "gitgate: %s: expected 1, 0, true or false, "
		    "got \"%s\"\n", o->env, s);
		return -1;
	}
	return 0;
}

int
cli_opt_set(const struct cli_opt *o, void *store, const char *value,
    int from_env)
{
	unsigned long long	 n;
	enum log_level		 level;
	char			*p = (char *)store + o->offset;

	switch (o->type) {
	case CLI_OPT_STRING:
		memcpy(p, &value, sizeof(value));
		return 0;
	case CLI_OPT_BOOL:
		return parse_bool(o, value, from_env, (int *)(void *)p);
	case CLI_OPT_LEVEL:
		if (value == NULL || log_level_parse(value, &level) == -1) {
			fprintf(stderr, "gitgate: --%s must be debug, info, "
			    "warn or error\n", o->name);
			return -1;
		}
		*(enum log_level *)(void *)p = level;
		return 0;
	case CLI_OPT_SIZE:
		if (value == NULL || parse_number(o, value, &n) == -1)
			return -1;
		*(size_t *)(void *)p = (size_t)n;
		return 0;
	case CLI_OPT_COUNT:
	case CLI_OPT_SECONDS:
		if (value == NULL || parse_number(o, value, &n) == -1)
			return -1;
		*(unsigned *)(void *)p = (unsigned)n;
		return 0;
	}
	return -1;
}

static void
opt_default(const struct cli_opt *o, void *store)
{
	char	*p = (char *)store + o->offset;

	switch (o->type) {
	case CLI_OPT_STRING:
		memcpy(p, &o->def_str, sizeof(o->def_str));
		break;
	case CLI_OPT_BOOL:
		*(int *)(void *)p = 0;
		break;
	case CLI_OPT_LEVEL:
		if (o->def_str == NULL || log_level_parse(o->def_str,
		    (enum log_level *)(void *)p) == -1)
			*(enum log_level *)(void *)p = LOG_INFO;
		break;
	case CLI_OPT_SIZE:
		*(size_t *)(void *)p = (size_t)o->def;
		break;
	case CLI_OPT_COUNT:
	case CLI_OPT_SECONDS:
		*(unsigned *)(void *)p = (unsigned)o->def;
		break;
	}
}

/* Pass one: --help, or an unknown option, before anything is read. */
static int
scan_flags(const struct cli_cmd *cmd, struct cli_getopt *g, int argc,
    char **argv)
{
	int	c;

	while ((c = getopt_long(argc, argv, g->sopts, g->lopts, NULL)) != -1) {
		if (c == CLI_HELP_KEY) {
			cli_opt_help(stdout, cmd);
			return 1;
		}
		if (cli_opt_find(cmd, c) == NULL)
			return -1;
	}
	return 0;
}

static int
read_env(const struct cli_cmd *cmd, void *store)
{
	const struct cli_opt	*o;
	const char		*v;

	for (o = cmd->opts; o->name != NULL; o++)
		if (o->offset != CLI_NO_STORE && o->env != NULL &&
		    (v = getenv(o->env)) != NULL && *v != '\0' &&
		    cli_opt_set(o, store, v, 1) == -1)
			return -1;
	return 0;
}

static int
missing_required(const struct cli_cmd *cmd, const void *store)
{
	const struct cli_opt	*o;
	const char		*s;

	for (o = cmd->opts; o->name != NULL; o++) {
		if (!(o->flags & CLI_OPT_REQUIRED) ||
		    o->type != CLI_OPT_STRING || o->offset == CLI_NO_STORE)
			continue;
		memcpy(&s, (const char *)store + o->offset, sizeof(s));
		if (s == NULL)
			return 1;
	}
	return 0;
}

int
cli_opt_parse(const struct cli_cmd *cmd, void *store, int argc, char **argv)
{
	const struct cli_opt	*o;
	struct cli_getopt	 g;
	int			 c, rc;

	if (cli_opt_getopt(cmd, &g) == -1)
		return -1;
	if ((rc = scan_flags(cmd, &g, argc, argv)) != 0)
		return rc;
	for (o = cmd->opts; o->name != NULL; o++)
		if (o->offset != CLI_NO_STORE)
			opt_default(o, store);
	if (read_env(cmd, store) == -1)
		return -1;
	optind = 0;
	while ((c = getopt_long(argc, argv, g.sopts, g.lopts, NULL)) != -1)
		if ((o = cli_opt_find(cmd, c)) == NULL ||
		    o->offset == CLI_NO_STORE ||
		    cli_opt_set(o, store, optarg, 0) == -1)
			return -1;
	if (missing_required(cmd, store) ||
	    (cmd->operands == NULL && optind != argc)) {
		cli_opt_usage(stderr, cmd, "usage: ", 0);
		return -1;
	}
	return 0;
}

/* "--name ARG" or "-k ARG". */
static void
opt_spell(const struct cli_opt *o, char *buf, size_t len)
{
	char	flag[64];

	if (o->flags & CLI_OPT_SHORT)
		snprintf(flag, sizeof(flag), "-%c", o->key);
	else
		snprintf(flag, sizeof(flag), "--%s", o->name);
	snprintf(buf, len, "%s%s%s", flag, o->arg != NULL ? " " : "",
	    o->arg != NULL ? o->arg : "");
}

void
cli_opt_usage(FILE *f, const struct cli_cmd *cmd, const char *lead, int pad)
{
	const struct cli_opt	*o;
	struct wrap		 w;
	char			 sp[CLI_TOKEN_MAX], tok[CLI_TOKEN_MAX];

	w.f = f;
	w.col = fprintf(f, "%sgitgate %-*s", lead, pad, cmd->name);
	w.indent = w.col + 1;
	w.bol = 0;
	for (o = cmd->opts; o->name != NULL; o++) {
		opt_spell(o, sp, sizeof(sp));
		if (o->flags & (CLI_OPT_REQUIRED | CLI_OPT_BARE))
			wrap_word(&w, sp);
		if ((o->flags & (CLI_OPT_REQUIRED | CLI_OPT_BARE)) &&
		    !(o->flags & CLI_OPT_MANY))
			continue;
		snprintf(tok, sizeof(tok), "[%s]%s", sp,
		    o->flags & CLI_OPT_MANY ? "..." : "");
		wrap_word(&w, tok);
	}
	if (cmd->operands != NULL)
		wrap_word(&w, cmd->operands);
	fputc('\n', f);
}

#define CLI_DETAILS_MAX	5	/* required, repeatable, range, default, env */

/* The line under an option's help: required, range, default, variable. */
static void
opt_details(FILE *f, const struct cli_opt *o)
{
	struct wrap	w = { f, CLI_HELP_COL, CLI_HELP_COL, 1 };
	char		d[CLI_DETAILS_MAX][CLI_TOKEN_MAX], word[CLI_TOKEN_MAX];
	size_t		n = 0, i;
	int		num = o->type == CLI_OPT_SIZE ||
			    o->type == CLI_OPT_COUNT || o->type == CLI_OPT_SECONDS;

	if (o->flags & CLI_OPT_REQUIRED)
		snprintf(d[n++], sizeof(d[0]), "required");
	if (o->flags & CLI_OPT_MANY)
		snprintf(d[n++], sizeof(d[0]), "repeatable");
	if (num)
		snprintf(d[n++], sizeof(d[0]), "%llu to %llu%s", o->min, o->max,
		    o->type == CLI_OPT_SECONDS ? " s" : "");
	if (num && o->def != 0)
		snprintf(d[n++], sizeof(d[0]), "default %llu", o->def);
	else if (!num && o->def_str != NULL)
		snprintf(d[n++], sizeof(d[0]), "default %s", o->def_str);
	if (o->env != NULL)
		snprintf(d[n++], sizeof(d[0]), "env %s%s", o->env,
		    o->type == CLI_OPT_BOOL ? "=1|0|true|false" : "");
	if (n == 0)
		return;
	fprintf(f, "%*s", CLI_HELP_COL, "");
	for (i = 0; i < n; i++) {
		snprintf(word, sizeof(word), "%s%s", d[i], i + 1 < n ? "," : "");
		wrap_word(&w, word);
	}
	fputc('\n', f);
}

void
cli_opt_help(FILE *f, const struct cli_cmd *cmd)
{
	const struct cli_opt	*o;
	char			 sp[CLI_TOKEN_MAX], flag[CLI_TOKEN_MAX];

	cli_opt_usage(f, cmd, "usage: ", 0);
	fprintf(f, "\n%s\n\noptions:\n", cmd->summary);
	for (o = cmd->opts; o->name != NULL; o++) {
		opt_spell(o, sp, sizeof(sp));
		if (o->flags & CLI_OPT_SHORT)
			snprintf(flag, sizeof(flag), "-%c, --%s%s%s", o->key,
			    o->name, o->arg != NULL ? " " : "",
			    o->arg != NULL ? o->arg : "");
		else
			snprintf(flag, sizeof(flag), "%s", sp);
		if ((int)strlen(flag) + 4 > CLI_HELP_COL)
			fprintf(f, "  %s\n%*s%s\n", flag, CLI_HELP_COL, "",
			    o->help);
		else
			fprintf(f, "  %-*s%s\n", CLI_HELP_COL - 2, flag,
			    o->help);
		opt_details(f, o);
	}
	fprintf(f, "  %-*s%s\n", CLI_HELP_COL - 2, "-h, --help",
	    "print this help and exit");
}
