# Tests of the stand-in's matchConditions: the CEL subset evaluator
# (cel.py: values, cel-go's error semantics, refusals at compile time), the
# validation of a ValidatingWebhookConfiguration that carries them (422),
# and the dispatch (false skips, all true calls, an error follows
# failurePolicy) through the HTTPS server of test_admission.py with its
# fake webhook. Run by ./run (unittest).
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cel  # noqa: E402
import test_admission as ta  # noqa: E402
from test_admission import VWC, call, install, unique  # noqa: E402

setUpModule = ta.setUpModule
tearDownModule = ta.tearDownModule

SKIP_USERS = ("!(request.userInfo.username in "
              "['system:kube-controller-manager', 'system:kube-scheduler'])")
SKIP_GROUPS = ("!has(request.userInfo.groups) || "
               "!request.userInfo.groups.exists(g, g in "
               "['system:nodes', 'system:serviceaccounts:kube-system'])")


def req(username, groups=None):
    u = {"username": username}
    if groups is not None:
        u["groups"] = groups
    return {"request": {"userInfo": u, "operation": "CREATE",
                        "namespace": "podinfo"},
            "object": {"metadata": {"name": "web",
                                    "labels": {"app": "web"}}},
            "oldObject": None}


def run(expr, variables):
    return cel.compile(expr).eval(variables)


class TestEvaluator(unittest.TestCase):
    def test_exempt_users_and_groups(self):
        table = [
            (req("system:kube-scheduler", ["system:authenticated"]),
             False, True),
            (req("alice", ["developers", "system:authenticated"]),
             True, True),
            (req("system:node:ip-10-0-0-1", ["system:nodes",
                                             "system:authenticated"]),
             True, False),
            (req("system:serviceaccount:kube-system:replicaset-controller",
                 ["system:serviceaccounts",
                  "system:serviceaccounts:kube-system"]), True, False),
            (req("system:serviceaccount:flux-system:kustomize-controller",
                 ["system:serviceaccounts",
                  "system:serviceaccounts:flux-system"]), True, True),
            (req("kubernetes-admin", ["system:masters"]), True, True),
            (req("bob"), True, True),       # no groups: has() guards
        ]
        for v, users, groups in table:
            name = v["request"]["userInfo"]["username"]
            self.assertIs(run(SKIP_USERS, v), users, name)
            self.assertIs(run(SKIP_GROUPS, v), groups, name)

    def test_operators_and_functions(self):
        v = req("system:node:a", ["x"])
        for expr, want in [
            ("request.userInfo.username.startsWith('system:node:')", True),
            ("request.userInfo.username.endsWith(':a')", True),
            ("request.userInfo.username.contains('node')", True),
            ("request.operation == 'CREATE' && request.namespace != 'b'",
             True),
            ("request.operation == 'DELETE' || false", False),
            ("!!true", True),
            ("'x' in request.userInfo.groups", True),
            ("'app' in object.metadata.labels", True),
            ("object.metadata.labels['app'] == \"web\"", True),
            ("request.userInfo.groups.all(g, g == 'x')", True),
            ("[1, 2].exists(i, i == 2)", True),
            ("1 == true", False),           # bool is not int
            ("has(object.metadata.annotations)", False),
            ("oldObject == null", True),
            ("['a', 'b'] == ['a', 'b']", True),
        ]:
            self.assertIs(run(expr, v), want, expr)

    def test_runtime_errors(self):
        v = req("bob")                      # no groups at all
        with self.assertRaisesRegex(cel.EvalError, "^no such key: groups$"):
            run("'system:nodes' in request.userInfo.groups", v)
        with self.assertRaisesRegex(cel.EvalError, "no such key: team"):
            run("object.metadata.labels.team == 'a'", v)
        with self.assertRaisesRegex(cel.EvalError, "no such overload"):
            run("oldObject.metadata.name == 'a'", v)
        with self.assertRaisesRegex(cel.EvalError, "index out of range"):
            run("[1][3] == 1", v)

    def test_errors_absorbed_like_cel_go(self):
        v = req("bob")
        missing = "request.userInfo.groups.exists(g, g == 'a')"
        self.assertIs(run("false && " + missing, v), False)
        self.assertIs(run(missing + " && false", v), False)
        self.assertIs(run(missing + " || true", v), True)
        with self.assertRaises(cel.EvalError):
            run(missing + " && true", v)
        with self.assertRaises(cel.EvalError):
            run("!(" + missing + ")", v)
        w = dict(v, object={"items": [{"a": "x"}, {}]})
        self.assertIs(run("object.items.exists(i, i.a == 'x')", w), True)
        self.assertIs(run("object.items.all(i, i.a == 'y')", w), False)
        with self.assertRaises(cel.EvalError):
            run("object.items.all(i, i.a == 'x')", w)

    def test_refusals_name_what_is_not_supported(self):
        for expr, text in [
            ("request.userInfo.username.matches('^a')", "function 'matches'"),
            ("size(request.userInfo.groups) > 0", "function 'size'"),
            ("request.userInfo.username < 'b'", "operator '<'"),
            ("request.name + 'x' == 'y'", "operator '+'"),
            ("true ? true : false", "conditional operator"),
            ("{'a': true}['a']", "map literal"),
            ("authorizer.group('').resource('pods').check('x').allowed()",
             "variable 'authorizer'"),
            ("1.5 == 1.5", "number literal '1.5'"),
        ]:
            with self.assertRaises(cel.CompileError, msg=expr) as cm:
                cel.compile(expr)
            msg = str(cm.exception)
            self.assertTrue(msg.startswith("compilation failed: ERROR: "
                                           "<input>:1:"), msg)
            self.assertIn(text, msg)
            self.assertIn("not supported by the gitgate test API server",
                          msg)

    def test_compile_errors_as_cel_go_words_them(self):
        for expr, text in [
            ("userInfo.username == 'a'",
             "<input>:1:1: undeclared reference to 'userInfo'"),
            ("request.userInfo.usernam == 'a'",
             "<input>:1:18: undefined field 'usernam'"),
            ("request.userInfo.username", "must evaluate to bool but got "
             "string"),
            ("object.metadata.name", "must evaluate to bool but got dyn"),
            ("!request.userInfo.username", "found no matching overload for "
             "'!_' applied to '(string)'"),
            ("(true", "expected ')'"),
            ("true true", "extraneous input 'true'"),
            ("request.userInfo.username == 'a", "token recognition error"),
            ("   ", "empty expression"),
            ("true && " * 700 + "true", "longer than 4096 bytes"),
            ("!" * 300 + "true", "nesting"),
            ("(" * 100 + "true" + ")" * 100, "nesting deeper than 64"),
        ]:
            with self.assertRaises(cel.CompileError, msg=expr) as cm:
                cel.compile(expr)
            self.assertIn(text, str(cm.exception))


