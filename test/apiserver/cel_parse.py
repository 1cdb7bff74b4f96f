# The parser of the CEL subset in cel.py: a lexer and a recursive-descent
# parser (cel-spec's grammar, levels || && and relations == != in, unary !,
# member selection, calls) producing tuples ("and", left, right, col), ...
# Anything outside the subset is refused here, naming what it is.
import re

SUPPORTED = ("literals (string, int, bool, null, list), ! && || == != in, "
             "field selection, [index], has(), exists(), all(), "
             "startsWith(), endsWith(), contains()")
MAX_DEPTH = 64          # nesting, so a hostile expression cannot recurse deep
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


def _unquote(tok, col):
    out, i, body = [], 0, tok[1:-1]
    while i < len(body):
        c = body[i]
        if c == "\\":
            e = body[i + 1]
            if e not in _ESC:
                raise CompileError(at(col, "escape \\%s is not supported"
                                      % e))
            out.append(_ESC[e])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def at(col, msg):
    return "ERROR: <input>:1:%d: %s" % (col + 1, msg)


def _lex(text):
    toks, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise CompileError(at(pos, "Syntax error: token recognition "
                                  "error at: '%s'" % text[pos]))
        kind = m.lastgroup
        if kind != "ws":
            toks.append((kind, m.group(), pos))
        pos = m.end()
    toks.append(("end", "", pos))
    return toks


class Parser:
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
            raise CompileError(at(t[2], "Syntax error: expected '%s', "
                                  "found '%s'" % (val, t[1] or "<EOF>")))

    def unsupported(self, t, what):
        raise CompileError(at(t[2], "%s is not supported by the gitgate "
                              "test API server's CEL subset (%s)"
                              % (what, SUPPORTED)))

    def parse(self):
        e = self.expr()
        t = self.peek()
        if t[0] != "end":
            if t[0] == "op" and t[1] in "?:<>+-*/%{}<=>=":
                self.unsupported(t, "operator '%s'" % t[1])
            raise CompileError(at(t[2], "Syntax error: extraneous input "
                                  "'%s'" % t[1]))
        return e

    def nest(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise CompileError(at(self.peek()[2], "nesting deeper than %d"
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
            if t[0] not in ("op", "id") or t[1] not in self.LEVELS[level]:
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
                raise CompileError(at(t[2], "Syntax error: expected ',' "
                                      "or ')', found '%s'" % t[1]))

    def member(self):
        e = self.primary()
        while True:
            t = self.peek()
            if t[1] == "." and t[0] == "op":
                self.take()
                name = self.take()
                if name[0] != "id":
                    raise CompileError(at(name[2], "Syntax error: expected "
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
                raise CompileError(at(col, "%s() needs (variable, "
                                      "predicate)" % fn))
            return (fn, target, args[0][1], args[1], col)
        if fn in STRING_METHODS:
            if len(args) != 1:
                raise CompileError(at(col, "found no matching overload "
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
                    raise CompileError(at(col, "invalid argument to has() "
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
        raise CompileError(at(col, "Syntax error: mismatched input '%s'"
                              % (val or "<EOF>")))
