/*
 * metrics.c - the counters behind GET /metrics, in Prometheus text format
 * 0.0.4. Requests by operation, kind and decision; a review-duration
 * histogram with sub-millisecond buckets; per-policy results; reloads;
 * policy generation; certificate expiry; build info.
 */
#include "base/metrics.h"

#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/dynbuf.h"
#include "base/kube.h"
#include "base/metrics_exception.h"

#define N_OPS		(KUBE_OPS + 1)	/* kube.c's operations + other */
#define N_KINDS		(KUBE_KNOWN_KINDS + 1)	/* + other */
#define N_DECISIONS	3
#define N_BUCKETS	14
#define N_STATUS	6

static const char *const decision_names[N_DECISIONS] = { "allow", "deny",
	"audit" };
static const double bucket_le[N_BUCKETS] = { 0.00005, 0.0001, 0.00025,
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5 };
static const int status_codes[N_STATUS] = { 400, 404, 405, 413, 415, 500 };

static atomic_ullong m_requests[N_OPS][N_KINDS][N_DECISIONS][2];
static atomic_ullong m_break_glass[N_OPS][N_KINDS];
static atomic_ullong m_buckets[N_BUCKETS + 1];
static atomic_ullong m_sum_micros;
static atomic_ullong m_http[N_STATUS + 1];
static atomic_ullong m_reloads[2];
static atomic_ullong m_cert_reloads[2];
static atomic_llong m_cert_expiry;
static atomic_uint m_conn_open;
static atomic_ullong m_conn_refused;
static atomic_ullong m_conn_closed[METRICS_CLOSED_N];
static atomic_size_t m_body_held;
static atomic_size_t m_body_waiting;

struct policy_slot {
	_Atomic(char *)	name;
	atomic_ullong	count[2][2];	/* [enforce|audit][fail|error] */
};
static struct policy_slot m_policies[METRICS_POLICY_SLOTS];

static void	emit(struct dynbuf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* Append to the text; a failure shows once, at dynbuf_take(). */
static void
emit(struct dynbuf *o, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)dynbuf_vaddf(o, fmt, ap);
	va_end(ap);
}

/* Label index of an operation bit: kube.c's order, then "other". */
static size_t
op_index(unsigned op)
{
	int	i = kube_op_index(op);

	return i == -1 ? N_OPS - 1 : (size_t)i;
}

static size_t
kind_index(const char *kind)
{
	int	i = kube_known_kind_index(kind);

	return i == -1 ? N_KINDS - 1 : (size_t)i;
}

static const char *
op_label(size_t i)
{
	return i < KUBE_OPS ? kube_op_name(1u << i) : "other";
}

static const char *
kind_label(size_t i)
{
	return i < KUBE_KNOWN_KINDS ? kube_known_kinds[i] : "other";
}

void
metrics_review(unsigned op, const char *kind, enum metrics_decision decision,
    int dry_run, long long micros)
{
	size_t	b;

	atomic_fetch_add_explicit(&m_requests[op_index(op)][kind_index(kind)]
	    [decision][dry_run ? 1 : 0], 1, memory_order_relaxed);
	for (b = 0; b < N_BUCKETS; b++)
		if ((double)micros / 1e6 <= bucket_le[b])
			break;
	atomic_fetch_add_explicit(&m_buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m_sum_micros, (unsigned long long)
	    (micros > 0 ? micros : 0), memory_order_relaxed);
}

void
metrics_break_glass(unsigned op, const char *kind)
{
	atomic_fetch_add_explicit(&m_break_glass[op_index(op)]
	    [kind_index(kind)], 1, memory_order_relaxed);
}

static unsigned long
hash_name(const char *s)
{
	unsigned long	h = 5381;

	while (*s != '\0')
		h = h * 33 + (unsigned char)*s++;
	return h;
}

/* The slot of name, claimed on first use; NULL when the table is full. */
static struct policy_slot *
policy_slot(const char *name)
{
	unsigned long	 h = hash_name(name);
	size_t		 i, at;
	char		*cur, *mine = NULL;

	for (i = 0; i < METRICS_POLICY_SLOTS; i++) {
		at = (h + i) % METRICS_POLICY_SLOTS;
		cur = atomic_load(&m_policies[at].name);
		if (cur == NULL) {
			if (mine == NULL && (mine = strdup(name)) == NULL)
				return NULL;
			if (atomic_compare_exchange_strong(
			    &m_policies[at].name, &cur, mine))
				return &m_policies[at];
		}
		if (strcmp(cur, name) == 0) {
			free(mine);
			return &m_policies[at];
		}
	}
	free(mine);
	return NULL;
}

void
metrics_policy_result(const char *policy, const char *mode,
    const char *result)
{
	struct policy_slot	*s = policy_slot(policy);

	if (s == NULL)
		return;
	atomic_fetch_add_explicit(&s->count[strcmp(mode, "audit") == 0]
	    [strcmp(result, "error") == 0], 1, memory_order_relaxed);
}

