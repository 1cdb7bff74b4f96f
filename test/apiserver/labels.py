# Label selectors as kube-apiserver evaluates them: metav1.LabelSelector
# (matchLabels + matchExpressions In/NotIn/Exists/DoesNotExist) for webhook
# namespaceSelector/objectSelector and workload selectors, and the string form
# (`a=b,c in (x,y),!d`) used by ?labelSelector= and Scale.status.selector.
# Field selectors beyond metadata.name/namespace are not supported.
import re

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


class SelectorError(Exception):
    pass


def selector_errors(sel, path):
    """Validation errors (status.field_* dicts) for a LabelSelector."""
    from status import field_required, field_unsupported, field_forbidden
    errs = []
    if sel is None:
        return errs
    for i, expr in enumerate(sel.get("matchExpressions") or []):
        p = "%s.matchExpressions[%d]" % (path, i)
        op = expr.get("operator")
        if op not in OPERATORS:
            errs.append(field_unsupported(p + ".operator", op or "",
                                          list(OPERATORS)))
            continue
        vals = expr.get("values") or []
        if op in ("In", "NotIn") and not vals:
            errs.append(field_required(
                p + ".values", "must be specified when `operator` is 'In' "
                "or 'NotIn'"))
        if op in ("Exists", "DoesNotExist") and vals:
            errs.append(field_forbidden(
                p + ".values", "may not be specified when `operator` is "
                "'Exists' or 'DoesNotExist'"))
    return errs


def selector_empty(sel):
    return not sel or (not sel.get("matchLabels") and
                       not sel.get("matchExpressions"))


def selector_matches(sel, labels):
    """LabelSelectorAsSelector(sel).Matches(labels); {} or None matches all."""
    labels = labels or {}
    if sel is None:
        return True
    for k, v in (sel.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for expr in sel.get("matchExpressions") or []:
        if not _requirement(expr.get("key"), expr.get("operator"),
                            expr.get("values") or [], labels):
            return False
    return True


def _requirement(key, op, values, labels):
    if op == "In":
        return key in labels and labels[key] in values
    if op == "NotIn":
        return key not in labels or labels[key] not in values
    if op == "Exists":
        return key in labels
    if op == "DoesNotExist":
        return key not in labels
    raise SelectorError('"%s" is not a valid label selector operator' % op)


def selector_string(sel):
    """metav1.FormatLabelSelector: requirements sorted by key."""
    if sel is None:
        return ""
    reqs = []
    for k, v in (sel.get("matchLabels") or {}).items():
        reqs.append((k, "%s=%s" % (k, v)))
    for e in sel.get("matchExpressions") or []:
        k, op, vals = e.get("key"), e.get("operator"), sorted(
            e.get("values") or [])
        if op == "In":
            reqs.append((k, "%s in (%s)" % (k, ",".join(vals))))
        elif op == "NotIn":
            reqs.append((k, "%s notin (%s)" % (k, ",".join(vals))))
        elif op == "Exists":
            reqs.append((k, k))
        elif op == "DoesNotExist":
            reqs.append((k, "!" + k))
    reqs.sort(key=lambda r: r[0])
    return ",".join(r[1] for r in reqs)


_TOKEN = re.compile(r"\s*(!=|==|=|\(|\)|,|!|[A-Za-z0-9_./-]+)")


def parse_selector_string(text):
    """Parse `a=b,c!=d,e in (x,y),f notin (z),g,!h` into a predicate."""
    toks = []
    pos = 0
    text = text or ""
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m:
            raise SelectorError("unable to parse requirement: %r" % text)
        toks.append(m.group(1))
        pos = m.end()
    reqs = []
    i = 0
    while i < len(toks):
        if toks[i] == "!":
            reqs.append((toks[i + 1], "DoesNotExist", []))
            i += 2
        else:
            key = toks[i]
            nxt = toks[i + 1] if i + 1 < len(toks) else ","
            if nxt == ",":
                reqs.append((key, "Exists", []))
                i += 1
            elif nxt in ("=", "=="):
                reqs.append((key, "In", [toks[i + 2]]))
                i += 3
            elif nxt == "!=":
                reqs.append((key, "NotIn", [toks[i + 2]]))
                i += 3
            elif nxt in ("in", "notin"):
                if toks[i + 2] != "(":
                    raise SelectorError("expected ( in %r" % text)
                j = i + 3
                vals = []
                while j < len(toks) and toks[j] != ")":
                    if toks[j] != ",":
                        vals.append(toks[j])
                    j += 1
                reqs.append((key, "In" if nxt == "in" else "NotIn", vals))
                i = j + 1
            else:
                raise SelectorError("unable to parse requirement: %r" % text)
        if i < len(toks):
            if toks[i] != ",":
                raise SelectorError("unable to parse requirement: %r" % text)
            i += 1

    def match(labels):
        return all(_requirement(k, op, v, labels or {}) for k, op, v in reqs)
    return match