class TestDispatch(ta.Base):
    def install_conditions(self, conds, **over):
        install(matchConditions=[{"name": n, "expression": e}
                                 for n, e in conds], **over)

    def test_false_skips_true_calls(self):
        self.install_conditions([("not-exempt-user", SKIP_USERS),
                                 ("not-exempt-group", SKIP_GROUPS)])
        for token, called in (("rscontroller", 0), ("node", 0),
                              ("reconciler", 1), ("developer", 1),
                              ("admin", 1)):
            self.hook.reset()
            code, body, _ = call("POST", ta.DEPLOY, ta.deployment(
                unique("web")), token)
            self.assertEqual(code, 201, body)
            self.assertEqual(len(self.hook.calls), called, token)

    def test_node_deletes_a_pod_without_a_call(self):
        self.install_conditions([("not-exempt-group", SKIP_GROUPS)])
        name = unique("pod")
        code, body, _ = call("POST", "/api/v1/namespaces/default/pods", {
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "a", "image": "a:1"}]}},
            "admin")
        self.assertEqual((code, len(self.hook.calls)), (201, 1), body)
        self.hook.reset()
        code, body, _ = call("DELETE", "/api/v1/namespaces/default/pods/" +
                             name, None, "node")
        self.assertEqual(code, 200, body)
        self.assertEqual(self.hook.calls, [])

    def test_error_with_fail_is_forbidden_without_a_call(self):
        expr = "object.metadata.labels.team == 'a'"
        self.install_conditions([("team-a", expr)])
        name = unique("web")
        code, body, _ = call("POST", ta.DEPLOY, ta.deployment(name),
                             "developer")
        self.assertEqual((code, body["reason"]), (403, "Forbidden"), body)
        self.assertEqual(body["message"], 'deployments.apps "%s" is '
                         "forbidden: expression '%s' resulted in error: "
                         "no such key: team" % (name, expr))
        self.assertEqual(self.hook.calls, [])

    def test_error_with_ignore_skips(self):
        self.install_conditions([("team-a", "object.metadata.labels.team "
                                  "== 'a'")], failurePolicy="Ignore")
        code, body, _ = call("POST", ta.DEPLOY, ta.deployment(unique("w")),
                             "developer")
        self.assertEqual(code, 201, body)
        self.assertEqual(self.hook.calls, [])

    def test_a_false_condition_wins_over_an_error(self):
        self.install_conditions([("errs", "object.metadata.labels.team == "
                                  "'a'"), ("never", "false")])
        code, body, _ = call("POST", ta.DEPLOY, ta.deployment(unique("w")),
                             "developer")
        self.assertEqual(code, 201, body)
        self.assertEqual(self.hook.calls, [])

    def test_conditions_see_the_object(self):
        self.install_conditions([("only-app-x", "has(object.metadata."
                                  "labels) && object.metadata.labels.app "
                                  "== 'x'")])
        call("POST", ta.DEPLOY, ta.deployment(unique("w")), "developer")
        self.assertEqual(self.hook.calls, [])
        call("POST", ta.DEPLOY, ta.deployment(unique("w"), labels={
            "app": "x"}), "developer")
        self.assertEqual(len(self.hook.calls), 1)


