# Unit tests of the stand-in's pure parts: patch application (strategic
# merge directives, JSON patch, merge patch, apply), label selectors, rule
# matching, the Warning header recorder, the protobuf decoder, Status
# wording and authorization. Run by ./run (unittest).
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import admission  # noqa: E402
import authz  # noqa: E402
import labels  # noqa: E402
import patch  # noqa: E402
import protobuf  # noqa: E402
import resources  # noqa: E402
import status as st  # noqa: E402

DEPLOY = {"spec": {"template": {"spec": {"containers": [
    {"name": "app", "image": "a:1", "ports": [{"containerPort": 80}]},
    {"name": "side", "image": "s:1"}]}}}}


def containers(obj):
    return obj["spec"]["template"]["spec"]["containers"]


class TestStrategicMerge(unittest.TestCase):
    def test_containers_merge_by_name(self):
        out = patch.strategic_merge(DEPLOY, {"spec": {"template": {"spec": {
            "containers": [{"name": "side", "image": "s:2"}]}}}})
        self.assertEqual([c["image"] for c in containers(out)],
                         ["a:1", "s:2"])
        self.assertEqual(containers(out)[0]["ports"], [{"containerPort": 80}])

    def test_delete_directive_and_set_element_order(self):
        out = patch.strategic_merge(DEPLOY, {"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "side"},
                                            {"name": "new"}],
            "containers": [{"name": "app", "$patch": "delete"},
                           {"name": "new", "image": "n:1"}]}}}})
        self.assertEqual([c["name"] for c in containers(out)],
                         ["side", "new"])

    def test_replace_directive_and_null(self):
        out = patch.strategic_merge({"a": {"x": 1, "y": 2}, "b": 1},
                                    {"a": {"$patch": "replace", "z": 3},
                                     "b": None})
        self.assertEqual(out, {"a": {"z": 3}})

    def test_retain_keys(self):
        out = patch.strategic_merge(
            {"strategy": {"type": "RollingUpdate",
                          "rollingUpdate": {"maxSurge": 1}}},
            {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}})
        self.assertEqual(out, {"strategy": {"type": "Recreate"}})

    def test_lists_without_merge_key_are_replaced(self):
        out = patch.strategic_merge({"spec": {"args": ["a", "b"]}},
                                    {"spec": {"args": ["c"]}})
        self.assertEqual(out, {"spec": {"args": ["c"]}})

    def test_finalizers_merge_and_delete_from_primitive_list(self):
        out = patch.strategic_merge(
            {"metadata": {"finalizers": ["a", "b"]}},
            {"metadata": {"finalizers": ["c"],
                          "$deleteFromPrimitiveList/finalizers": ["a"]}})
        self.assertEqual(out["metadata"]["finalizers"], ["b", "c"])

    def test_service_ports_merge_by_port(self):
        out = patch.strategic_merge(
            {"spec": {"ports": [{"port": 80, "name": "http"}]}},
            {"spec": {"ports": [{"port": 80, "targetPort": 8080}]}})
        self.assertEqual(out["spec"]["ports"], [
            {"port": 80, "name": "http", "targetPort": 8080}])