void
metrics_http_error(int status)
{
	size_t	i;

	for (i = 0; i < N_STATUS; i++)
		if (status_codes[i] == status)
			break;
	atomic_fetch_add_explicit(&m_http[i], 1, memory_order_relaxed);
}

void
metrics_reload(int ok)
{
	atomic_fetch_add(&m_reloads[ok ? 1 : 0], 1);
}

void
metrics_body_budget(size_t held, size_t waiting)
{
	atomic_store_explicit(&m_body_held, held, memory_order_relaxed);
	atomic_store_explicit(&m_body_waiting, waiting, memory_order_relaxed);
}

void
metrics_cert_reload(int ok)
{
	atomic_fetch_add(&m_cert_reloads[ok ? 1 : 0], 1);
}

void
metrics_cert_expiry(time_t not_after)
{
	atomic_store(&m_cert_expiry, (long long)not_after);
}

void
metrics_connections(unsigned open)
{
	atomic_store_explicit(&m_conn_open, open, memory_order_relaxed);
}

void
metrics_connection_refused(void)
{
	atomic_fetch_add_explicit(&m_conn_refused, 1, memory_order_relaxed);
}

void
metrics_connection_closed(enum metrics_closed why)
{
	if ((unsigned)why < METRICS_CLOSED_N)
		atomic_fetch_add_explicit(&m_conn_closed[why], 1,
		    memory_order_relaxed);
}

/* One series; zeros are left out, but for the first kind of the first op. */
static void
render_request(struct dynbuf *o, size_t a, size_t b, size_t c, size_t d)
{
	unsigned long long	v = atomic_load(&m_requests[a][b][c][d]);

	if (v == 0 && !(a == 0 && b == 0))
		return;
	emit(o, "gitgate_admission_requests_total{operation=\"%s\","
	    "kind=\"%s\",decision=\"%s\",dry_run=\"%s\"} %llu\n",
	    op_label(a), kind_label(b), decision_names[c],
	    d ? "true" : "false", v);
}

static void
render_requests(struct dynbuf *o)
{
	size_t	a, b, c, d;

	emit(o, "# HELP gitgate_admission_requests_total Admission reviews "
	    "answered, by operation, kind, decision and dry run.\n"
	    "# TYPE gitgate_admission_requests_total counter\n");
	for (a = 0; a < N_OPS; a++)
		for (b = 0; b < N_KINDS; b++)
			for (c = 0; c < N_DECISIONS; c++)
				for (d = 0; d < 2; d++)
					render_request(o, a, b, c, d);
}

static void
render_break_glass(struct dynbuf *o)
{
	unsigned long long	v;
	size_t			a, b;

	emit(o, "# HELP gitgate_break_glass_total Writes allowed only "
	    "through an ActorPolicy's breakGlass, by operation and kind.\n"
	    "# TYPE gitgate_break_glass_total counter\n");
	for (a = 0; a < N_OPS; a++)
		for (b = 0; b < N_KINDS; b++) {
			v = atomic_load(&m_break_glass[a][b]);
			if (v == 0 && !(a == 0 && b == 0))
				continue;
			emit(o, "gitgate_break_glass_total{operation=\"%s\","
			    "kind=\"%s\"} %llu\n", op_label(a), kind_label(b),
			    v);
		}
}

static void
render_histogram(struct dynbuf *o)
{
	unsigned long long	cum = 0;
	size_t			b;

	emit(o, "# HELP gitgate_admission_review_duration_seconds Time to "
	    "decode, decide and encode one review.\n"
	    "# TYPE gitgate_admission_review_duration_seconds histogram\n");
	for (b = 0; b < N_BUCKETS; b++) {
		cum += atomic_load(&m_buckets[b]);
		emit(o, "gitgate_admission_review_duration_seconds_bucket"
		    "{le=\"%g\"} %llu\n", bucket_le[b], cum);
	}
	cum += atomic_load(&m_buckets[N_BUCKETS]);
	emit(o, "gitgate_admission_review_duration_seconds_bucket{le=\"+Inf\"}"
	    " %llu\ngitgate_admission_review_duration_seconds_sum %.6f\n"
	    "gitgate_admission_review_duration_seconds_count %llu\n", cum,
	    (double)atomic_load(&m_sum_micros) / 1e6, cum);
}

static void
render_policies(struct dynbuf *o)
{
	static const char *const modes[2] = { "enforce", "audit" };
	static const char *const results[2] = { "fail", "error" };
	size_t	i, m, r;
	char	*name;

	emit(o, "# HELP gitgate_policy_results_total Policy findings, by "
	    "policy, mode and result.\n"
	    "# TYPE gitgate_policy_results_total counter\n");
	for (i = 0; i < METRICS_POLICY_SLOTS; i++) {
		if ((name = atomic_load(&m_policies[i].name)) == NULL)
			continue;
		for (m = 0; m < 2; m++)
			for (r = 0; r < 2; r++)
				emit(o, "gitgate_policy_results_total{policy="
				    "\"%s\",mode=\"%s\",result=\"%s\"} %llu\n",
				    name, modes[m], results[r],
				    atomic_load(&m_policies[i].count[m][r]));
	}
}

