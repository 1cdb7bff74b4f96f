# The subset of CEL (cel-spec, as cel-go runs it inside kube-apiserver) that
# webhook matchConditions in gitgate's manifests use: string, int, bool, null
# and list literals, ! && || == != in, field selection and [index],
# has(), .exists(), .all(), .startsWith(), .endsWith(), .contains().
# compile() refuses anything else with a message naming what is not
# supported, as kube-apiserver refuses an expression that does not compile;
# Program.eval() raises EvalError with cel-go's wording ("no such key: x").
from cel_parse import CompileError, Parser, at as _at

MAX_LEN = 4096          # kube's limit on one expression is 4096 bytes


# Fields of the `request` variable (BuildRequestType in k8s.io/apiserver
# pkg/admission/plugin/cel/compile.go); `object`/`oldObject` are dyn.
_GVK = {"group": "string", "version": "string", "kind": "string"}
_GVR = {"group": "string", "version": "string", "resource": "string"}
REQUEST_TYPE = {
    "kind": _GVK, "resource": _GVR, "subResource": "string",
    "requestKind": _GVK, "requestResource": _GVR,
    "requestSubResource": "string", "name": "string", "namespace": "string",
    "operation": "string",
    "userInfo": {"username": "string", "uid": "string",
                 "groups": "list(string)",
                 "extra": "map(string, list(string))"},
    "dryRun": "bool", "options": "dyn"}
VARIABLES = {"request": REQUEST_TYPE, "object": "dyn", "oldObject": "dyn"}


class EvalError(Exception):
    """A runtime error (cel-go's text): the caller applies failurePolicy."""


# ---- type check: names, `request` fields, bool result ----

def _tname(t):
    if isinstance(t, dict):
        return "object"
    return t


def _need(t, ok, op, col):
    if t != "dyn" and not any(_tname(t).startswith(o) for o in ok):
        raise CompileError(_at(col, "found no matching overload for '%s' "
                               "applied to '(%s)'" % (op, _tname(t))))


def _check(n, scope):
    k = n[0]
    if k == "lit":
        v = n[1]
        return "null" if v is None else "bool" if isinstance(v, bool) else \
            "int" if isinstance(v, int) else "string"
    if k == "list":
        for e in n[1]:
            _check(e, scope)
        return "list"
    if k == "ident":
        if n[1] in scope:
            return "dyn"
        if n[1] in VARIABLES:
            return VARIABLES[n[1]]
        raise CompileError(_at(n[2], "undeclared reference to '%s' (in "
                               "container '')" % n[1]))
    if k == "select":
        t = _check(n[1], scope)
        if isinstance(t, dict):
            if n[2] not in t:
                raise CompileError(_at(n[3], "undefined field '%s'" % n[2]))
            return t[n[2]]
        if t == "dyn" or t.startswith("map"):
            return "list(string)" if t.startswith("map(string, list") \
                else "dyn"
        raise CompileError(_at(n[3], "type '%s' does not support field "
                               "selection" % t))
    if k == "index":
        _need(_check(n[1], scope), ("list", "map"), "_[_]", n[3])
        _check(n[2], scope)
        return "dyn"
    if k == "has":
        _check(n[1], scope)
        return "bool"
    if k == "not":
        _need(_check(n[1], scope), ("bool",), "!_", n[2])
        return "bool"
    if k in ("and", "or"):
        op = "_&&_" if k == "and" else "_||_"
        _need(_check(n[1], scope), ("bool",), op, n[3])
        _need(_check(n[2], scope), ("bool",), op, n[3])
        return "bool"
    if k in ("eq", "ne"):
        _check(n[1], scope)
        _check(n[2], scope)
        return "bool"
    if k == "in":
        _check(n[1], scope)
        _need(_check(n[2], scope), ("list", "map"), "@in", n[3])
        return "bool"
    if k in ("exists", "all"):
        _need(_check(n[1], scope), ("list", "map"), k, n[4])
        _need(_check(n[3], scope | {n[2]}), ("bool",), k, n[4])
        return "bool"
    if k == "method":
        _need(_check(n[2], scope), ("string",), n[1], n[4])
        _need(_check(n[3], scope), ("string",), n[1], n[4])
        return "bool"
    raise CompileError("internal: unknown node %r" % (k,))


# ---- evaluation ----