class TestValidation(unittest.TestCase):
    def post(self, conds):
        cfg = ta.webhook_config(matchConditions=conds)
        cfg["metadata"]["name"] = unique("bad")
        return call("POST", VWC, cfg)

    def test_unsupported_expression_is_422_naming_the_condition(self):
        expr = "request.userInfo.username.matches('^system:')"
        code, body, _ = self.post([{"name": "users", "expression": expr}])
        self.assertEqual((code, body["reason"]), (422, "Invalid"), body)
        self.assertIn('webhooks[0].matchConditions[0].expression: Invalid '
                      'value: "%s": matchCondition "users": compilation '
                      "failed: ERROR: <input>:1:27: function 'matches' is "
                      "not supported by the gitgate test API server" % expr,
                      body["message"])

    def test_names_required_unique_and_qualified(self):
        code, body, _ = self.post([
            {"name": "a", "expression": "true"},
            {"name": "a", "expression": "true"},
            {"name": "-bad-", "expression": "true"},
            {"expression": "true"},
            {"name": "empty", "expression": " "},
            {"name": 7, "expression": "true"}])
        self.assertEqual(code, 422, body)
        m = body["message"]
        self.assertIn('webhooks[0].matchConditions[1].name: Duplicate '
                      'value: "a"', m)
        self.assertIn('webhooks[0].matchConditions[2].name: Invalid value: '
                      '"-bad-": name part must consist of', m)
        self.assertIn("webhooks[0].matchConditions[3].name: Required value",
                      m)
        self.assertIn("webhooks[0].matchConditions[4].expression: Required "
                      "value", m)
        self.assertIn("webhooks[0].matchConditions[5].name: Invalid value: "
                      "7: must be a string", m)

    def test_at_most_64(self):
        code, body, _ = self.post([{"name": "c%d" % i, "expression": "true"}
                                   for i in range(65)])
        self.assertEqual(code, 422, body)
        self.assertIn("webhooks[0].matchConditions: Too many: 65: must have "
                      "at most 64 items", body["message"])

    def test_supported_conditions_are_stored(self):
        conds = [{"name": "u", "expression": SKIP_USERS},
                 {"name": "g", "expression": SKIP_GROUPS}]
        code, body, _ = self.post(conds)
        self.assertEqual(code, 201, body)
        self.assertEqual(body["webhooks"][0]["matchConditions"], conds)
        call("DELETE", VWC + "/" + body["metadata"]["name"])


if __name__ == "__main__":
    unittest.main()