static void
render_misc(struct dynbuf *o, unsigned long generation, const char *sha256)
{
	size_t	i;

	emit(o, "# HELP gitgate_http_errors_total Non-200 answers on "
	    "/validate, by status code.\n"
	    "# TYPE gitgate_http_errors_total counter\n");
	for (i = 0; i < N_STATUS; i++)
		emit(o, "gitgate_http_errors_total{code=\"%d\"} %llu\n",
		    status_codes[i], atomic_load(&m_http[i]));
	emit(o, "# HELP gitgate_policy_reloads_total Policy set loads, by "
	    "result.\n# TYPE gitgate_policy_reloads_total counter\n"
	    "gitgate_policy_reloads_total{result=\"success\"} %llu\n"
	    "gitgate_policy_reloads_total{result=\"failure\"} %llu\n",
	    atomic_load(&m_reloads[1]), atomic_load(&m_reloads[0]));
	emit(o, "# HELP gitgate_policy_generation Generation of the policy "
	    "set in force, with its SHA-256.\n"
	    "# TYPE gitgate_policy_generation gauge\n"
	    "gitgate_policy_generation{sha256=\"%s\"} %lu\n", sha256,
	    generation);
	emit(o, "# HELP gitgate_certificate_expiry_timestamp_seconds notAfter "
	    "of the serving certificate.\n"
	    "# TYPE gitgate_certificate_expiry_timestamp_seconds gauge\n"
	    "gitgate_certificate_expiry_timestamp_seconds %lld\n",
	    atomic_load(&m_cert_expiry));
	emit(o, "# HELP gitgate_certificate_reloads_total Serving "
	    "certificate reloads, by result.\n"
	    "# TYPE gitgate_certificate_reloads_total counter\n"
	    "gitgate_certificate_reloads_total{result=\"success\"} %llu\n"
	    "gitgate_certificate_reloads_total{result=\"failure\"} %llu\n",
	    atomic_load(&m_cert_reloads[1]), atomic_load(&m_cert_reloads[0]));
	emit(o, "# HELP gitgate_open_connections Client connections open "
	    "now.\n# TYPE gitgate_open_connections gauge\n"
	    "gitgate_open_connections %u\n", atomic_load(&m_conn_open));
	emit(o, "# HELP gitgate_connections_refused_total Connections closed "
	    "at once because --max-connections were open.\n"
	    "# TYPE gitgate_connections_refused_total counter\n"
	    "gitgate_connections_refused_total %llu\n",
	    atomic_load(&m_conn_refused));
	emit(o, "# HELP gitgate_connections_closed_total Connections closed "
	    "by gitgate: the oldest not yet serving a request at the cap, "
	    "or past a deadline.\n"
	    "# TYPE gitgate_connections_closed_total counter\n"
	    "gitgate_connections_closed_total{reason=\"pressure\"} %llu\n"
	    "gitgate_connections_closed_total{reason=\"first_request\"} %llu\n"
	    "gitgate_connections_closed_total{reason=\"request\"} %llu\n"
	    "gitgate_connections_closed_total{reason=\"idle\"} %llu\n",
	    atomic_load(&m_conn_closed[METRICS_CLOSED_PRESSURE]),
	    atomic_load(&m_conn_closed[METRICS_CLOSED_FIRST]),
	    atomic_load(&m_conn_closed[METRICS_CLOSED_REQUEST]),
	    atomic_load(&m_conn_closed[METRICS_CLOSED_IDLE]));
	emit(o, "# HELP gitgate_request_body_bytes_held Request-body bytes "
	    "held now, counted against --max-inflight-bytes.\n"
	    "# TYPE gitgate_request_body_bytes_held gauge\n"
	    "gitgate_request_body_bytes_held %zu\n"
	    "# HELP gitgate_requests_waiting_for_body_budget Requests waiting "
	    "in line, their connections suspended, for body bytes.\n"
	    "# TYPE gitgate_requests_waiting_for_body_budget gauge\n"
	    "gitgate_requests_waiting_for_body_budget %zu\n",
	    atomic_load(&m_body_held), atomic_load(&m_body_waiting));
	emit(o, "# HELP gitgate_build_info Build information.\n"
	    "# TYPE gitgate_build_info gauge\n"
	    "gitgate_build_info{version=\"%s\",revision=\"%s\"} 1\n",
	    GITGATE_VERSION, GITGATE_GITREV);
}

char *
metrics_render(unsigned long generation, const char *sha256, size_t *len)
{
	struct dynbuf	o;

	dynbuf_init(&o, METRICS_TEXT_MAX);
	(void)dynbuf_reserve(&o, 16384);	/* today's text, in one go */
	render_requests(&o);
	render_break_glass(&o);
	render_histogram(&o);
	render_policies(&o);
	metrics_exception_render(&o);
	render_misc(&o, generation, sha256);
	return dynbuf_take(&o, len);
}
