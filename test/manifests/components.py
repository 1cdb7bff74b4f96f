"""components.py - test_render.py's checks of the opt-in webhook components
(manifests/components/managed-objects): rendered above each overlay, the
extra entry must call gitgate exactly as validate.gitgate.io does (client
config, namespaces, exempt actors, failurePolicy), list the kinds it
promises, and its CEL prefilter (evaluated by the stand-in API server's
cel.py) must send every object that carries one of the markers the
managed-objects policy names, in the new or the stored object, and nothing
else. Each check is also run on a broken copy and must fail there.
"""

import copy
import os
import sys

COMPONENT = "managed-objects"
HOOK = "managed.gitgate.io"
KINDS = {("", "v1", "services"), ("", "v1", "services/status"),
         ("", "v1", "configmaps"),
         ("", "v1", "secrets"), ("networking.k8s.io", "v1", "ingresses"),
         ("networking.k8s.io", "v1", "ingresses/status"),
         ("networking.k8s.io", "v1", "networkpolicies"),
         ("autoscaling", "v2", "horizontalpodautoscalers"),
         ("autoscaling", "v2", "horizontalpodautoscalers/status")}
OPS = {"CREATE", "UPDATE", "DELETE"}
# Copied from validate.gitgate.io, whatever the overlay made of it.
SAME = ("clientConfig", "namespaceSelector", "failurePolicy",
        "timeoutSeconds", "matchPolicy", "sideEffects",
        "admissionReviewVersions")


def hook_named(objs, name, r):
    for o in objs:
        if o.get("kind") == "ValidatingWebhookConfiguration":
            for h in o.get("webhooks") or []:
                if h.get("name") == name:
                    return h
    return None


def c_same_call(objs, overlay, r):
    base, hook = hook_named(objs, r.WEBHOOK, r), hook_named(objs, HOOK, r)
    if base is None or hook is None:
        return ["want webhooks %s and %s" % (r.WEBHOOK, HOOK)]
    bad = ["%s: %r, %s has %r" % (k, hook.get(k), r.WEBHOOK, base.get(k))
           for k in SAME if hook.get(k) != base.get(k)]
    if hook.get("failurePolicy") != r.FAILURE_POLICY[overlay]:
        bad.append("failurePolicy %r, want %s" % (hook.get("failurePolicy"),
                                                  r.FAILURE_POLICY[overlay]))
    conds = hook.get("matchConditions") or []
    if conds[:len(base.get("matchConditions") or [])] != \
            base.get("matchConditions"):
        bad.append("matchConditions do not start with %s's" % r.WEBHOOK)
    return bad


def c_kinds(objs, overlay, r):
    hook = hook_named(objs, HOOK, r) or {}
    got, bad = set(), []
    for rule in hook.get("rules") or []:
        if set(rule.get("operations") or []) != OPS:
            bad.append("operations %r" % rule.get("operations"))
        if rule.get("scope") != "Namespaced":
            bad.append("scope %r" % rule.get("scope"))
        for g in rule.get("apiGroups") or []:
            for v in rule.get("apiVersions") or []:
                for res in rule.get("resources") or []:
                    got.add((g, v, res))
    if got != KINDS:
        bad.append("resources %s, want %s" % (sorted(got), sorted(KINDS)))
    return bad


def prefilter(hook):
    for c in (hook or {}).get("matchConditions") or []:
        if c.get("name") == "managed-object":
            return c.get("expression")
    return None


def marker_objects(markers):
    """(what, metadata) for each marker: its labels and annotations, with
    values its patterns accept (gitgate.io/source: a repo URL)."""
    out = []
    for m in markers:
        meta = {}
        for where in ("labels", "annotations"):
            for k in m.get(where) or []:
                key = k["key"] if isinstance(k, dict) else k
                meta.setdefault(where, {})[key] = \
                    "https://git.example.com/config" \
                    if isinstance(k, dict) else "apps"
        out.append((m["name"], meta))
    return out


def cel_problems(expr, markers, cel):
    """The prefilter must be true when the object or the stored object
    carries a named marker, false when neither carries any."""
    try:
        prog = cel.compile(expr.strip())
    except cel.CompileError as e:
        return ["managed-object does not compile: %s" % e]
    bad = []
    bare = {"metadata": {"name": "x", "labels": {"app": "x"},
                         "annotations": {"helm.sh/hook": "pre-install"}}}
    cases = [("no marker", bare, bare, False),
             ("no marker, CREATE", bare, None, False),
             ("no marker, DELETE", None, bare, False),
             ("no metadata maps", {"metadata": {"name": "x"}}, None, False)]
    for name, meta in marker_objects(markers):
        obj = {"metadata": dict(meta, name="x")}
        cases += [(name + " on CREATE", obj, None, True),
                  (name + " on DELETE", None, obj, True),
                  (name + " taken off", bare, obj, True),
                  (name + " put on", obj, bare, True)]
    for what, new, old, want in cases:
        try:
            got = prog.eval({"object": new, "oldObject": old,
                             "request": {}})
        except cel.EvalError as e:
            got = "error: %s" % e
        if got is not want:
            bad.append("%s: %r, want %r" % (what, got, want))
    return bad


def load_yaml(path, env, r):
    """JSON objects of a YAML file, through kubectl (no YAML parser)."""
    with open(path) as f:
        text = f.read()
    rc, js, err = r.run([r.KUBECTL, "patch", "--local", "--type=merge",
                         "-p", "{}", "-o", "json", "-f", "-"], env,
                        stdin=text)
    return r.json_stream(js) if rc == 0 else []


