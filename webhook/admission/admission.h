/*
 * admission.h - answer one AdmissionReview body: decode, decide, render,
 * encode, log. Shared by `serve` (per HTTP request) and `review` (offline),
 * so both answer byte for byte the same.
 */
#ifndef GITGATE_ADMISSION_H
#define GITGATE_ADMISSION_H

#include <stddef.h>

#include "base/json_parse.h"
#include "policy/policy.h"

struct admission_reply {
	int	 status;	/* HTTP status: 200, or 400 for bad input */
	char	*body;		/* malloc'd JSON; caller frees */
	size_t	 len;
	int	 allowed;	/* for 200: the decision */
	int	 dry_run;
};

/*
 * Memory of big reviews. serve keeps freed memory in malloc's heaps (no
 * mmap per big buffer: faulting in and zeroing fresh pages cost a 1 MiB
 * review more than parsing it) and gives it back once no review bigger
 * than ADMISSION_BIG_BYTES has come for ADMISSION_TRIM_IDLE_MS.
 */
#define ADMISSION_BIG_BYTES	(256 * 1024)
#define ADMISSION_TRIM_IDLE_MS	2000
#define ADMISSION_MMAP_THRESHOLD (4 * 1024 * 1024)	/* bigger: mmap */

#define ADMISSION_OBSERVE	0x1u	/* log line and metrics per decision */

/*
 * How to answer: what serve's flags change. A zeroed struct (or NULL) is
 * what `gitgate review` uses: policies' own modes, the default JSON depth,
 * no log line or metrics.
 */
struct admission_opts {
	int		force_audit;	/* serve --audit: every policy audits */
	unsigned	max_json_depth;	/* 0: REVIEW_JSON_DEPTH_DEFAULT; more
					   than REVIEW_JSON_DEPTH_MAX: that */
	unsigned	flags;		/* ADMISSION_OBSERVE */
	long long	now;		/* the request's time (Unix s) for
					   PolicyExceptions; 0: the clock,
					   read only if the set has any */
};

/*
 * Answer body under set as opts says (borrowed for the call; NULL: all
 * defaults). Never fails: bad input gets a 400 with a Status body; out of
 * memory a 500. The JSON tree lives in blocks of its own for the duration
 * of the call (json_parse.h); out->body is malloc'd.
 */
void	admission_handle(const struct policy_set *set,
	    const struct admission_opts *opts, const char *body, size_t len,
	    struct admission_reply *out);
/*
 * Same, parsing body in place (no copy of a big body): it is overwritten
 * and needs ADMISSION_BODY_PAD writable bytes after len.
 */
#define ADMISSION_BODY_PAD	JSON_PARSE_PAD
void	admission_handle_in_place(const struct policy_set *set,
	    const struct admission_opts *opts, char *body, size_t len,
	    struct admission_reply *out);

/*
 * Called now and then (serve's control loop, every second): returns the
 * heaps' free pages to the system if a big review came and none has for
 * ADMISSION_TRIM_IDLE_MS. Returns 1 if it trimmed.
 */
int	admission_trim_idle(void);

#endif
