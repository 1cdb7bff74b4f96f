/*
 * verdict.c - render a decision. Denial: "[policy] finding, finding - hint;
 * [policy] ..." (enforce findings only, never a RULE_WARN). Warnings: one
 * per audit or RULE_WARN finding, and per finding a PolicyException
 * lifted ("[exception] excepted (TICKET, expires DATE): finding"), cut to
 * 120 bytes on a UTF-8 boundary. Annotations: one per policy with
 * findings, keyed by the policy name, and one per exception that lifted
 * some, keyed by the exception's name (both DNS labels: valid
 * qualified-name parts, and unique in a set).
 */
#include "admission/verdict.h"

#include <stdio.h>
#include <string.h>

#include "base/utf8.h"
#include "policy/policy_exception.h"

/*
 * Append to a bounded buffer; returns the new length. When s does not fit,
 * it is cut on a UTF-8 boundary and "..." ends the buffer, which is then
 * full: size - 1 is returned and later appends add nothing.
 */
static size_t
append(char *buf, size_t size, size_t len, const char *s)
{
	size_t	n = strlen(s), room;

	if (len >= size - 1)
		return len;
	room = size - 1 - len;
	if (n <= room) {
		memcpy(buf + len, s, n + 1);
		return len + n;
	}
	n = utf8_boundary(s, room >= 3 ? room - 3 : 0);
	memcpy(buf + len, s, n);
	snprintf(buf + len + n, size - len - n, "...");
	return size - 1;
}

/* Cut s to max bytes without splitting a UTF-8 sequence. */
static void
cut_utf8(char *s, size_t max)
{
	size_t	n = strlen(s);

	if (n <= max)
		return;
	n = utf8_boundary(s, max);
	if (n >= 3) {
		n = utf8_boundary(s, n - 3);
		memcpy(s + n, "...", 4);
	} else
		s[n] = '\0';
}

/* The annotation a finding goes under: its exception's, or its policy's. */
static const char *
group(const struct eval_finding *f)
{
	return f->exception != NULL ? f->exception->name : f->policy->name;
}

static int
seen_before(const struct eval_decision *d, size_t i)
{
	size_t	j;

	for (j = 0; j < i; j++)
		if (group(&d->v[j]) == group(&d->v[i]))
			return 1;
	return 0;
}

/* 1 if a finding before i has the same policy. */
static int
policy_before(const struct eval_decision *d, size_t i)
{
	size_t	j;

	for (j = 0; j < i; j++)
		if (d->v[j].policy == d->v[i].policy)
			return 1;
	return 0;
}

/* Append ",name" (or "name" to an empty list); the new length. */
static size_t
list_add(char *buf, size_t size, size_t len, const char *name)
{
	if (len > 0)
		len = append(buf, size, len, ",");
	return append(buf, size, len, name);
}

/*
 * 1 if finding f takes part in a denial: enforce, not a warning, not
 * lifted by an exception.
 */
static int
denies(const struct eval_finding *f)
{
	return f->mode == POLICY_ENFORCE && f->verdict != RULE_WARN &&
	    f->exception == NULL;
}

/* 1 if a finding before i of the same policy is already in the message. */
static int
denied_before(const struct eval_decision *d, size_t i)
{
	size_t	j;

	for (j = 0; j < i; j++)
		if (d->v[j].policy == d->v[i].policy && denies(&d->v[j]))
			return 1;
	return 0;
}

/* The message part of one policy: "[name] a, b - hint". */
static size_t
render_policy(const struct eval_decision *d, size_t first, char *buf,
    size_t size, size_t len)
{
	const struct policy	*p = d->v[first].policy;
	size_t			 i;
	int			 n = 0;

	len = append(buf, size, len, "[");
	len = append(buf, size, len, p->name);
	len = append(buf, size, len, "] ");
	for (i = first; i < d->n; i++) {
		if (d->v[i].policy != p || !denies(&d->v[i]))
			continue;
		if (n++ > 0)
			len = append(buf, size, len, ", ");
		if (d->v[i].verdict == RULE_ERROR)
			len = append(buf, size, len, "cannot evaluate: ");
		len = append(buf, size, len, d->v[i].text);
	}
	if (p->hint != NULL) {
		len = append(buf, size, len, " - ");
		len = append(buf, size, len, p->hint);
	}
	return len;
}