def named_markers(env, tmp, r):
    """The markers policies/git-source.yaml defines that the enabled
    managed-objects preset names in match.managedBy."""
    sys.path.insert(0, os.path.join(r.ROOT, "test", "pylib"))
    import presets  # noqa: E402
    d = os.path.join(tmp, "managed-objects-policies")
    os.makedirs(d, exist_ok=True)
    presets.enable(os.path.join(r.ROOT, "policies"), d, [COMPONENT])
    names, markers = None, {}
    for o in load_yaml(os.path.join(d, "managed-objects.yaml"), env, r):
        if o.get("metadata", {}).get("name") == COMPONENT:
            names = o["spec"]["match"]["managedBy"]
    for o in load_yaml(os.path.join(d, "git-source.yaml"), env, r):
        for m in o.get("spec", {}).get("markers") or []:
            markers[m["name"]] = m
    if not names:
        return None
    return [markers[n] for n in names if n in markers]


def render_with(t, env, tmp, overlay, r):
    d = os.path.join(tmp, "%s-%s" % (overlay, COMPONENT))
    os.makedirs(d)
    rel = os.path.relpath(os.path.join(r.ROOT, "manifests"), d)
    with open(os.path.join(d, "kustomization.yaml"), "w") as f:
        f.write("apiVersion: kustomize.config.k8s.io/v1beta1\n"
                "kind: Kustomization\n"
                "resources: [%s/overlays/%s]\n"
                "components: [%s/components/%s]\n"
                % (rel, overlay, rel, COMPONENT))
    objs, problems = r.render(d, env)
    t.result("%s + %s: kubectl kustomize renders, no warnings"
             % (overlay, COMPONENT), problems)
    return objs


def check_managed_objects(t, env, tmp, r):
    sys.path.insert(0, os.path.join(r.ROOT, "test", "apiserver"))
    import cel  # noqa: E402 - the stand-in's evaluator
    markers = named_markers(env, tmp, r)
    t.result("%s: the preset names markers of git-source.yaml" % COMPONENT,
             [] if markers else ["no managedBy markers found"])
    for overlay in r.OVERLAYS:
        objs = render_with(t, env, tmp, overlay, r)
        if objs is None:
            continue
        for name, fn in (("calls gitgate as %s does" % r.WEBHOOK,
                          c_same_call), ("lists its kinds", c_kinds)):
            t.result("%s + %s: %s %s" % (overlay, COMPONENT, HOOK, name),
                     fn(objs, overlay, r))
        expr = prefilter(hook_named(objs, HOOK, r))
        t.result("%s + %s: the prefilter sends marked objects only"
                 % (overlay, COMPONENT),
                 cel_problems(expr, markers or [], cel) if expr else
                 ["no managed-object matchCondition"])
        check_can_fail(t, overlay, objs, expr, markers or [], cel, r)


def check_combined(t, env, tmp, r):
    """flux-kinds and managed-objects in one kustomization, in either order:
    validate.gitgate.io stays first and each entry is still its copy."""
    for overlay in r.OVERLAYS:
        for order in (("flux-kinds", COMPONENT), (COMPONENT, "flux-kinds")):
            d = os.path.join(tmp, "both-%s-%s" % (overlay, order[0]))
            os.makedirs(d)
            rel = os.path.relpath(os.path.join(r.ROOT, "manifests"), d)
            with open(os.path.join(d, "kustomization.yaml"), "w") as f:
                f.write("apiVersion: kustomize.config.k8s.io/v1beta1\n"
                        "kind: Kustomization\n"
                        "resources: [%s/overlays/%s]\n"
                        "components: [%s]\n" % (rel, overlay, ", ".join(
                            "%s/components/%s" % (rel, c) for c in order)))
            objs, problems = r.render(d, env)
            if objs is not None:
                names = [h.get("name") for h in r.webhooks(objs)]
                if sorted(names) != sorted([r.WEBHOOK, r.FLUX_HOOK, HOOK]) \
                        or names[0] != r.WEBHOOK:
                    problems.append("entries %s" % names)
                problems += r.flux_entry_problems(objs, overlay, (HOOK,))
                problems += c_same_call(objs, overlay, r)
            t.result("%s + %s: both entries, each a copy of %s's"
                     % (overlay, " + ".join(order), r.WEBHOOK), problems)


def check_can_fail(t, overlay, objs, expr, markers, cel, r):
    bad = []
    broken = copy.deepcopy(objs)
    hook = hook_named(broken, HOOK, r)
    if hook is not None:
        hook["failurePolicy"] = "Ignore" if overlay != "audit" else "Fail"
        hook["rules"][0]["resources"].remove("secrets")
        if not c_same_call(broken, overlay, r):
            bad.append("c_same_call passes a changed failurePolicy")
        if not c_kinds(broken, overlay, r):
            bad.append("c_kinds passes without secrets")
    for drop in ("'gitgate.io/source'", "'helm.toolkit.fluxcd.io/name'"):
        if expr and drop not in expr:
            bad.append("%s is not in the prefilter" % drop)
        elif expr and not cel_problems(expr.replace(drop, "'x.io/y'"),
                                       markers, cel):
            bad.append("the prefilter check passes without %s" % drop)
    if expr and not cel_problems(expr.replace("oldObject", "object"),
                                 markers, cel):
        bad.append("the prefilter check passes without oldObject")
    t.result("%s + %s: every check fails on a broken render"
             % (overlay, COMPONENT), bad)