def _no_overload():
    return EvalError("no such overload")


def _is_bool(v):
    return isinstance(v, bool)


def _eq(a, b):
    if _is_bool(a) != _is_bool(b):
        return False
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_eq(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def _logic(n, env, stop):
    """&& (stop=False) and || (stop=True), commutative on errors as in
    cel-go: `error && false` is false, `error || true` is true."""
    err = None
    for side in (n[1], n[2]):
        try:
            v = _eval(side, env)
            if not _is_bool(v):
                raise _no_overload()
            if v is stop:
                return stop
        except EvalError as e:
            err = err or e
    if err is not None:
        raise err
    return not stop


def _select(v, field):
    if isinstance(v, dict):
        if field not in v:
            raise EvalError("no such key: %s" % field)
        return v[field]
    raise _no_overload()


def _items(v):
    if isinstance(v, list):
        return v
    if isinstance(v, dict):
        return list(v)
    raise _no_overload()


def _comprehension(n, env):
    want = n[0] == "exists"     # exists stops at true, all at false
    err = None
    for item in _items(_eval(n[1], env)):
        try:
            v = _eval(n[3], dict(env, **{n[2]: item}))
            if not _is_bool(v):
                raise _no_overload()
            if v is want:
                return want
        except EvalError as e:
            err = err or e
    if err is not None:
        raise err
    return not want


def _eval(n, env):
    k = n[0]
    if k == "lit":
        return n[1]
    if k == "list":
        return [_eval(e, env) for e in n[1]]
    if k == "ident":
        return env[n[1]]
    if k == "select":
        return _select(_eval(n[1], env), n[2])
    if k == "index":
        v, i = _eval(n[1], env), _eval(n[2], env)
        if isinstance(v, list) and isinstance(i, int) and not _is_bool(i):
            if not 0 <= i < len(v):
                raise EvalError("index out of range: %d" % i)
            return v[i]
        if isinstance(v, dict):
            if i not in v:
                raise EvalError("no such key: %s" % i)
            return v[i]
        raise _no_overload()
    if k == "has":
        v = _eval(n[1][1], env)
        if not isinstance(v, dict):
            raise _no_overload()
        return n[1][2] in v
    if k == "not":
        v = _eval(n[1], env)
        if not _is_bool(v):
            raise _no_overload()
        return not v
    if k in ("and", "or"):
        return _logic(n, env, k == "or")
    if k in ("eq", "ne"):
        return _eq(_eval(n[1], env), _eval(n[2], env)) == (k == "eq")
    if k == "in":
        a, b = _eval(n[1], env), _eval(n[2], env)
        if isinstance(b, dict):
            return a in b if isinstance(a, str) else False
        return any(_eq(a, x) for x in _items(b))
    if k in ("exists", "all"):
        return _comprehension(n, env)
    if k == "method":
        s, arg = _eval(n[2], env), _eval(n[3], env)
        if not isinstance(s, str) or not isinstance(arg, str):
            raise _no_overload()
        return {"startsWith": s.startswith, "endsWith": s.endswith,
                "contains": s.__contains__}[n[1]](arg)
    raise EvalError("internal: unknown node %r" % (k,))


class Program:
    def __init__(self, text, ast):
        self.text = text
        self.ast = ast

    def eval(self, variables):
        """True or False; raises EvalError. variables: request, object,
        oldObject (JSON values)."""
        env = {k: variables.get(k) for k in VARIABLES}
        v = _eval(self.ast, env)
        if not _is_bool(v):
            raise _no_overload()
        return v


def compile(text):
    """A Program, or CompileError with kube-apiserver's shape of message
    (`compilation failed: ERROR: <input>:1:COL: ...`)."""
    if not isinstance(text, str) or not text.strip():
        raise CompileError("compilation failed: empty expression")
    if len(text.encode()) > MAX_LEN:
        raise CompileError("compilation failed: longer than %d bytes"
                           % MAX_LEN)
    try:
        ast = Parser(text).parse()
        t = _check(ast, frozenset())
    except CompileError as e:
        raise CompileError("compilation failed: %s" % e)
    except RecursionError:
        raise CompileError("compilation failed: nesting too deep")
    if t != "bool":
        raise CompileError("must evaluate to bool but got %s" % _tname(t))
    return Program(text, ast)
