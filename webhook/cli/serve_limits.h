/*
 * serve_limits.h - every limit of `gitgate serve` in one place: each
 * flag's default, minimum and maximum (serve_opts.c's table reads them)
 * and the control loop's timings. A limit enforced below cli/ (http/,
 * wire/) keeps its one definition there and is named here, so this file is
 * the list and nothing is defined twice.
 */
#ifndef GITGATE_SERVE_LIMITS_H
#define GITGATE_SERVE_LIMITS_H

#include "http/server.h"
#include "wire/review.h"

#define SERVE_LISTEN_DEFAULT		"0.0.0.0:8443"
#define SERVE_LOG_LEVEL_DEFAULT		"info"

#define SERVE_MAX_BODY_DEFAULT		SERVER_MAX_BODY_DEFAULT	/* 6 MiB */
#define SERVE_MAX_BODY_MIN		1
#define SERVE_MAX_BODY_MAX		SERVER_MAX_BODY_LIMIT	/* 64 MiB */

#define SERVE_THREADS_DEFAULT_MAX	16	/* default: one per CPU, <= */
#define SERVE_THREADS_MIN		1
#define SERVE_THREADS_MAX		64

#define SERVE_CONNECTIONS_DEFAULT	SERVER_CONN_LIMIT_DEFAULT /* 1000 */
#define SERVE_CONNECTIONS_MIN		1
#define SERVE_CONNECTIONS_MAX		100000

#define SERVE_CONN_TIMEOUT_DEFAULT	SERVER_CONN_TIMEOUT_DEFAULT /* 120 s */
#define SERVE_CONN_TIMEOUT_MIN		1
#define SERVE_CONN_TIMEOUT_MAX		3600

#define SERVE_FIRST_REQUEST_DEFAULT	SERVER_FIRST_REQUEST_DEFAULT /* 10 s */
#define SERVE_REQUEST_TIMEOUT_DEFAULT	SERVER_REQUEST_TIMEOUT_DEFAULT /* 20 s */
#define SERVE_BODY_WAIT_DEFAULT		SERVER_BODY_WAIT_DEFAULT /* 2 s */
#define SERVE_DEADLINE_MIN		1
#define SERVE_DEADLINE_MAX		3600

#define SERVE_HEADER_BYTES_DEFAULT	SERVER_HEADER_BYTES_DEFAULT /* 32 KiB */
#define SERVE_HEADER_BYTES_MIN		SERVER_HEADER_BYTES_MIN	/* 4 KiB */
#define SERVE_HEADER_BYTES_MAX		SERVER_HEADER_BYTES_LIMIT /* 1 MiB */

#define SERVE_JSON_DEPTH_DEFAULT	REVIEW_JSON_DEPTH_DEFAULT	/* 64 */
#define SERVE_JSON_DEPTH_MIN		1
#define SERVE_JSON_DEPTH_MAX		REVIEW_JSON_DEPTH_MAX	/* 1000 */

#define SERVE_INFLIGHT_BYTES_DEFAULT	SERVER_INFLIGHT_BYTES_DEFAULT /* 16 MiB */
#define SERVE_INFLIGHT_BYTES_MIN	SERVER_INFLIGHT_BYTES_MIN /* 64 KiB */
#define SERVE_INFLIGHT_BYTES_MAX	SERVER_INFLIGHT_BYTES_LIMIT /* 4 GiB */

#define SERVE_DRAIN_MS			SERVER_DRAIN_MS	/* stop: grace */
#define SERVE_CERT_WARN_DAYS		30	/* start-up: "expiring" */
#define SERVE_RELOAD_DEBOUNCE_MS	200	/* quiet before a reload */
#define SERVE_TICK_MS			1000	/* cert look, trim, re-watch */
/*
 * The memory model (serve_mem.c), measured with test/bench/mem_peak.py on
 * amd64 (libmicrohttpd 0.9.75, GnuTLS 3.7): the process at rest; a
 * keep-alive TLS connection after a review (GnuTLS session, its buffers,
 * libmicrohttpd's pool as touched); a worker thread (stack touched, the
 * parser's kept block, its malloc cache); parse-tree bytes per body byte.
 * With a memory limit the defaults keep the modelled peak under
 * SERVE_MEM_TARGET_PCT of it; malloc gets SERVE_MALLOC_ARENAS arenas, so
 * freed trees of one thread serve the next (not one heap per thread).
 */
#define SERVE_MEM_BASE			(10ull * 1024 * 1024)
#define SERVE_MEM_PER_CONN		(48ull * 1024)
#define SERVE_MEM_PER_THREAD		(512ull * 1024)
#define SERVE_MEM_TREE			3
#define SERVE_MEM_TARGET_PCT		85
#define SERVE_MEM_CONN_FLOOR		128	/* halve bytes before fewer */
#define SERVE_MEM_CONN_MIN		16	/* never fewer by default */
#define SERVE_MEM_FILE_MAX		128	/* a cgroup file's first line */
#define SERVE_MALLOC_ARENAS		2
#define SERVE_CGROUP_ROOT		"/sys/fs/cgroup"
#define SERVE_CGROUP_ENV		"GITGATE_CGROUP_ROOT"

#define SERVE_RELOAD_RETRY_MIN_S	1	/* a failed reload: first retry */
#define SERVE_RELOAD_RETRY_MAX_S	60	/* ... doubling up to this */

#endif
