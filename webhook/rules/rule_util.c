/*
 * rule_util.c - what the rules share: bounded findings, safe quoting of
 * user-controlled strings, object descriptions, who the writer is, owner
 * references and the path to a workload's pod spec.
 */
#include "rules/rule.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/kube.h"
#include "base/match.h"
#include "base/utf8.h"

void
rule_result_init(struct rule_result *r)
{
	r->verdict = RULE_PASS;
	r->n = 0;
	r->more = 0;
	r->break_glass = 0;
	r->cur_subject = NULL;
}

void
rule_result_subject(struct rule_result *r, const char *subject)
{
	r->cur_subject = subject;
}

void
rule_result_add(struct rule_result *r, enum rule_verdict v, const char *fmt,
    ...)
{
	va_list	ap;
	int	n;

	if (v > r->verdict)
		r->verdict = v;
	if (r->n >= RULE_FINDINGS_MAX) {
		r->more++;
		return;
	}
	r->kind[r->n] = v;
	r->subject[r->n] = r->cur_subject;
	va_start(ap, fmt);
	n = vsnprintf(r->text[r->n], RULE_TEXT_MAX, fmt, ap);
	va_end(ap);
	if (n >= RULE_TEXT_MAX)
		utf8_drop_partial(r->text[r->n]);
	r->n++;
}

const char *
rule_quote(char *dst, size_t dstlen, const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, o = 0, n, len, limit = RULE_QUOTE_MAX;

	if (dstlen < 5) {
		if (dstlen > 0)
			dst[0] = '\0';
		return dst;
	}
	if (limit > dstlen - 4)
		limit = dstlen - 4;
	len = s != NULL ? strlen(s) : 0;
	while (i < len) {
		n = utf8_seq_len(u + i, len - i);
		if (o + (n ? n : 1) > limit) {
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		if (n == 0 || (n == 1 && (u[i] < 0x20 || u[i] == 0x7f ||
		    u[i] == '"' || u[i] == '\\'))) {
			dst[o++] = '?';
			i++;
			continue;
		}
		memcpy(dst + o, u + i, n);
		o += n;
		i += n;
	}
	dst[o] = '\0';
	return dst;
}

const char *
rule_describe(const struct review *rv, char *dst, size_t dstlen)
{
	char		 name[RULE_QUOTE_MAX + 4], ns[RULE_QUOTE_MAX + 4];
	const char	*n = rv->name;
	const cJSON	*meta, *gn;

	if (n[0] == '\0' && rv->object != NULL) {
		meta = cJSON_GetObjectItemCaseSensitive(rv->object, "metadata");
		gn = cJSON_GetObjectItemCaseSensitive(meta, "name");
		if (!cJSON_IsString(gn))
			gn = cJSON_GetObjectItemCaseSensitive(meta,
			    "generateName");
		if (cJSON_IsString(gn))
			n = gn->valuestring;
	}
	rule_quote(name, sizeof(name), n[0] != '\0' ? n : "(unnamed)");
	if (rv->ns[0] != '\0')
		snprintf(dst, dstlen, "%s %s/%s", review_target_kind(rv),
		    rule_quote(ns, sizeof(ns), rv->ns), name);
	else
		snprintf(dst, dstlen, "%s %s", review_target_kind(rv), name);
	return dst;
}

int
rule_glob_any(const struct strlist *list, const char *s)
{
	size_t	i;

	for (i = 0; i < list->n; i++)
		if (match_glob(list->v[i], s))
			return 1;
	return 0;
}

int
rule_writer_matches(const struct strlist *users, const struct strlist *groups,
    const struct strlist *service_accounts, const struct review *rv)
{
	const cJSON	*g;
	const char	*sa;

	if (rv->username[0] != '\0' && rule_glob_any(users, rv->username))
		return 1;
	sa = kube_serviceaccount(rv->username);
	if (sa != NULL && rule_glob_any(service_accounts, sa))
		return 1;
	cJSON_ArrayForEach(g, rv->groups) {
		if (cJSON_IsString(g) && rule_glob_any(groups, g->valuestring))
			return 1;
	}
	return 0;
}

int
rule_has_controller_owner(const cJSON *obj)
{
	const cJSON	*meta, *refs, *ref;

	meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	refs = cJSON_GetObjectItemCaseSensitive(meta, "ownerReferences");
	cJSON_ArrayForEach(ref, refs) {
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ref,
		    "controller")))
			return 1;
	}
	return 0;
}

int
rule_podspec(const cJSON *obj, const char *kind, const cJSON **spec,
    char *err, size_t errlen)
{
	const char *const	*path = kube_podspec_path(kind);
	const cJSON		*cur = obj;
	char			 where[128] = "";
	size_t			 used = 0;

	if (path == NULL)
		return 1;
	for (; *path != NULL; path++) {
		cur = cJSON_GetObjectItemCaseSensitive(cur, *path);
		used += (size_t)snprintf(where + used, sizeof(where) - used,
		    "%s%s", used ? "." : "", *path);
		if (used >= sizeof(where))
			used = sizeof(where) - 1;
		if (!cJSON_IsObject(cur)) {
			snprintf(err, errlen, "%s %s is missing or not an "
			    "object", kind, where);
			return -1;
		}
	}
	*spec = cur;
	return 0;
}

const char *
rule_label(const cJSON *obj, const char *key)
{
	const cJSON	*v;

	if (!cJSON_IsObject(obj) ||
	    !cJSON_IsObject(v = cJSON_GetObjectItemCaseSensitive(obj,
	    "metadata")) ||
	    !cJSON_IsObject(v = cJSON_GetObjectItemCaseSensitive(v, "labels")))
		return NULL;
	v = cJSON_GetObjectItemCaseSensitive(v, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}
