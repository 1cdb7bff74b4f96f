/*
 * metrics_exception.c - gitgate_exceptions_applied_total{exception,policy}
 * in a lock-free slot table keyed by "exception/policy" (names are DNS
 * labels: no '/' in them), as metrics.c keeps policy names, and
 * gitgate_exception_expiry_timestamp_seconds{exception} under a mutex
 * taken only by a reload and a render, never by a request.
 */
#include "base/metrics_exception.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX	(2 * METRICS_EXCEPTION_NAME_MAX + 2)

struct pair_slot {
	_Atomic(char *)	key;		/* "exception/policy" */
	atomic_ullong	count;
};

struct gauge {
	char		name[METRICS_EXCEPTION_NAME_MAX + 1];
	long long	expires;
};

static struct pair_slot	m_pairs[METRICS_EXCEPTION_SLOTS];
static struct gauge	m_gauges[METRICS_EXCEPTION_GAUGES];
static size_t		m_n_gauges;
static pthread_mutex_t	m_gauge_lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned long
hash_key(const char *s)
{
	unsigned long	h = 5381;

	while (*s != '\0')
		h = h * 33 + (unsigned char)*s++;
	return h;
}

/* The slot of key, claimed on first use; NULL when the table is full. */
static struct pair_slot *
pair_slot(const char *key)
{
	unsigned long	 h = hash_key(key);
	size_t		 i, at;
	char		*cur, *mine = NULL;

	for (i = 0; i < METRICS_EXCEPTION_SLOTS; i++) {
		at = (h + i) % METRICS_EXCEPTION_SLOTS;
		cur = atomic_load(&m_pairs[at].key);
		if (cur == NULL) {
			if (mine == NULL && (mine = strdup(key)) == NULL)
				return NULL;
			if (atomic_compare_exchange_strong(&m_pairs[at].key,
			    &cur, mine))
				return &m_pairs[at];
		}
		if (strcmp(cur, key) == 0) {
			free(mine);
			return &m_pairs[at];
		}
	}
	free(mine);
	return NULL;
}

void
metrics_exception_applied(const char *exception, const char *policy)
{
	struct pair_slot	*s;
	char			 key[KEY_MAX + 1];

	if (strlen(exception) > METRICS_EXCEPTION_NAME_MAX ||
	    strlen(policy) > METRICS_EXCEPTION_NAME_MAX)
		return;
	snprintf(key, sizeof(key), "%s/%s", exception, policy);
	if ((s = pair_slot(key)) != NULL)
		atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
}

void
metrics_exception_expiry(const char *const *names, const long long *expires,
    size_t n)
{
	size_t	i, k = 0;

	pthread_mutex_lock(&m_gauge_lock);
	for (i = 0; i < n && k < METRICS_EXCEPTION_GAUGES; i++) {
		if (strlen(names[i]) > METRICS_EXCEPTION_NAME_MAX)
			continue;
		snprintf(m_gauges[k].name, sizeof(m_gauges[k].name), "%s",
		    names[i]);
		m_gauges[k++].expires = expires[i];
	}
	m_n_gauges = k;
	pthread_mutex_unlock(&m_gauge_lock);
}

void
metrics_exception_render(struct dynbuf *o)
{
	const char	*key, *slash;
	size_t		 i;

	(void)dynbuf_addf(o, "# HELP gitgate_exceptions_applied_total "
	    "Requests a PolicyException let through, by exception and the "
	    "policy whose findings it lifted (dry runs not counted).\n"
	    "# TYPE gitgate_exceptions_applied_total counter\n");
	for (i = 0; i < METRICS_EXCEPTION_SLOTS; i++) {
		if ((key = atomic_load(&m_pairs[i].key)) == NULL ||
		    (slash = strchr(key, '/')) == NULL)
			continue;
		(void)dynbuf_addf(o, "gitgate_exceptions_applied_total{"
		    "exception=\"%.*s\",policy=\"%s\"} %llu\n",
		    (int)(slash - key), key, slash + 1,
		    atomic_load(&m_pairs[i].count));
	}
	(void)dynbuf_addf(o, "# HELP gitgate_exception_expiry_timestamp_seconds"
	    " When each PolicyException of the policy set in force expires.\n"
	    "# TYPE gitgate_exception_expiry_timestamp_seconds gauge\n");
	pthread_mutex_lock(&m_gauge_lock);
	for (i = 0; i < m_n_gauges; i++)
		(void)dynbuf_addf(o,
		    "gitgate_exception_expiry_timestamp_seconds{exception="
		    "\"%s\"} %lld\n", m_gauges[i].name, m_gauges[i].expires);
	pthread_mutex_unlock(&m_gauge_lock);
}