class TestOtherPatches(unittest.TestCase):
    def test_merge_patch(self):
        self.assertEqual(patch.merge_patch(
            {"a": {"b": 1, "c": 2}, "l": [1]},
            {"a": {"b": None, "d": 3}, "l": [2]}),
            {"a": {"c": 2, "d": 3}, "l": [2]})

    def test_json_patch(self):
        doc = {"webhooks": [{"failurePolicy": "Fail"}]}
        out = patch.json_patch(doc, [
            {"op": "replace", "path": "/webhooks/0/failurePolicy",
             "value": "Ignore"},
            {"op": "add", "path": "/webhooks/-", "value": {"n": 2}},
            {"op": "test", "path": "/webhooks/1/n", "value": 2}])
        self.assertEqual(out, {"webhooks": [{"failurePolicy": "Ignore"},
                                            {"n": 2}]})
        self.assertEqual(doc["webhooks"][0]["failurePolicy"], "Fail")

    def test_json_patch_missing_path_is_422(self):
        with self.assertRaises(st.ApiError) as cm:
            patch.json_patch({}, [{"op": "replace", "path": "/spec/x",
                                   "value": 1}])
        self.assertEqual(cm.exception.code, 422)

    def test_server_side_apply_drops_what_the_manager_no_longer_applies(self):
        live = {"metadata": {"labels": {"a": "1", "b": "2", "other": "x"}}}
        prev = {"metadata": {"labels": {"a": "1", "b": "2"}}}
        new = {"metadata": {"labels": {"a": "3"}}}
        self.assertEqual(patch.server_side_apply(live, new, prev),
                         {"metadata": {"labels": {"a": "3", "other": "x"}}})

    def test_fields_v1(self):
        self.assertEqual(patch.managed_fields_of({
            "metadata": {"name": "x", "labels": {"app": "x"}},
            "spec": {"replicas": 1}}), {
            "f:metadata": {"f:labels": {"f:app": {}}},
            "f:spec": {"f:replicas": {}}})


class TestSelectors(unittest.TestCase):
    def test_label_selector(self):
        sel = {"matchLabels": {"a": "1"}, "matchExpressions": [
            {"key": "b", "operator": "In", "values": ["x", "y"]},
            {"key": "c", "operator": "DoesNotExist"},
            {"key": "d", "operator": "NotIn", "values": ["z"]}]}
        self.assertTrue(labels.selector_matches(sel, {"a": "1", "b": "y"}))
        self.assertFalse(labels.selector_matches(sel, {"a": "1", "b": "q"}))
        self.assertFalse(labels.selector_matches(sel, {"a": "1", "b": "x",
                                                       "c": ""}))
        self.assertFalse(labels.selector_matches(sel, {"a": "1", "b": "x",
                                                       "d": "z"}))
        self.assertTrue(labels.selector_matches({}, {}))

    def test_selector_string_round_trip(self):
        sel = {"matchLabels": {"b": "2", "a": "1"}, "matchExpressions": [
            {"key": "c", "operator": "In", "values": ["y", "x"]},
            {"key": "d", "operator": "DoesNotExist"}]}
        text = labels.selector_string(sel)
        self.assertEqual(text, "a=1,b=2,c in (x,y),!d")
        match = labels.parse_selector_string(text)
        self.assertTrue(match({"a": "1", "b": "2", "c": "x"}))
        self.assertFalse(match({"a": "1", "b": "2", "c": "x", "d": "1"}))


def attrs(plural="deployments", group="apps", op="CREATE", ns="default",
          sub=""):
    res = next(r for r in resources.RESOURCES
               if r.plural == plural and r.group == group)
    return admission.Attributes(res, op, "x", ns, {}, None, {}, False, {},
                                sub)


class TestRules(unittest.TestCase):
    def rule(self, resources_, **kw):
        r = {"operations": ["*"], "apiGroups": ["*"], "apiVersions": ["*"],
             "resources": resources_}
        r.update(kw)
        return r

    def test_resource_and_subresource_strings(self):
        a, s = attrs(), attrs(op="UPDATE", sub="scale")
        cases = [("deployments", True, False), ("deployments/scale", False,
                                                 True),
                 ("*", True, False), ("*/scale", False, True),
                 # rules.go: sub "*" also matches an empty subresource
                 ("deployments/*", True, True), ("*/*", True, True),
                 ("pods", False, False)]
        for r, main, scale in cases:
            self.assertEqual(admission.rule_matches(self.rule([r]), a), main,
                             r)
            self.assertEqual(admission.rule_matches(self.rule([r]), s),
                             scale, r)

    def test_scope(self):
        ns = attrs("namespaces", "", ns="")
        self.assertFalse(admission.rule_matches(
            self.rule(["*"], scope="Namespaced"), ns))
        self.assertTrue(admission.rule_matches(
            self.rule(["*"], scope="Cluster"), ns))
        self.assertTrue(admission.rule_matches(
            self.rule(["*"], scope="Namespaced"), attrs()))

    def test_groups_versions_operations(self):
        self.assertFalse(admission.rule_matches(
            self.rule(["*"], apiGroups=[""]), attrs()))
        self.assertFalse(admission.rule_matches(
            self.rule(["*"], apiVersions=["v1beta1"]), attrs()))
        self.assertFalse(admission.rule_matches(
            self.rule(["*"], operations=["UPDATE", "DELETE"]), attrs()))


