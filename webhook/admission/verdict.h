/*
 * verdict.h - turn a decision into what people read: the one-line denial
 * message kubectl prints, the kubectl warnings (<= 120 bytes, printable
 * UTF-8), the audit annotations, and the policy list for logs.
 */
#ifndef GITGATE_VERDICT_H
#define GITGATE_VERDICT_H

#include "admission/eval.h"
#include "wire/review.h"

#define VERDICT_MESSAGE_MAX	2048
#define VERDICT_WARNING_MAX	120	/* API guidance: <= 120 characters */
#define VERDICT_ANNOTATION_MAX	1024

struct verdict {
	struct review_response	 resp;	/* points into the arrays below */
	char			 message[VERDICT_MESSAGE_MAX];
	char			 policies[512];	/* "a,b" with findings */
	char			 exceptions[512]; /* "x,y" that lifted some */
	char			 warn[EVAL_FINDINGS_MAX][VERDICT_WARNING_MAX + 1];
	const char		*warn_p[EVAL_FINDINGS_MAX];
	const char		*akey_p[EVAL_FINDINGS_MAX];
	char			 aval[EVAL_FINDINGS_MAX][VERDICT_ANNOTATION_MAX];
	const char		*aval_p[EVAL_FINDINGS_MAX];
};

/* Render d into v; v borrows policy names from d's policy set. */
void	verdict_render(const struct eval_decision *d, struct verdict *v);

#endif
