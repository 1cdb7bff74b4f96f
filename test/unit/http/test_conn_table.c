/*
 * test_conn_table.c - webhook/http/conn_table.c: which connection makes
 * room at the cap (the oldest with no request yet, else the oldest idle,
 * never one in a request, at most max_closing at once), which pass their
 * deadlines and with what reason, removal, and a full table.
 */
#include <string.h>

#include "http/conn_table.h"
#include "unit.h"

static int		closed[32];
static enum conn_why	why[32];
static int		n_closed;

static void
record(void *cls, int fd, enum conn_why w)
{
	(void)cls;
	if (n_closed < 32) {
		closed[n_closed] = fd;
		why[n_closed] = w;
	}
	n_closed++;
}

static void
test_evict(void)
{
	struct conn_table	t;
	unsigned		closing;

	n_closed = 0;
	CHECK_INT(conn_table_init(&t, 5), 0);
	CHECK_INT(conn_table_add(&t, 10, 100), 0);
	CHECK_INT(conn_table_add(&t, 11, 200), 0);
	CHECK_INT(conn_table_add(&t, 12, 300), 0);
	conn_table_set(&t, 10, CONN_REQUEST, 400);
	conn_table_set(&t, 11, CONN_IDLE, 500);
	/* the oldest fresh one goes first, before an older idle one */
	CHECK_INT(conn_table_evict(&t, 1000, 0, 8, record, NULL), 1);
	CHECK_INT(n_closed, 1);
	CHECK_INT(closed[0], 12);
	CHECK_INT(why[0], CONN_WHY_PRESSURE);
	CHECK_INT(conn_table_count(&t, &closing), 3);
	CHECK_INT(closing, 1);
	/* a closing one is not set back to work, nor closed twice */
	conn_table_set(&t, 12, CONN_IDLE, 600);
	CHECK_INT(conn_table_evict(&t, 1000, 0, 8, record, NULL), 1);
	CHECK_INT(closed[1], 11);			/* then the idle one */
	/* the one in a request is never closed for room */
	CHECK_INT(conn_table_evict(&t, 1000, 0, 8, record, NULL), 0);
	CHECK_INT(n_closed, 2);
	conn_table_remove(&t, 12);
	conn_table_remove(&t, 11);
	CHECK_INT(conn_table_count(&t, &closing), 1);
	CHECK_INT(closing, 0);
	/* at most max_closing in flight */
	CHECK_INT(conn_table_add(&t, 20, 700), 0);
	CHECK_INT(conn_table_add(&t, 21, 800), 0);
	CHECK_INT(conn_table_evict(&t, 1000, 0, 1, record, NULL), 1);
	CHECK_INT(conn_table_evict(&t, 1000, 0, 1, record, NULL), 0);
	CHECK_INT(closed[2], 20);
	conn_table_remove(&t, 20);
	conn_table_remove(&t, 21);
	/* a young fresh one (mid-handshake?) outlives an idle one */
	CHECK_INT(conn_table_add(&t, 30, 5000), 0);
	CHECK_INT(conn_table_add(&t, 31, 5000), 0);
	conn_table_set(&t, 31, CONN_IDLE, 5000);
	CHECK_INT(conn_table_evict(&t, 5500, 1000, 8, record, NULL), 1);
	CHECK_INT(closed[3], 31);
	/* no idle one left: the fresh one goes, young or not */
	CHECK_INT(conn_table_evict(&t, 5500, 1000, 8, record, NULL), 1);
	CHECK_INT(closed[4], 30);
	conn_table_remove(&t, 30);
	conn_table_remove(&t, 31);
	CHECK_INT(conn_table_add(&t, 20, 700), 0);
	CHECK_INT(conn_table_add(&t, 21, 800), 0);
	/* full */
	CHECK_INT(conn_table_add(&t, 22, 900), 0);
	CHECK_INT(conn_table_add(&t, 23, 900), 0);
	CHECK_INT(conn_table_add(&t, 24, 900), -1);
	conn_table_remove(&t, 99);			/* unknown: nothing */
	CHECK_INT(conn_table_count(&t, NULL), 5);
	conn_table_free(&t);
	conn_table_free(&t);
}

static void
test_expire(void)
{
	struct conn_table	t;
	struct conn_deadlines	d = { 1000, 5000, 60000 };

	n_closed = 0;
	CHECK_INT(conn_table_init(&t, 8), 0);
	conn_table_add(&t, 1, 0);			/* fresh at 0 */
	conn_table_add(&t, 2, 0);
	conn_table_set(&t, 2, CONN_REQUEST, 500);	/* request at 500 */
	conn_table_add(&t, 3, 0);
	conn_table_set(&t, 3, CONN_IDLE, 800);		/* idle at 800 */
	CHECK_INT(conn_table_expire(&t, 999, &d, record, NULL), 0);
	CHECK_INT(conn_table_expire(&t, 1000, &d, record, NULL), 1);
	CHECK_INT(closed[0], 1);
	CHECK_INT(why[0], CONN_WHY_FIRST);
	/* already closing: not again */
	CHECK_INT(conn_table_expire(&t, 2000, &d, record, NULL), 0);
	/* a request's deadline runs from its head, whatever trickles */
	CHECK_INT(conn_table_expire(&t, 5499, &d, record, NULL), 0);
	CHECK_INT(conn_table_expire(&t, 5500, &d, record, NULL), 1);
	CHECK_INT(closed[1], 2);
	CHECK_INT(why[1], CONN_WHY_REQUEST);
	CHECK_INT(conn_table_expire(&t, 60800, &d, record, NULL), 1);
	CHECK_INT(closed[2], 3);
	CHECK_INT(why[2], CONN_WHY_IDLE);
	/* 0: no deadline */
	d.first_ms = 0;
	conn_table_add(&t, 4, 0);
	CHECK_INT(conn_table_expire(&t, 1000000, &d, record, NULL), 0);
	conn_table_free(&t);
}

int
main(void)
{
	test_evict();
	test_expire();
	return unit_done("conn_table");
}
