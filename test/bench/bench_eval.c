/*
 * bench_eval.c - evaluation-only benchmark: decode + decide + encode of one
 * AdmissionReview, no transport, on the calling thread (run it under
 * `taskset -c N` for one core). Links gitgate's own objects (the Makefile's
 * LIB_OBJS) and calls admission_handle() with flags 0 (no log line, no
 * metrics) exactly as `serve` does per request, then times the phases on
 * their own: review_decode + review_free, eval_review, verdict_render +
 * review_encode. It also counts heap allocations per review by interposing
 * malloc/calloc/realloc/free (glibc's __libc_* underneath).
 *
 * For comparison it also times cJSON_ParseWithLength + cJSON_Delete of
 * the same body with glibc malloc ("cjson_parse_ns"): what the decode
 * would cost with cJSON instead of json_parse.
 *
 * usage: bench_eval --policies DIR --body FILE [--min-ms N] [--observe]
 * prints one JSON object on stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admission/admission.h"
#include "base/diag.h"
#include "admission/eval.h"
#include "policy/policy_set.h"
#include "rules/rules.h"
#include "wire/review.h"
#include "admission/verdict.h"

/* --- allocation counting (interposes the whole process's malloc) --- */
extern void	*__libc_malloc(size_t);
extern void	*__libc_calloc(size_t, size_t);
extern void	*__libc_realloc(void *, size_t);
extern void	 __libc_free(void *);

static int		count_on;
static unsigned long	n_alloc, n_free;
static unsigned long long bytes_alloc;

void *malloc(size_t n);
void *calloc(size_t a, size_t b);
void *realloc(void *p, size_t n);
void free(void *p);

void *
malloc(size_t n)
{
	if (count_on) {
		n_alloc++;
		bytes_alloc += n;
	}
	return __libc_malloc(n);
}

void *
calloc(size_t a, size_t b)
{
	if (count_on) {
		n_alloc++;
		bytes_alloc += a * b;
	}
	return __libc_calloc(a, b);
}

void *
realloc(void *p, size_t n)
{
	if (count_on) {
		n_alloc++;
		bytes_alloc += n;
	}
	return __libc_realloc(p, n);
}

void
free(void *p)
{
	if (count_on && p != NULL)
		n_free++;
	__libc_free(p);
}

