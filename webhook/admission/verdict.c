/*
 * verdict.c - render a decision. Denial: "[policy] finding, finding - hint;
 * [policy] ..." (enforce findings only, never a RULE_WARN). Warnings: one
 * per audit or RULE_WARN finding, cut to 120 bytes on a UTF-8 boundary.
 * Annotations: one per policy with findings, keyed by the policy name (a
 * valid qualified-name part).
 */
#include "admission/verdict.h"

#include <stdio.h>
#include <string.h>

#include "base/utf8.h"

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

static int
seen_before(const struct eval_decision *d, size_t i)
{
	size_t	j;

	for (j = 0; j < i; j++)
		if (d->v[j].policy == d->v[i].policy)
			return 1;
	return 0;
}

/* 1 if finding f takes part in a denial: enforce, and not a warning. */
static int
denies(const struct eval_finding *f)
{
	return f->mode == POLICY_ENFORCE && f->verdict != RULE_WARN;
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

static void
render_annotation(const struct eval_decision *d, size_t first, char *buf,
    size_t size)
{
	const struct policy	*p = d->v[first].policy;
	size_t			 i, len = 0;

	buf[0] = '\0';
	len = append(buf, size, len, d->v[first].verdict == RULE_WARN ?
	    "warn" : policy_mode_name(d->v[first].mode));
	len = append(buf, size, len, ": ");
	for (i = first; i < d->n; i++) {
		if (d->v[i].policy != p)
			continue;
		if (i != first)
			len = append(buf, size, len, "; ");
		len = append(buf, size, len, d->v[i].text);
	}
}

void
verdict_render(const struct eval_decision *d, struct verdict *v)
{
	struct review_response	*r = &v->resp;
	char			 line[POLICY_NAME_MAX + RULE_TEXT_MAX + 32];
	size_t			 i, plen = 0;

	memset(r, 0, sizeof(*r));
	v->policies[0] = '\0';
	r->allowed = d->allowed;
	for (i = 0; i < d->n; i++) {
		const struct eval_finding *f = &d->v[i];

		if (f->mode == POLICY_AUDIT || f->verdict == RULE_WARN) {
			snprintf(line, sizeof(line), "[%s] %s%s",
			    f->policy->name, f->verdict == RULE_ERROR ?
			    "cannot evaluate: " : "", f->text);
			cut_utf8(line, VERDICT_WARNING_MAX);
			memcpy(v->warn[r->n_warnings], line, strlen(line) + 1);
			v->warn_p[r->n_warnings] = v->warn[r->n_warnings];
			r->n_warnings++;
		}
		if (seen_before(d, i))
			continue;
		if (plen > 0)
			plen = append(v->policies, sizeof(v->policies), plen,
			    ",");
		plen = append(v->policies, sizeof(v->policies), plen,
		    f->policy->name);
		render_annotation(d, i, v->aval[r->n_annotations],
		    sizeof(v->aval[0]));
		v->akey_p[r->n_annotations] = f->policy->name;
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