class TestWarnings(unittest.TestCase):
    def test_budget_truncates_everything_once_exceeded(self):
        w = admission.WarningRecorder()
        w.add("a" * 300)
        w.add("b" * 4000)
        self.assertEqual(w.headers, ['299 - "%s"' % ("a" * 256),
                                     '299 - "%s"' % ("b" * 256)])

    def test_non_utf8_or_control_characters_dropped(self):
        w = admission.WarningRecorder()
        w.add("tab\there")
        w.add("bell\x07")
        w.add("fine")
        self.assertEqual(w.headers, ['299 - "fine"'])


class TestProtobuf(unittest.TestCase):
    # kubectl v1.32.4 `create configmap x --from-literal=a=b`, as captured
    CONFIGMAP = (b'k8s\x00\n\x0f\n\x02v1\x12\tConfigMap\x12\x1b\n\x11\n\x01x'
                 b'\x12\x00\x1a\x00"\x00*\x002\x008\x00B\x00\x12\x06\n\x01a'
                 b'\x12\x01b\x1a\x00"\x00')
    # `create service clusterip svc1 --tcp=80:8080`
    SERVICE = (b'k8s\x00\n\r\n\x02v1\x12\x07Service\x12l\n!\n\x04svc1\x12'
               b'\x00\x1a\x00"\x00*\x002\x008\x00B\x00Z\x0b\n\x03app\x12'
               b'\x04svc1\x12C\n\x1b\n\x0780-8080\x12\x03TCP\x18P"\x07\x08'
               b'\x00\x10\x90?\x1a\x00(\x00\x12\x0b\n\x03app\x12\x04svc1\x1a'
               b'\x00"\tClusterIP:\x00B\x00R\x00Z\x00`\x00h\x00\x1a\x02\n\x00'
               b'\x1a\x00"\x00')

    def test_configmap(self):
        self.assertEqual(protobuf.decode_object(self.CONFIGMAP), {
            "kind": "ConfigMap", "apiVersion": "v1",
            "metadata": {"name": "x"}, "data": {"a": "b"}})

    def test_service(self):
        self.assertEqual(protobuf.decode_object(self.SERVICE), {
            "kind": "Service", "apiVersion": "v1",
            "metadata": {"name": "svc1", "labels": {"app": "svc1"}},
            "spec": {"ports": [{"name": "80-8080", "protocol": "TCP",
                                "port": 80, "targetPort": 8080}],
                     "selector": {"app": "svc1"}, "type": "ClusterIP"}})

    def test_unknown_field_refused_unless_empty(self):
        def body(extra):
            raw = b"\n\x03\n\x01x" + extra
            return b"k8s\x00\n\x0f\n\x02v1\x12\tConfigMap\x12" + \
                bytes([len(raw)]) + raw
        # field 127 (unknown) as Go emits an unset field: ignored
        self.assertEqual(protobuf.decode_object(body(b"\xf8\x07\x00"))[
            "metadata"], {"name": "x"})
        with self.assertRaises(protobuf.DecodeError):
            protobuf.decode_object(body(b"\xf8\x07\x01"))

    def test_unsupported_kind_is_refused(self):
        with self.assertRaises(protobuf.DecodeError):
            protobuf.decode_object(b"k8s\x00\n\x0c\n\x02v1\x12\x06Widget")


