# Webhook matchConditions as kube-apiserver v1.32 handles them: validation
# when a ValidatingWebhookConfiguration is written (validateMatchConditions:
# at most 64, names required, qualified and unique, expressions that
# compile to bool), and the decision after rules and selectors matched
# (webhook/matchconditions/matcher.go): any false skips the webhook, all
# true calls it, an error falls to failurePolicy (Fail: 403 Forbidden with
# cel's text; Ignore: skip).
import logging
import re
import threading

import cel
import status as st

MAX_CONDITIONS = 64
_QNAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS_PREFIX = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?"
                         r"(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
log = logging.getLogger("admission")
_cache = {}
_cache_lock = threading.Lock()
CACHE_MAX = 1024


def _qualified_name_errors(name, path):
    prefix, _, short = name.rpartition("/")
    bad = not short or len(short) > 63 or not _QNAME.match(short) or \
        (prefix and (len(prefix) > 253 or not _DNS_PREFIX.match(prefix)))
    if not bad:
        return []
    return [st.field_invalid(path, name, "name part must consist of "
                             "alphanumeric characters, '-', '_' or '.', and "
                             "must start and end with an alphanumeric "
                             "character (e.g. 'MyName',  or 'my.name',  or "
                             "'123-abc', regex used for validation is "
                             "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")]


def compiled(expression):
    """cel.Program of an expression (cached); raises cel.CompileError."""
    with _cache_lock:
        prog = _cache.get(expression)
    if prog is None:
        prog = cel.compile(expression.strip())
        with _cache_lock:
            if len(_cache) >= CACHE_MAX:
                _cache.clear()
            _cache[expression] = prog
    return prog


def errors(conds, path):
    """Field errors of one webhook's matchConditions (status.field_*)."""
    if conds is None:
        return []
    if not isinstance(conds, list):
        return [st.field_invalid(path, conds, "must be a list")]
    errs = []
    if len(conds) > MAX_CONDITIONS:
        errs.append({"reason": "FieldValueTooMany", "field": path,
                     "message": "Too many: %d: must have at most %d items"
                     % (len(conds), MAX_CONDITIONS)})
    names = set()
    for i, c in enumerate(conds):
        p = "%s[%d]" % (path, i)
        c = c if isinstance(c, dict) else {}
        name, expr = c.get("name") or "", c.get("expression") or ""
        if not isinstance(expr, str) or not expr.strip():
            errs.append(st.field_required(p + ".expression"))
        else:
            try:
                compiled(expr)
            except cel.CompileError as e:
                errs.append(st.field_invalid(
                    p + ".expression", expr.strip(),
                    'matchCondition "%s": %s' % (name, e)))
        if not name:
            errs.append(st.field_required(p + ".name"))
            continue
        if not isinstance(name, str):
            errs.append(st.field_invalid(p + ".name", name, "must be a "
                                         "string"))
            continue
        errs += _qualified_name_errors(name, p + ".name")
        if name in names:
            errs.append(st.field_duplicate(p + ".name", name))
        names.add(name)
    return errs


def request_variable(a):
    """The CEL `request` (CreateAdmissionRequest, then JSON with Go's
    omitempty: empty name, namespace, subresource, groups are absent)."""
    kind = dict(a.kind)
    res = a.res.gvr()
    user = {}
    for k in ("username", "uid", "groups", "extra"):
        if a.user.get(k):
            user[k] = a.user[k]
    req = {"uid": "", "kind": kind, "resource": res, "requestKind": kind,
           "requestResource": res, "operation": a.operation,
           "userInfo": user, "dryRun": bool(a.dry_run)}
    for k, v in (("subResource", a.subresource),
                 ("requestSubResource", a.subresource), ("name", a.name),
                 ("namespace", a.namespace)):
        if v:
            req[k] = v
    if a.options is not None:
        req["options"] = a.options
    return req


def evaluate(hook, a):
    """True: call the webhook; False: skip it. Raises st.ApiError (403)
    when a condition errs, none is false and failurePolicy is Fail."""
    conds = hook.get("matchConditions") or []
    if not conds:
        return True
    variables = {"request": request_variable(a), "object": a.obj,
                 "oldObject": a.old_obj}
    errs = []
    for c in conds:
        expr = c.get("expression") or ""
        try:
            if compiled(expr).eval(variables) is False:
                log.info("skipping webhook %s for %s %s %s/%s user=%s: "
                         "matchCondition %s is false", hook.get("name"),
                         a.operation, a.res.plural, a.namespace, a.name,
                         a.user.get("username"), c.get("name"))
                return False
        except cel.CompileError as e:     # refused at creation; kept safe
            errs.append("compilation error: %s" % e)
        except cel.EvalError as e:
            errs.append("expression '%s' resulted in error: %s"
                        % (expr, e))
    if not errs:
        return True
    if hook.get("failurePolicy", "Fail") == "Ignore":
        log.warning("skipping webhook %s (failurePolicy Ignore): %s",
                    hook.get("name"), "; ".join(errs))
        return False
    why = errs[0] if len(errs) == 1 else "[" + ", ".join(errs) + "]"
    raise st.forbidden(a.res.plural, a.res.group, a.name, why)
