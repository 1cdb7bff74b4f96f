/*
 * cli_test.c - `gitgate test`: policy test suites kept in the config repo.
 * Each case becomes the AdmissionReview kube-apiserver would send and is
 * answered by admission_handle(), the code serve answers with; the answer
 * is compared with the case's expectation (decision, policies, message).
 * Exit 0 all pass, 1 a case failed, 2 a suite or policy error.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admission/admission.h"
#include "cli/check_eval.h"
#include "cli/suite.h"

struct tctx {
	struct policy_set	*set;
	const char		*default_user;
	int			 junit;
	int			 verbose;
	long long		 now;		/* --now, or the clock */
	size_t			 passed, failed, errors;
	cJSON			*junit_cases;
};

/*
 * The one call into the admission path (serve's code, its defaults), at
 * the case's time.
 */
static void
test_answer(const struct policy_set *set, long long now, const char *body,
    size_t len, struct admission_reply *rep)
{
	struct admission_opts	ao;

	memset(&ao, 0, sizeof(ao));
	ao.now = now;
	admission_handle(set, &ao, body, len, rep);
}

/* Policies named "[name]" at the start of a message part or warning. */
static void
names_add(const char *s, cJSON *out)
{
	const char	*p, *e;
	char		 name[POLICY_NAME_MAX + 1];
	const cJSON	*it;
	int		 seen;

	for (p = s; (p = strchr(p, '[')) != NULL; p++) {
		if (p != s && !(p >= s + 2 && p[-2] == ';' && p[-1] == ' '))
			continue;
		if ((e = strchr(p, ']')) == NULL || e - p - 1 > POLICY_NAME_MAX)
			break;
		snprintf(name, sizeof(name), "%.*s", (int)(e - p - 1), p + 1);
		seen = 0;
		cJSON_ArrayForEach(it, out) {
			seen |= strcmp(it->valuestring, name) == 0;
		}
		if (!seen)
			cJSON_AddItemToArray(out, cJSON_CreateString(name));
	}
}

struct answer {
	const char	*decision;	/* allow, warn, deny */
	const char	*message;
	cJSON		*policies;	/* strings */
	const cJSON	*warnings;
};

static int
answer_read(const cJSON *resp, struct answer *a, cJSON *policies)
{
	const cJSON	*r = cJSON_GetObjectItemCaseSensitive(resp, "response");
	const cJSON	*allowed = cJSON_GetObjectItemCaseSensitive(r,
			    "allowed");
	const cJSON	*st = cJSON_GetObjectItemCaseSensitive(r, "status");
	const cJSON	*msg = cJSON_GetObjectItemCaseSensitive(st, "message");
	const cJSON	*w;

	if (!cJSON_IsBool(allowed))
		return -1;
	a->policies = policies;
	a->warnings = cJSON_GetObjectItemCaseSensitive(r, "warnings");
	a->message = cJSON_IsString(msg) ? msg->valuestring : "";
	names_add(a->message, policies);
	cJSON_ArrayForEach(w, a->warnings) {
		if (cJSON_IsString(w))
			names_add(w->valuestring, policies);
	}
	a->decision = cJSON_IsFalse(allowed) ? "deny" :
	    cJSON_GetArraySize(a->warnings) > 0 ? "warn" : "allow";
	return 0;
}