class TestNetworkingKinds(unittest.TestCase):
    """Ingress and NetworkPolicy (networking.k8s.io/v1) are served, with
    discovery, short names and kubectl get columns, for the
    managed-objects suite."""

    def test_registry_and_discovery(self):
        import discovery
        ing = resources.lookup("networking.k8s.io", "v1", "ingresses")
        np = resources.lookup("networking.k8s.io", "v1", "networkpolicies")
        self.assertEqual((ing.kind, ing.short, ing.subresources),
                         ("Ingress", ["ing"], ["status"]))
        self.assertEqual((np.kind, np.short), ("NetworkPolicy", ["netpol"]))
        self.assertIs(resources.by_kind("networking.k8s.io/v1", "Ingress"),
                      ing)
        net = [i for i in discovery.aggregated(False)["items"]
               if i["metadata"].get("name") == "networking.k8s.io"]
        self.assertEqual(len(net), 1)
        self.assertEqual(sorted(r["resource"] for r in net[0]["versions"][0]
                                ["resources"]),
                         ["ingresses", "networkpolicies"])
        rl = discovery.resource_list("networking.k8s.io", "v1")
        self.assertEqual([r["name"] for r in rl["resources"]],
                         ["ingresses", "ingresses/status",
                          "networkpolicies"])

    def test_tables(self):
        import tables
        ing = resources.lookup("networking.k8s.io", "v1", "ingresses")
        obj = {"metadata": {"name": "p", "creationTimestamp":
                            "2025-01-01T00:00:00Z"},
               "spec": {"ingressClassName": "nginx", "rules": [
                   {"host": "a.example"}, {"host": "b.example"}]}}
        row = tables.table(ing, [obj], "1")["rows"][0]["cells"]
        self.assertEqual(row[:5], ["p", "nginx", "a.example,b.example", "",
                                   "80"])


class TestStatusStrategy(unittest.TestCase):
    def test_status_write_keeps_metadata_of_builtin_kinds_only(self):
        by = {(r.group, r.plural): r for r in resources.RESOURCES}
        for key in [("", "services"), ("networking.k8s.io", "ingresses"),
                    ("autoscaling", "horizontalpodautoscalers")]:
            self.assertTrue(by[key].status_meta, key)
        for key in [("apps", "deployments"),
                    ("source.toolkit.fluxcd.io", "gitrepositories"),
                    ("kustomize.toolkit.fluxcd.io", "kustomizations")]:
            self.assertFalse(by[key].status_meta, key)


class TestAuthzAndStatus(unittest.TestCase):
    def test_developer_cannot_touch_webhook_configurations(self):
        vwc = resources.lookup("admissionregistration.k8s.io", "v1",
                               "validatingwebhookconfigurations")
        alice = {"username": "alice", "groups": ["developers",
                                                 "system:authenticated"]}
        with self.assertRaises(st.ApiError) as cm:
            authz.authorize(alice, vwc, "delete", "", "gitgate")
        e = cm.exception
        self.assertEqual((e.code, e.reason), (403, "Forbidden"))
        self.assertEqual(e.message, 'validatingwebhookconfigurations.'
                         'admissionregistration.k8s.io "gitgate" is '
                         'forbidden: User "alice" cannot delete resource '
                         '"validatingwebhookconfigurations" in API group '
                         '"admissionregistration.k8s.io" at the cluster '
                         'scope')
        dep = resources.lookup("apps", "v1", "deployments")
        authz.authorize(alice, dep, "patch", "apps", "web", "scale")
        admin = {"username": "x", "groups": ["system:masters"]}
        authz.authorize(admin, vwc, "delete", "", "gitgate")

    def test_invalid_wording(self):
        e = st.invalid("Deployment", "apps", "web", [
            st.field_required("spec.selector"),
            st.field_invalid("spec.replicas", -1, "must be greater than or "
                             "equal to 0")])
        self.assertEqual(e.message, 'Deployment.apps "web" is invalid: '
                         '[spec.selector: Required value, spec.replicas: '
                         'Invalid value: -1: must be greater than or equal '
                         'to 0]')
        self.assertEqual(e.body()["details"]["causes"][0], {
            "reason": "FieldValueRequired", "message": "Required value",
            "field": "spec.selector"})


if __name__ == "__main__":
    unittest.main()
