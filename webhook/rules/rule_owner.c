/*
 * rule_owner.c - name the Flux Kustomization or HelmRelease, or the Argo
 * CD application, that manages an object, from the labels and annotations
 * they stamp. Used to word denials; never to decide one.
 */
#include "rules/rule_owner.h"

#include <stdio.h>
#include <string.h>

#include "base/kube.h"
#include "rules/rule.h"

/* A non-empty string value of map[key], or NULL. */
static const char *
meta_string(const cJSON *map, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(map, key);

	if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
		return NULL;
	return v->valuestring;
}

/* "KIND NS/NAME" from the PREFIX/name and PREFIX/namespace labels. */
static int
flux_owner(const cJSON *labels, const char *prefix, const char *kind,
    char *dst, size_t dstlen)
{
	char		 key[64], ns[RULE_OWNER_NAME_MAX + 4];
	char		 name[RULE_OWNER_NAME_MAX + 4];
	const char	*n, *s;

	snprintf(key, sizeof(key), "%s/name", prefix);
	n = meta_string(labels, key);
	snprintf(key, sizeof(key), "%s/namespace", prefix);
	s = meta_string(labels, key);
	if (n == NULL || s == NULL)
		return 0;
	snprintf(dst, dstlen, "%s %s/%s", kind, rule_quote(ns, sizeof(ns), s),
	    rule_quote(name, sizeof(name), n));
	return 1;
}

/* "APP" of Argo CD's tracking id "APP:GROUP/KIND:NS/NAME". */
static int
argocd_tracking(const cJSON *annotations, char *dst, size_t dstlen)
{
	char		 app[RULE_OWNER_NAME_MAX + 4];
	char		 buf[RULE_OWNER_NAME_MAX + 2];	/* one more: cut */
	const char	*id, *colon;
	size_t		 len;

	if ((id = meta_string(annotations, "argocd.argoproj.io/tracking-id")) ==
	    NULL || (colon = strchr(id, ':')) == NULL || colon == id)
		return 0;
	len = (size_t)(colon - id);
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, id, len);
	buf[len] = '\0';
	snprintf(dst, dstlen, "Argo CD application %s",
	    rule_quote(app, sizeof(app), buf));
	return 1;
}

/* Argo CD's label tracking: its own label, or the well-known one. */
static int
argocd_label(const cJSON *labels, char *dst, size_t dstlen)
{
	char		 app[RULE_OWNER_NAME_MAX + 4];
	const char	*key = "argocd.argoproj.io/instance", *v, *by;

	if ((v = meta_string(labels, key)) == NULL) {
		by = meta_string(labels, "app.kubernetes.io/managed-by");
		if (by != NULL && strcmp(by, "Helm") == 0)
			return 0;
		key = "app.kubernetes.io/instance";
		if ((v = meta_string(labels, key)) == NULL)
			return 0;
	}
	snprintf(dst, dstlen, "Argo CD application %s, from %s",
	    rule_quote(app, sizeof(app), v), key);
	return 1;
}

int
rule_owner_name(const cJSON *obj, char *dst, size_t dstlen)
{
	const cJSON	*meta, *labels, *annotations;

	if (dstlen == 0)
		return 0;
	dst[0] = '\0';
	meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	labels = cJSON_GetObjectItemCaseSensitive(meta, "labels");
	annotations = cJSON_GetObjectItemCaseSensitive(meta, "annotations");
	if (!cJSON_IsObject(labels))
		labels = NULL;
	if (!cJSON_IsObject(annotations))
		annotations = NULL;
	if (flux_owner(labels, "kustomize.toolkit.fluxcd.io", "Kustomization",
	    dst, dstlen) || flux_owner(labels, "helm.toolkit.fluxcd.io",
	    "HelmRelease", dst, dstlen) || argocd_tracking(annotations, dst,
	    dstlen) || argocd_label(labels, dst, dstlen))
		return 1;
	dst[0] = '\0';
	return 0;
}

const char *
rule_owner_note(const struct review *rv, char *dst, size_t dstlen)
{
	char		 owner[RULE_OWNER_TEXT_MAX], err[96];
	const cJSON	*obj = rv->object;

	if (dstlen == 0)
		return dst;
	dst[0] = '\0';
	/* a DELETE's object is the stored one: decoded for a denial only */
	if (rv->op == KUBE_OP_DELETE && review_old_object(rv, &obj, err,
	    sizeof(err)) == -1)
		obj = NULL;
	/* An UPDATE that takes the labels off: whose it was. */
	if (!rule_owner_name(obj, owner, sizeof(owner)) &&
	    (rv->op != KUBE_OP_UPDATE || review_old_object(rv, &obj, err,
	    sizeof(err)) == -1 || !rule_owner_name(obj, owner, sizeof(owner))))
		return dst;
	snprintf(dst, dstlen, " (managed by %s: change it in Git)", owner);
	return dst;
}
