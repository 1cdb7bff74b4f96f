# The subset of CEL (cel-spec, as cel-go runs it inside kube-apiserver) that
# webhook matchConditions in gitgate's manifests use: string, int, bool, null
# and list literals, ! && || == != in, field selection and [index],
# has(), .exists(), .all(), .startsWith(), .endsWith(), .contains().
# compile() refuses anything else with a message naming what is not
# supported, as kube-apiserver refuses an expression that does not compile;
# Program.eval() raises EvalError with cel-go's wording ("no such key: x").
import re

SUPPORTED = ("literals (string, int, bool, null, list), ! && || == != in, "
             "field selection, [index], has(), exists(), all(), "
             "startsWith(), endsWith(), contains()")
MAX_LEN = 4096          # kube's limit on one expression is 4096 bytes
MAX_DEPTH = 64          # nesting, so a hostile expression cannot recurse deep

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
KNOWN_UNSUPPORTED = ("authorizer", "params", "namespaceObject", "variables")
STRING_METHODS = ("startsWith", "endsWith", "contains")

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<str>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<num>\d+(?:\.\d+)?[uU]?)
  | (?P<id>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>&&|\|\||==|!=|<=|>=|[!()\[\],.<>+\-*/%?:{}])
""", re.X)
_ESC = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t", "r": "\r"}


class CompileError(Exception):
    """The expression does not compile (or is outside the subset)."""


class EvalError(Exception):
    """A runtime error (cel-go's text): the caller applies failurePolicy."""


def _unquote(tok, col):
    out, i, body = [], 0, tok[1:-1]
    while i < len(body):
        c = body[i]
        if c == "\\":
            e = body[i + 1]
            if e not in _ESC:
                raise CompileError(_at(col, "escape \\%s is not supported"
                                       % e))
            out.append(_ESC[e])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _at(col, msg):
    return "ERROR: <input>:1:%d: %s" % (col + 1, msg)


def _lex(text):
    toks, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise CompileError(_at(pos, "Syntax error: token recognition "
                                   "error at: '%s'" % text[pos]))
        kind = m.lastgroup
        if kind != "ws":
            toks.append((kind, m.group(), pos))
        pos = m.end()
    toks.append(("end", "", pos))
    return toks


class _Parser:
    def __init__(self, text):
        self.toks = _lex(text)
        self.i = 0
        self.depth = 0

    def peek(self):
        return self.toks[self.i]

    def take(self):
        t = self.toks[self.i]
        self.i += 1
        return t

    def want(self, val):
        t = self.take()
        if t[1] != val or t[0] not in ("op",):
            raise CompileError(_at(t[2], "Syntax error: expected '%s', "
                                   "found '%s'" % (val, t[1] or "<EOF>")))

    def unsupported(self, t, what):
        raise CompileError(_at(t[2], "%s is not supported by the gitgate "
                               "test API server's CEL subset (%s)"
                               % (what, SUPPORTED)))

    def parse(self):
        e = self.expr()
        t = self.peek()
        if t[0] != "end":
            if t[0] == "op" and t[1] in "?:<>+-*/%{}<=>=":
                self.unsupported(t, "operator '%s'" % t[1])
            raise CompileError(_at(t[2], "Syntax error: extraneous input "
                                   "'%s'" % t[1]))
        return e

    def nest(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise CompileError(_at(self.peek()[2], "nesting deeper than %d"
                                   % MAX_DEPTH))

    def expr(self):
        self.nest()
        e = self.binary(0)
        t = self.peek()
        if t[1] == "?":
            self.unsupported(t, "the conditional operator '? :'")
        self.depth -= 1
        return e

    LEVELS = (("||",), ("&&",), ("==", "!=", "in"))
    NODE = {"||": "or", "&&": "and", "==": "eq", "!=": "ne", "in": "in"}

    def binary(self, level):
        if level == len(self.LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while True:
            t = self.peek()
            if t[1] in ("<", "<=", ">", ">=") and t[0] == "op" and level == 2:
                self.unsupported(t, "operator '%s'" % t[1])
            if t[1] not in self.LEVELS[level] or t[0] == "str":
                return left
            self.take()
            left = (self.NODE[t[1]], left, self.binary(level + 1), t[2])

    def unary(self):
        t = self.peek()
        if t == ("op", "!", t[2]):
            self.take()
            self.nest()
            e = ("not", self.unary(), t[2])
            self.depth -= 1
            return e
        if t[0] == "op" and t[1] == "-":
            self.unsupported(t, "operator '-'")
        return self.member()

    def args(self):
        out = []
        if self.peek()[1] == ")":
            self.take()
            return out
        while True:
            out.append(self.expr())
            t = self.take()
            if t[1] == ")":
                return out
            if t[1] != ",":
                raise CompileError(_at(t[2], "Syntax error: expected ',' "
                                       "or ')', found '%s'" % t[1]))

    def member(self):
        e = self.primary()
        while True:
            t = self.peek()
            if t[1] == "." and t[0] == "op":
                self.take()
                name = self.take()
                if name[0] != "id":
                    raise CompileError(_at(name[2], "Syntax error: expected "
                                           "a field or method name"))
                if self.peek()[1] == "(":
                    self.take()
                    e = self.method(e, name, self.args())
                else:
                    e = ("select", e, name[1], name[2])
            elif t[1] == "[" and t[0] == "op":
                self.take()
                idx = self.expr()
                self.want("]")
                e = ("index", e, idx, t[2])
            else:
                return e

    def method(self, target, name, args):
        fn, col = name[1], name[2]
        if fn in ("exists", "all"):
            if len(args) != 2 or args[0][0] != "ident":
                raise CompileError(_at(col, "%s() needs (variable, "
                                       "predicate)" % fn))
            return (fn, target, args[0][1], args[1], col)
        if fn in STRING_METHODS:
            if len(args) != 1:
                raise CompileError(_at(col, "found no matching overload "
                                       "for '%s'" % fn))
            return ("method", fn, target, args[0], col)
        self.unsupported(name, "function '%s'" % fn)

    def primary(self):
        t = self.take()
        kind, val, col = t
        if kind == "str":
            return ("lit", _unquote(val, col), col)
        if kind == "num":
            if not val.isdigit():
                self.unsupported(t, "number literal '%s'" % val)
            return ("lit", int(val), col)
        if kind == "id":
            if val in ("true", "false", "null"):
                return ("lit", {"true": True, "false": False}.get(val), col)
            if self.peek()[1] == "(":
                self.take()
                args = self.args()
                if val != "has":
                    self.unsupported(t, "function '%s'" % val)
                if len(args) != 1 or args[0][0] != "select":
                    raise CompileError(_at(col, "invalid argument to has() "
                                           "macro"))
                return ("has", args[0], col)
            if val in KNOWN_UNSUPPORTED:
                self.unsupported(t, "variable '%s'" % val)
            return ("ident", val, col)
        if val == "(":
            e = self.expr()
            self.want(")")
            return e
        if val == "[":
            items = []
            while self.peek()[1] != "]":
                items.append(self.expr())
                if self.peek()[1] != ",":
                    break
                self.take()
            self.want("]")
            return ("list", items, col)
        if val == "{":
            self.unsupported(t, "a map literal")
        raise CompileError(_at(col, "Syntax error: mismatched input '%s'"
                               % (val or "<EOF>")))


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
        ast = _Parser(text).parse()
        t = _check(ast, frozenset())
    except CompileError as e:
        raise CompileError("compilation failed: %s" % e)
    except RecursionError:
        raise CompileError("compilation failed: nesting too deep")
    if t != "bool":
        raise CompileError("must evaluate to bool but got %s" % _tname(t))
    return Program(text, ast)
