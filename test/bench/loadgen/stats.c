/*
 * stats.c - latency samples and their summary: every sample is kept (ns,
 * 8 bytes each: 10 000/s for a minute is 4.8 MB), sorted once at the end,
 * so the percentiles are exact. Percentile and JSON shapes are those of
 * the Go generator this replaced (bench.py and report.py read them).
 */
#include "loadgen.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t
clock_now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * LG_NS + ts.tv_nsec;
}

int
samples_init(struct lg_samples *s, size_t cap)
{
	s->n = 0;
	s->cap = cap;
	if ((s->v = calloc(cap ? cap : 1, sizeof(*s->v))) == NULL)
		return -1;
	/* fault the pages in now, not in the measured loop */
	memset(s->v, 0xff, cap * sizeof(*s->v));
	return 0;
}

void
samples_add(struct lg_samples *s, int64_t ns)
{
	if (s->n < s->cap)
		s->v[s->n++] = ns;
}

void
samples_free(struct lg_samples *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

static int
samples_cmp(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The p-th percentile (0..100) of the sorted samples, in ms. */
static double
samples_pct(const struct lg_samples *s, double p)
{
	long long	i;

	if (s->n == 0)
		return 0;
	i = (long long)((double)s->n * p / 100 + 0.5) - 1;
	if (i < 0)
		i = 0;
	if (i >= (long long)s->n)
		i = (long long)s->n - 1;
	return (double)s->v[i] / 1e6;
}

void
samples_emit(FILE *f, const char *key, struct lg_samples *s)
{
	double	sum = 0;
	size_t	i;

	qsort(s->v, s->n, sizeof(*s->v), samples_cmp);
	fprintf(f, "\"%s\":{\"max\":%.6f,", key, samples_pct(s, 100));
	if (s->n > 0) {
		for (i = 0; i < s->n; i++)
			sum += (double)s->v[i];
		fprintf(f, "\"mean\":%.6f,", sum / (double)s->n / 1e6);
	}
	fprintf(f, "\"p50\":%.6f,\"p90\":%.6f,\"p99\":%.6f,\"p99.9\":%.6f}",
	    samples_pct(s, 50), samples_pct(s, 90), samples_pct(s, 99),
	    samples_pct(s, 99.9));
}

void
json_string(FILE *f, const char *s)
{
	const unsigned char	*p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}
