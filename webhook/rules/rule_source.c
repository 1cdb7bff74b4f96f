/*
 * rule_source.c - rule 2: an object must carry a Git-source marker (Flux
 * labels, Argo CD's tracking annotation, a repo annotation). Objects a
 * controller owns, subresource requests and DELETEs are not asked.
 */
#include "rules/rule.h"

#include <stdio.h>
#include <string.h>

#include "base/kube.h"
#include "base/match.h"

/* MATCH_YES if every key is there (with a matching value), else NO/ERROR. */
static enum match_result
keys_present(const cJSON *map, const struct policy_source_key *keys,
    size_t n, char *err, size_t errlen)
{
	const cJSON		*v;
	enum match_result	 m;
	size_t			 i;

	for (i = 0; i < n; i++) {
		v = cJSON_GetObjectItemCaseSensitive(map, keys[i].key);
		if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
			return MATCH_NO;
		if (keys[i].value == NULL)
			continue;
		m = match_regex(keys[i].value, v->valuestring,
		    strlen(v->valuestring), err, errlen);
		if (m != MATCH_YES)
			return m;
	}
	return MATCH_YES;
}

void
rule_source_eval(const struct policy *p, const struct review *rv,
    struct rule_result *r)
{
	const struct policy_source	*ps = &p->u.source;
	const cJSON			*meta, *labels, *annotations;
	enum match_result		 m;
	char				 err[128], what[160], names[160];
	size_t				 i, used = 0;

	rule_result_init(r);
	if (rv->op == KUBE_OP_DELETE || rv->subresource[0] != '\0')
		return;
	if (rv->object == NULL) {
		rule_result_add(r, RULE_ERROR, "request carries no object");
		return;
	}
	if (rule_has_controller_owner(rv->object))
		return;
	meta = cJSON_GetObjectItemCaseSensitive(rv->object, "metadata");
	labels = cJSON_GetObjectItemCaseSensitive(meta, "labels");
	annotations = cJSON_GetObjectItemCaseSensitive(meta, "annotations");
	names[0] = '\0';
	for (i = 0; i < ps->n_markers; i++) {
		const struct policy_source_marker *mk = &ps->markers[i];

		m = keys_present(labels, mk->labels, mk->n_labels, err,
		    sizeof(err));
		if (m == MATCH_YES)
			m = keys_present(annotations, mk->annotations,
			    mk->n_annotations, err, sizeof(err));
		if (m == MATCH_YES)
			return;
		if (m == MATCH_ERROR) {
			rule_result_add(r, RULE_ERROR, "cannot check marker "
			    "%s: %s", mk->name, err);
			return;
		}
		if (used < sizeof(names))
			used += (size_t)snprintf(names + used,
			    sizeof(names) - used, "%s%s", i ? ", " : "",
			    mk->name);
	}
	rule_result_add(r, RULE_FAIL, "%s carries no Git-source marker "
	    "(one of: %s)", rule_describe(rv, what, sizeof(what)), names);
}
