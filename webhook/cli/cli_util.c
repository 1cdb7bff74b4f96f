/*
 * cli_util.c - what the offline subcommands share: bounded file reading
 * (stdin included), printing diagnostics, loading policies with every
 * error reported, the time given by --now.
 */
#include "cli/cli.h"
#include "policy/policy_exception.h"
#include "policy/policy_set.h"
#include "rules/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/file_read.h"

int
cli_read_file(const char *path, size_t max, char **out, size_t *len)
{
	char	err[512];

	if ((*out = file_read(path, max, 0, len, err, sizeof(err))) == NULL) {
		fprintf(stderr, "gitgate: %s\n", err);
		return -1;
	}
	return 0;
}

void
cli_print_diag(const struct diag *d)
{
	size_t	i;

	for (i = 0; i < d->n; i++)
		fprintf(stderr, "%s\n", d->v[i].text);
	if (d->dropped > 0)
		fprintf(stderr, "(%zu more not shown)\n", d->dropped);
}

struct policy_set *
cli_load_policies(const char *dir)
{
	struct policy_set	*set;
	struct diag		 d;

	diag_init(&d);
	set = policy_set_load(dir, rules_kinds, &d);
	cli_print_diag(&d);
	if (set == NULL)
		fprintf(stderr, "gitgate: %s: %zu error(s), policies not "
		    "loaded\n", dir, d.errors);
	diag_free(&d);
	return set;
}

int
cli_now_parse(const char *s, long long *now)
{
	char	err[128];

	if (s == NULL) {
		*now = (long long)time(NULL);
		return 0;
	}
	if (policy_exception_parse_time(s, now, err, sizeof(err)) == -1) {
		fprintf(stderr, "gitgate: --now %s: %s (expected an RFC 3339 "
		    "time such as 2027-01-31T12:00:00Z, or a date)\n", s, err);
		return -1;
	}
	if (strlen(s) == 10)
		*now -= 86400;	/* a date: its first second, not the next day */
	return 0;
}