/* "" when a meets the expectation, else why not in buf. */
static const char *
answer_compare(const struct suite_case *c, const struct answer *a, char *buf,
    size_t len)
{
	const cJSON	*w, *p, *q;
	int		 found;
	char		*got;

	if (strcmp(c->decision, a->decision) != 0) {
		w = cJSON_GetArrayItem(a->warnings, 0);
		snprintf(buf, len, "expected %s, got %s%s%s", c->decision,
		    a->decision, a->message[0] != '\0' || cJSON_IsString(w) ?
		    ": " : "", a->message[0] != '\0' ? a->message :
		    cJSON_IsString(w) ? w->valuestring : "");
		return buf;
	}
	if (c->policies != NULL) {
		found = cJSON_GetArraySize(c->policies) ==
		    cJSON_GetArraySize(a->policies);
		cJSON_ArrayForEach(p, c->policies) {
			int one = 0;

			cJSON_ArrayForEach(q, a->policies) {
				one |= strcmp(p->valuestring,
				    q->valuestring) == 0;
			}
			found &= one;
		}
		if (!found) {
			got = cJSON_PrintUnformatted(a->policies);
			snprintf(buf, len, "expected policies %s, got %s",
			    c->policies_text, got != NULL ? got : "?");
			free(got);
			return buf;
		}
	}
	if (c->message != NULL) {
		found = strstr(a->message, c->message) != NULL;
		cJSON_ArrayForEach(w, a->warnings) {
			found |= cJSON_IsString(w) &&
			    strstr(w->valuestring, c->message) != NULL;
		}
		if (!found) {
			snprintf(buf, len, "expected a message with \"%s\", "
			    "got \"%s\"", c->message, a->message);
			return buf;
		}
	}
	return "";
}

/*
 * " (excepted by a,b)": the PolicyExceptions that lifted findings, from
 * the audit annotations verdict.c keys by exception ("excepted (...)"),
 * or "" if none did.
 */
static const char *
excepted_by(const cJSON *resp, char *buf, size_t len)
{
	const cJSON	*r = cJSON_GetObjectItemCaseSensitive(resp, "response");
	const cJSON	*ann, *a;
	size_t		 n = 0;

	buf[0] = '\0';
	ann = cJSON_GetObjectItemCaseSensitive(r, "auditAnnotations");
	cJSON_ArrayForEach(a, ann) {
		/* room for the head, the name, ")" and the NUL */
		if (!cJSON_IsString(a) || a->string == NULL ||
		    strncmp(a->valuestring, "excepted (", 10) != 0 ||
		    n + strlen(a->string) + 16 > len)
			continue;
		snprintf(buf + n, len - n, "%s%s", n == 0 ? " (excepted by " :
		    ",", a->string);
		n = strlen(buf);
	}
	if (n > 0)
		memcpy(buf + n, ")", 2);
	return buf;
}

static void
case_result(struct tctx *t, const struct suite_case *c, const char *fail,
    const char *exc)
{
	cJSON	*j;
	FILE	*f = t->junit ? stderr : stdout;

	if (fail[0] == '\0') {
		t->passed++;
		fprintf(f, "PASS %s:%d: %s%s\n", c->file, c->line, c->name,
		    exc);
	} else {
		t->failed++;
		fprintf(f, "FAIL %s:%d: %s: %s%s\n", c->file, c->line,
		    c->name, fail, exc);
	}
	if (t->junit_cases == NULL || (j = cJSON_CreateObject()) == NULL)
		return;
	cJSON_AddStringToObject(j, "file", c->file);
	cJSON_AddNumberToObject(j, "line", c->line);
	cJSON_AddStringToObject(j, "kind", "case");
	cJSON_AddStringToObject(j, "name", c->name);
	cJSON_AddStringToObject(j, "decision", fail[0] == '\0' ? "allow" :
	    "deny");
	if (fail[0] != '\0')
		cJSON_AddStringToObject(j, "message", fail);
	cJSON_AddItemToArray(t->junit_cases, j);
}

static void
run_case(void *arg, const struct suite_case *c)
{
	struct tctx		*t = arg;
	struct admission_reply	 rep;
	struct answer		 a;
	cJSON			*resp = NULL, *pols = NULL;
	char			*body, why[1024], exc[256];

	if ((body = suite_review(c, t->default_user)) == NULL) {
		t->errors++;
		fprintf(stderr, "%s:%d: %s: out of memory\n", c->file, c->line,
		    c->name);
		return;
	}
	test_answer(t->set, c->now != 0 ? c->now : t->now, body, strlen(body),
	    &rep);
	free(body);
	if (rep.status != 200 || (resp = cJSON_Parse(rep.body)) == NULL ||
	    (pols = cJSON_CreateArray()) == NULL ||
	    answer_read(resp, &a, pols) == -1) {
		snprintf(why, sizeof(why), "the review was refused (HTTP %d): "
		    "%s", rep.status, rep.body != NULL ? rep.body : "");
		case_result(t, c, why, "");
	} else
		case_result(t, c, answer_compare(c, &a, why, sizeof(why)),
		    excepted_by(resp, exc, sizeof(exc)));
	cJSON_Delete(pols);
	cJSON_Delete(resp);
	free(rep.body);
}

