/*
 * cli_util.c - what the offline subcommands share: bounded file reading
 * (stdin included), printing diagnostics, loading policies with every
 * error reported.
 */
#include "cli/cli.h"
#include "policy/policy_set.h"
#include "rules/rules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
cli_read_file(const char *path, size_t max, char **out, size_t *len)
{
	FILE	*f;
	char	*buf = NULL, *nb;
	size_t	 cap = 0, n = 0, r;
	int	 rc = -1;

	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	if (f == NULL) {
		fprintf(stderr, "gitgate: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				fprintf(stderr, "gitgate: %s: out of memory\n",
				    path);
				goto out;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (n > max) {
			fprintf(stderr, "gitgate: %s: larger than %zu bytes\n",
			    path, max);
			goto out;
		}
		if (r == 0) {
			if (ferror(f)) {
				fprintf(stderr, "gitgate: %s: %s\n", path,
				    strerror(errno));
				goto out;
			}
			break;
		}
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	if (f != stdin)
		fclose(f);
	return rc;
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
