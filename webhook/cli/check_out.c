/*
 * check_out.c - the outputs of `gitgate check` and `gitgate test`: text
 * and GitHub workflow commands print each object as it is decided; json,
 * junit and policyreport keep a small record per object (never the
 * object itself) and print at the end. Then one summary line on stdout
 * (stderr for the machine formats, so their stdout stays parseable).
 */
#include "cli/check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

struct check_out {
	enum check_format	 fmt;
	FILE			*f;
	cJSON			*objects;	/* records, json/junit/report */
	cJSON			*skipped;
	cJSON			*errors;
	size_t			 checked, denied, warned, skips, n_errors;
	size_t			 dropped;	/* over CHECK_RESULTS_MAX */
};

int
check_format_parse(const char *s, enum check_format *fmt)
{
	static const char *const names[] = { "text", "json", "junit",
	    "github", "policyreport" };
	size_t	i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			*fmt = (enum check_format)i;
			return 0;
		}
	return -1;
}

struct check_out *
check_out_new(enum check_format fmt, FILE *f)
{
	struct check_out	*o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	o->fmt = fmt;
	o->f = f;
	o->objects = cJSON_CreateArray();
	o->skipped = cJSON_CreateArray();
	o->errors = cJSON_CreateArray();
	if (o->objects == NULL || o->skipped == NULL || o->errors == NULL) {
		cJSON_Delete(o->objects);
		cJSON_Delete(o->skipped);
		cJSON_Delete(o->errors);
		free(o);
		return NULL;
	}
	return o;
}

/* "Deployment apps/web", "Namespace web" (cluster-scoped: no namespace) */
static void
describe(const struct check_result *r, char *buf, size_t len)
{
	if (r->ns[0] != '\0')
		snprintf(buf, len, "%s %s/%s", r->kind, r->ns, r->name);
	else
		snprintf(buf, len, "%s %s", r->kind, r->name);
}

/* GitHub workflow commands: %, CR and LF escaped in the message. */
static void
gh_escape(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '%')
			fputs("%25", f);
		else if (*s == '\r')
			fputs("%0D", f);
		else if (*s == '\n')
			fputs("%0A", f);
		else
			fputc(*s, f);
	}
}

static void
print_text(struct check_out *o, const struct check_result *r)
{
	char	what[768];
	size_t	i;

	describe(r, what, sizeof(what));
	if (strcmp(r->decision, "deny") == 0)
		fprintf(o->f, "%s:%d: %s: DENIED: %s\n", r->file, r->line, what,
		    r->message);
	else if (strcmp(r->decision, "none") == 0)
		fprintf(o->f, "%s:%d: %s: no policy applies (%s)\n", r->file,
		    r->line, what, r->why_none);
	else if (r->exceptions != NULL && r->exceptions[0] != '\0')
		fprintf(o->f, "%s:%d: %s: allowed by exception %s\n", r->file,
		    r->line, what, r->exceptions);
	else
		fprintf(o->f, "%s:%d: %s: allowed\n", r->file, r->line, what);
	for (i = 0; i < r->n; i++)
		if (r->f[i].exception != NULL)
			fprintf(o->f, "%s:%d: %s: excepted by %s: [%s] %s\n",
			    r->file, r->line, what, r->f[i].exception,
			    r->f[i].policy, r->f[i].message);
		else if (strcmp(r->f[i].mode, "audit") == 0)
			fprintf(o->f, "%s:%d: %s: warning: [%s] %s\n",
			    r->file, r->line, what, r->f[i].policy,
			    r->f[i].message);
}

static void
print_github(struct check_out *o, const struct check_result *r)
{
	char	what[768];
	size_t	i;

	describe(r, what, sizeof(what));
	for (i = 0; i < r->n; i++) {
		fprintf(o->f, "::%s file=%s,line=%d,title=gitgate %s::",
		    r->f[i].exception != NULL ? "notice" :
		    strcmp(r->f[i].mode, "audit") == 0 ? "warning" : "error",
		    r->file, r->line, r->f[i].policy);
		gh_escape(o->f, what);
		fputs(": ", o->f);
		if (r->f[i].exception != NULL) {
			fputs("excepted by ", o->f);
			gh_escape(o->f, r->f[i].exception);
			fputs(": ", o->f);
		}
		gh_escape(o->f, r->f[i].message);
		fputc('\n', o->f);
	}
}

static cJSON *
record(const struct check_result *r)
{
	cJSON	*j, *fs, *f, *ran;
	size_t	 i;