#define END \
	{ NULL, 0, CLI_OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL, 0, NULL }

static const struct cli_opt	test_opt_table[] = {
	{ "policies", 'p', CLI_OPT_STRING, "DIR", CLI_OPT_REQUIRED, 0, 0, 0,
	    NULL, NULL, CLI_NO_STORE, "policy directory" },
	{ "output", 'o', CLI_OPT_STRING, "text|junit", CLI_OPT_SHORT, 0, 0, 0,
	    "text", NULL, CLI_NO_STORE, "PASS/FAIL per case, or JUnit XML" },
	CLI_NOW_OPT,
	END
};

const struct cli_cmd	cli_test_cmd = {
	"test", "SUITE...",
	"Run policy test suites (files or folders of kind: PolicyTest), each\n"
	    "case answered by the same code as serve. Case keys: name,\n"
	    "manifest or object, operation, subresource, user (NAME or\n"
	    "NS:NAME), groups,\n"
	    "oldObject or oldManifest, dryRun, now (RFC 3339: the time the\n"
	    "case is decided at), expect: {decision: allow|warn|\n"
	    "deny, policies: [...], message: substring}. A case a\n"
	    "PolicyException let through ends \"(excepted by NAME)\".\n"
	    "Last line: N cases: N passed, N failed. Exit 0 pass, 1 a case\n"
	    "failed, 2 an error.",
	test_opt_table
};

int
cli_test(int argc, char **argv)
{
	struct cli_getopt		 g;
	struct tctx			 t;
	const char			*dir = NULL, *now = NULL;
	char				 userbuf[512];
	int				 c, rc = 2;

	memset(&t, 0, sizeof(t));
	/* results on stdout, suite errors on stderr: in order in a CI log */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (cli_opt_getopt(&cli_test_cmd, &g) == -1)
		return 2;
	while ((c = getopt_long(argc, argv, g.sopts, g.lopts, NULL)) != -1) {
		if (c == 'p')
			dir = optarg;
		else if (c == 'N')
			now = optarg;
		else if (c == 'o' && (strcmp(optarg, "junit") == 0 ||
		    strcmp(optarg, "text") == 0))
			t.junit = strcmp(optarg, "junit") == 0;
		else if (c == 'o') {
			fprintf(stderr, "gitgate: -o must be text or junit\n");
			return 2;
		} else
			return cli_opt_default(&cli_test_cmd, c);
	}
	if (dir == NULL || optind >= argc) {
		cli_opt_usage(stderr, &cli_test_cmd, "usage: ", 0);
		return 2;
	}
	if (cli_now_parse(now, &t.now) == -1)
		return 2;
	if ((t.set = cli_load_policies(dir)) == NULL)
		return 2;
	t.default_user = policy_set_default_user(t.set, userbuf,
	    sizeof(userbuf));
	if (t.default_user == NULL)
		t.default_user = "system:serviceaccount:flux-system:"
		    "kustomize-controller";
	if (t.junit)
		t.junit_cases = cJSON_CreateArray();
	t.errors += suite_run(argv + optind, argc - optind, run_case, &t);
	if (t.junit) {
		check_out_junit(stdout, "gitgate test", t.junit_cases, NULL,
		    NULL);
		cJSON_Delete(t.junit_cases);
	}
	fprintf(t.junit ? stderr : stdout, "%zu cases: %zu passed, %zu "
	    "failed%s\n", t.passed + t.failed, t.passed, t.failed,
	    t.errors > 0 ? "; suite errors (see above)" : "");
	rc = t.errors > 0 || t.passed + t.failed == 0 ? 2 : t.failed > 0;
	policy_set_unref(t.set);
	return rc;
}