/* --- timing --- */
static double
now_s(clockid_t id)
{
	struct timespec	ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f = fopen(path, "rb");
	char	*buf;
	long	 n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
		perror(path);
		exit(2);
	}
	rewind(f);
	if ((buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(2);
	}
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

enum phase { FULL, DECODE, DECIDE, ENCODE, PARSE };

struct ctx {
	struct policy_set	*set;
	const char		*body;
	size_t			 len;
	struct admission_opts	 opts;
	struct review		 rv;	/* pre-decoded for DECIDE/ENCODE */
	struct eval_decision	 d;
	struct verdict		 v;
};

static void
once(struct ctx *c, enum phase ph)
{
	struct admission_reply	rep;
	struct review		rv;
	char			err[256];
	size_t			len;
	char			*out;

	switch (ph) {
	case FULL:
		admission_handle(c->set, &c->opts, c->body, c->len, &rep);
		if (rep.status != 200) {
			fprintf(stderr, "bench_eval: status %d: %.*s\n",
			    rep.status, (int)rep.len, rep.body);
			exit(1);
		}
		free(rep.body);
		break;
	case PARSE:
		cJSON_Delete(cJSON_ParseWithLength(c->body, c->len));
		break;
	case DECODE:
		if (review_decode(c->body, c->len, &rv, err, sizeof(err)) != 0)
			exit(1);
		review_free(&rv);
		break;
	case DECIDE:
		eval_review(c->set, &c->rv, 0, 0, &c->d);
		break;
	case ENCODE:
		verdict_render(&c->d, &c->v);
		out = review_encode(&c->rv, &c->v.resp, &len);
		free(out);
		break;
	}
}

/* Run ph for at least min_ms; returns ns per call (wall) and CPU. */
static double
timed(struct ctx *c, enum phase ph, double min_ms, double *cpu_ns)
{
	unsigned long	n = 0, batch = 1;
	double		t0, c0, t;
	unsigned long	i;

	t0 = now_s(CLOCK_MONOTONIC);	/* warm caches and the allocator */
	for (i = 0; i < 200 && now_s(CLOCK_MONOTONIC) - t0 < 0.02; i++)
		once(c, ph);
	t0 = now_s(CLOCK_MONOTONIC);
	c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
	do {
		for (i = 0; i < batch; i++)
			once(c, ph);
		n += batch;
		if (batch < 4096)
			batch *= 2;
		t = now_s(CLOCK_MONOTONIC) - t0;
	} while (t * 1e3 < min_ms);
	*cpu_ns = (now_s(CLOCK_THREAD_CPUTIME_ID) - c0) * 1e9 / (double)n;
	return t * 1e9 / (double)n;
}

int
main(int argc, char **argv)
{
	const char	*dir = NULL, *bodyf = NULL;
	double		 min_ms = 400, full, full_cpu, dec, dec_cpu, dcd;
	double		 dcd_cpu, enc, enc_cpu, prs_cpu;
	struct ctx	 c;
	struct diag	 d;
	char		 err[256];
	int		 i;

	memset(&c, 0, sizeof(c));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--policies") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--body") == 0 && i + 1 < argc)
			bodyf = argv[++i];
		else if (strcmp(argv[i], "--min-ms") == 0 && i + 1 < argc)
			min_ms = atof(argv[++i]);
		else if (strcmp(argv[i], "--observe") == 0)
			c.opts.flags |= ADMISSION_OBSERVE;
		else {
			fprintf(stderr, "usage: bench_eval --policies DIR "
			    "--body FILE [--min-ms N] [--observe]\n");
			return 2;
		}
	}
	if (dir == NULL || bodyf == NULL) {
		fprintf(stderr, "bench_eval: --policies and --body needed\n");
		return 2;
	}
	diag_init(&d);
	if ((c.set = policy_set_load(dir, rules_kinds, &d)) == NULL) {
		fprintf(stderr, "bench_eval: %s: cannot load policies\n", dir);
		return 2;
	}
	diag_free(&d);
	c.body = slurp(bodyf, &c.len);
	if (review_decode(c.body, c.len, &c.rv, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_eval: %s: %s\n", bodyf, err);
		return 2;
	}
	eval_review(c.set, &c.rv, 0, 0, &c.d);

	/* allocations of one full review (after warm-up) */
	once(&c, FULL);
	count_on = 1;
	once(&c, FULL);
	count_on = 0;

	full = timed(&c, FULL, min_ms, &full_cpu);
	dec = timed(&c, DECODE, min_ms / 2, &dec_cpu);
	dcd = timed(&c, DECIDE, min_ms / 4, &dcd_cpu);
	enc = timed(&c, ENCODE, min_ms / 4, &enc_cpu);
	(void)timed(&c, PARSE, min_ms / 4, &prs_cpu);

	printf("{\"policies\":%zu,\"body_bytes\":%zu,\"observe\":%s,"
	    "\"ns_per_review\":%.0f,\"cpu_ns_per_review\":%.0f,"
	    "\"reviews_per_s\":%.0f,\"decode_ns\":%.0f,\"decide_ns\":%.0f,"
	    "\"encode_ns\":%.0f,\"cjson_parse_ns\":%.0f,"
	    "\"allocs\":%lu,\"frees\":%lu,"
	    "\"alloc_bytes\":%llu,\"allowed\":%s}\n",
	    c.set->n_policies, c.len, c.opts.flags ? "true" : "false", full,
	    full_cpu, 1e9 / full_cpu, dec_cpu, dcd_cpu, enc_cpu, prs_cpu,
	    n_alloc,
	    n_free, bytes_alloc, c.d.allowed ? "true" : "false");
	(void)dec; (void)dcd; (void)enc;
	review_free(&c.rv);
	policy_set_unref(c.set);
	return 0;
}
