/*
 * rule_owner.h - who manages an object, read from the labels and
 * annotations Flux and Argo CD stamp on what they apply, for denial
 * messages that say where to make the change instead. Informative only:
 * labels are forgeable, so nothing here ever decides a verdict.
 */
#ifndef GITGATE_RULE_OWNER_H
#define GITGATE_RULE_OWNER_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "wire/review.h"

#define RULE_OWNER_NAME_MAX	63	/* shown of each owner name part */
#define RULE_OWNER_TEXT_MAX	192	/* a whole note, bytes with NUL */

/*
 * The manager of obj into dst: "Kustomization NS/NAME" (Flux's
 * kustomize.toolkit.fluxcd.io/name + /namespace labels), "HelmRelease
 * NS/NAME" (helm.toolkit.fluxcd.io/...), "Argo CD application APP" (the
 * argocd.argoproj.io/tracking-id annotation "APP:GROUP/KIND:NS/NAME"), or
 * "Argo CD application APP, from LABEL" (Argo CD's label tracking:
 * argocd.argoproj.io/instance, or app.kubernetes.io/instance unless
 * app.kubernetes.io/managed-by is Helm, which sets that label itself).
 * Names are cut to RULE_OWNER_NAME_MAX bytes and made safe as
 * rule_quote() does. Returns 1, or 0 with dst "" when none is named (obj
 * NULL, no such labels, a malformed tracking id).
 */
int	rule_owner_name(const cJSON *obj, char *dst, size_t dstlen);

/*
 * For a denial of rv: " (managed by OWNER: change it in Git)" about
 * rv's object (for a DELETE the stored one, review_old_object()), or ""
 * when rule_owner_name() names nobody. Returns dst.
 */
const char *rule_owner_note(const struct review *rv, char *dst,
	    size_t dstlen);

#endif