	if ((j = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(j, "file", r->file);
	cJSON_AddNumberToObject(j, "line", r->line);
	cJSON_AddStringToObject(j, "apiVersion", r->api_version);
	cJSON_AddStringToObject(j, "kind", r->kind);
	if (r->ns[0] != '\0')
		cJSON_AddStringToObject(j, "namespace", r->ns);
	cJSON_AddStringToObject(j, "name", r->name);
	cJSON_AddStringToObject(j, "decision", r->decision);
	if (r->why_none != NULL)
		cJSON_AddStringToObject(j, "reason", r->why_none);
	if (r->message != NULL)
		cJSON_AddStringToObject(j, "message", r->message);
	if (r->exceptions != NULL && r->exceptions[0] != '\0')
		cJSON_AddStringToObject(j, "exceptions", r->exceptions);
	fs = cJSON_AddArrayToObject(j, "findings");
	for (i = 0; i < r->n; i++) {
		f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "policy", r->f[i].policy);
		cJSON_AddStringToObject(f, "mode", r->f[i].mode);
		cJSON_AddStringToObject(f, "message", r->f[i].message);
		if (r->f[i].exception != NULL)
			cJSON_AddStringToObject(f, "exception",
			    r->f[i].exception);
		cJSON_AddItemToArray(fs, f);
	}
	ran = cJSON_AddArrayToObject(j, "policies");
	for (i = 0; i < r->n_ran; i++)
		cJSON_AddItemToArray(ran, cJSON_CreateString(r->ran[i]));
	return j;
}

void
check_out_result(struct check_out *o, const struct check_result *r)
{
	size_t	i;

	o->checked++;
	if (strcmp(r->decision, "deny") == 0)
		o->denied++;
	else
		for (i = 0; i < r->n; i++)
			if (strcmp(r->f[i].mode, "audit") == 0) {
				o->warned++;
				break;
			}
	if (o->fmt == CHECK_TEXT)
		print_text(o, r);
	else if (o->fmt == CHECK_GITHUB)
		print_github(o, r);
	else if ((size_t)cJSON_GetArraySize(o->objects) < CHECK_RESULTS_MAX)
		cJSON_AddItemToArray(o->objects, record(r));
	else
		o->dropped++;
}

void
check_out_skip(struct check_out *o, const char *file, int line,
    const char *why)
{
	cJSON	*j;

	o->skips++;
	if (o->fmt == CHECK_TEXT || o->fmt == CHECK_GITHUB) {
		if (line > 0)
			fprintf(o->fmt == CHECK_TEXT ? o->f : stderr,
			    "%s:%d: skipped: %s\n", file, line, why);
		else
			fprintf(o->fmt == CHECK_TEXT ? o->f : stderr,
			    "%s: skipped: %s\n", file, why);
		return;
	}
	if ((j = cJSON_CreateObject()) == NULL)
		return;
	cJSON_AddStringToObject(j, "file", file);
	if (line > 0)
		cJSON_AddNumberToObject(j, "line", line);
	cJSON_AddStringToObject(j, "reason", why);
	cJSON_AddItemToArray(o->skipped, j);
}

void
check_out_error(struct check_out *o, const char *file, int line, int col,
    const char *message)
{
	cJSON	*j;

	o->n_errors++;
	if (o->fmt == CHECK_GITHUB) {
		fprintf(o->f, "::error file=%s,line=%d,col=%d,title=gitgate::",
		    file != NULL ? file : "-", line, col);
		gh_escape(o->f, message);
		fputc('\n', o->f);
	}
	if (file != NULL && line > 0)
		fprintf(stderr, "%s:%d:%d: %s\n", file, line, col, message);
	else if (file != NULL)
		fprintf(stderr, "%s: %s\n", file, message);
	else
		fprintf(stderr, "gitgate: %s\n", message);
	if ((j = cJSON_CreateObject()) == NULL)
		return;
	if (file != NULL)
		cJSON_AddStringToObject(j, "file", file);
	if (line > 0) {
		cJSON_AddNumberToObject(j, "line", line);
		cJSON_AddNumberToObject(j, "col", col);
	}
	cJSON_AddStringToObject(j, "message", message);
	cJSON_AddItemToArray(o->errors, j);
}

int
check_out_finish(struct check_out *o)
{
	cJSON	*root, *sum, *rep;
	char	*s = NULL;
	FILE	*sf = o->fmt == CHECK_TEXT || o->fmt == CHECK_GITHUB ? o->f :
		    stderr;
	int	 rc;

	if (o->dropped > 0)
		check_out_error(o, NULL, 0, 0, "more objects than "
		    "CHECK_RESULTS_MAX: the output lists the first ones only");
	if (o->fmt == CHECK_JSON && (root = cJSON_CreateObject()) != NULL) {
		cJSON_AddItemReferenceToObject(root, "objects", o->objects);
		cJSON_AddItemReferenceToObject(root, "skipped", o->skipped);
		cJSON_AddItemReferenceToObject(root, "errors", o->errors);
		sum = cJSON_AddObjectToObject(root, "summary");
		cJSON_AddNumberToObject(sum, "checked", (double)o->checked);
		cJSON_AddNumberToObject(sum, "denied", (double)o->denied);
		cJSON_AddNumberToObject(sum, "warned", (double)o->warned);
		cJSON_AddNumberToObject(sum, "skipped", (double)o->skips);
		cJSON_AddNumberToObject(sum, "errors", (double)o->n_errors);
		s = cJSON_Print(root);
		cJSON_Delete(root);
	} else if (o->fmt == CHECK_JUNIT)
		check_out_junit(o->f, "gitgate check", o->objects, o->skipped,
		    o->errors);
	else if (o->fmt == CHECK_POLICYREPORT && (rep = check_out_policyreport(
	    o->objects, (long long)time(NULL))) != NULL) {
		s = cJSON_Print(rep);
		cJSON_Delete(rep);
	}
	if (s != NULL)
		fprintf(o->f, "%s\n", s);
	free(s);
	fprintf(sf, "%zu objects checked: %zu denied, %zu warned, %zu "
	    "skipped", o->checked, o->denied, o->warned, o->skips);
	if (o->n_errors > 0)
		fprintf(sf, "; %zu errors", o->n_errors);
	if (o->checked == 0 && o->n_errors == 0)
		fprintf(sf, "; nothing checked");
	fputc('\n', sf);
	fflush(o->f);
	rc = o->n_errors > 0 || o->checked == 0 ? 2 : o->denied > 0 ? 1 : 0;
	cJSON_Delete(o->objects);
	cJSON_Delete(o->skipped);
	cJSON_Delete(o->errors);
	free(o);
	return rc;
}