static void
render_message(const struct eval_decision *d, struct verdict *v)
{
	char	more[64];
	size_t	i, len = 0;

	v->message[0] = '\0';
	for (i = 0; i < d->n; i++) {
		if (!denies(&d->v[i]) || denied_before(d, i))
			continue;
		if (len > 0)
			len = append(v->message, sizeof(v->message), len,
			    "; ");
		len = render_policy(d, i, v->message, sizeof(v->message), len);
	}
	if (d->dropped > 0) {
		snprintf(more, sizeof(more), " (and %zu more)", d->dropped);
		append(v->message, sizeof(v->message), len, more);
	}
}

/* "excepted (TICKET, expires DATE)" of e into buf. */
static const char *
excepted(const struct policy_exception *e, char *buf, size_t size)
{
	snprintf(buf, size, "excepted (%s, expires %s)", e->ticket,
	    e->expires_text);
	return buf;
}

static void
render_annotation(const struct eval_decision *d, size_t first, char *buf,
    size_t size)
{
	const struct eval_finding	*f = &d->v[first];
	const char			*key = group(f);
	char				 head[POLICY_TICKET_MAX + 96];
	size_t				 i, len = 0;

	buf[0] = '\0';
	if (f->exception != NULL)
		len = append(buf, size, len, excepted(f->exception, head,
		    sizeof(head)));
	else
		len = append(buf, size, len, f->verdict == RULE_WARN ?
		    "warn" : policy_mode_name(f->mode));
	len = append(buf, size, len, ": ");
	for (i = first; i < d->n; i++) {
		if (group(&d->v[i]) != key)
			continue;
		if (i != first)
			len = append(buf, size, len, "; ");
		if (f->exception != NULL) {
			len = append(buf, size, len, "[");
			len = append(buf, size, len, d->v[i].policy->name);
			len = append(buf, size, len, "] ");
		}
		len = append(buf, size, len, d->v[i].text);
	}
}

/* The kubectl warning of finding f into line, or "" if it has none. */
static void
render_warning(const struct eval_finding *f, char *line, size_t size)
{
	char	head[POLICY_TICKET_MAX + 96];

	line[0] = '\0';
	if (f->exception != NULL)
		snprintf(line, size, "[%s] %s: %s", f->exception->name,
		    excepted(f->exception, head, sizeof(head)), f->text);
	else if (f->mode == POLICY_AUDIT || f->verdict == RULE_WARN)
		snprintf(line, size, "[%s] %s%s", f->policy->name,
		    f->verdict == RULE_ERROR ? "cannot evaluate: " : "",
		    f->text);
	cut_utf8(line, VERDICT_WARNING_MAX);
}

void
verdict_render(const struct eval_decision *d, struct verdict *v)
{
	struct review_response	*r = &v->resp;
	char			 line[POLICY_NAME_MAX + POLICY_TICKET_MAX +
				    POLICY_TIME_MAX + RULE_TEXT_MAX + 64];
	size_t			 i, plen = 0, elen = 0;

	memset(r, 0, sizeof(*r));
	v->policies[0] = '\0';
	v->exceptions[0] = '\0';
	r->allowed = d->allowed;
	for (i = 0; i < d->n; i++) {
		const struct eval_finding *f = &d->v[i];

		render_warning(f, line, sizeof(line));
		if (line[0] != '\0') {
			memcpy(v->warn[r->n_warnings], line, strlen(line) + 1);
			v->warn_p[r->n_warnings] = v->warn[r->n_warnings];
			r->n_warnings++;
		}
		if (!policy_before(d, i))
			plen = list_add(v->policies, sizeof(v->policies), plen,
			    f->policy->name);
		if (seen_before(d, i))
			continue;
		if (f->exception != NULL)
			elen = list_add(v->exceptions, sizeof(v->exceptions),
			    elen, f->exception->name);
		render_annotation(d, i, v->aval[r->n_annotations],
		    sizeof(v->aval[0]));
		v->akey_p[r->n_annotations] = group(f);
		v->aval_p[r->n_annotations] = v->aval[r->n_annotations];
		r->n_annotations++;
	}
	r->warnings = v->warn_p;
	r->annotation_keys = v->akey_p;
	r->annotation_values = v->aval_p;
	if (!d->allowed) {
		render_message(d, v);
		r->code = 403;
		r->reason = "Forbidden";
		r->message = v->message;
	}
}
