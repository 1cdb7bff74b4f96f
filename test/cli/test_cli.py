"""test_cli.py - the offline subcommands as a user runs them: check (files,
directories, stdin, List, JSON output, exit codes 0/1/2, --user/--group),
lint (exit codes, file:line:col), certs (files, modes, caBundle), version,
usage errors; --help of every subcommand, the usage text, and each serve
flag of its --help accepted both as a flag and as its variable."""
import base64
import json
import os
import re
import shutil
import stat
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "pylib"))
from harness import Suite, gitgate  # noqa: E402

S = Suite("cli")
M = "test/data/manifests"
TMP = tempfile.mkdtemp(prefix="gitgate-cli-")


def test_check():
    rc, out, err = gitgate("check", "--policies", "policies",
                           f"{M}/clean-deployment.yaml")
    S.check("check clean file: exit 0", rc == 0, out + err)
    S.check("check clean file: says allowed", ": allowed" in out, out)
    rc, out, err = gitgate("check", "--policies", "policies",
                           f"{M}/latest-and-unlabelled.yaml")
    S.check("check :latest + unlabelled: exit 1", rc == 1, out + err)
    S.check("check names the image policy and line",
            "latest-and-unlabelled.yaml:4: Deployment apps/web: DENIED: "
            "[immutable-images]" in out, out)
    S.check("check names the source policy",
            "CronJob apps/cleanup: DENIED: [git-source]" in out, out)
    S.check("check prints the audit warning",
            "warning: [release-tags]" in out, out)
    rc, out, _ = gitgate("check", "--policies", "policies", M)
    S.check("check a directory: every file", rc == 1 and
            out.count("deployment-list.yaml:") == 2 and "pod.json:" in out,
            out)
    with open(f"{M}/clean-deployment.yaml") as f:
        text = f.read()
    rc, out, _ = gitgate("check", "--policies", "policies", "-", stdin=text)
    S.check("check from stdin", rc == 0 and "-:" in out, out)
    rc, out, _ = gitgate("check", "--policies", "policies", "-o", "json",
                         f"{M}/latest-and-unlabelled.yaml")
    try:
        res = json.loads(out)["objects"]
    except (ValueError, KeyError):
        res = []
    S.check("check -o json: one result per object", rc == 1 and
            len(res) == 2 and res[0]["decision"] == "deny" and
            "[immutable-images]" in res[0]["message"], out)
    rc, out, _ = gitgate("check", "--policies", "policies", "--user",
                         "alice", f"{M}/clean-deployment.yaml")
    S.check("check --user alice: denied by reconciler-only", rc == 1 and
            "[reconciler-only]" in out and "alice" in out, out)
    rc, out, _ = gitgate("check", "--policies", "policies", "--user",
                         "oncall", "--group", "gitgate:break-glass",
                         f"{M}/clean-deployment.yaml")
    S.check("check --group break-glass: allowed", rc == 0, out)
    bad = os.path.join(TMP, "bad.yaml")
    with open(bad, "w") as f:
        f.write("apiVersion: v1\nkind: Pod\nmetadata: {name: x\n")
    rc, _, err = gitgate("check", "--policies", "policies", bad)
    S.check("check broken YAML: exit 2 with file:line:col",
            rc == 2 and f"{bad}:" in err, err)
    rc, _, err = gitgate("check", "--policies", "policies",
                         os.path.join(TMP, "missing.yaml"))
    S.check("check missing file: exit 2", rc == 2 and "missing.yaml" in err)
    rc, _, err = gitgate("check", f"{M}/pod.json")
    S.check("check without --policies: usage, exit 2", rc == 2 and
            "usage" in err, err)


def test_lint():
    rc, out, err = gitgate("lint", "--policies", "policies")
    S.check("lint shipped policies: exit 0", rc == 0, out + err)
    S.check("lint counts policies", "4 policies in 7 files" in out, out)
    d = os.path.join(TMP, "lint")
    os.makedirs(d)
    with open(os.path.join(d, "a.yaml"), "w") as f:
        f.write("apiVersion: gitgate.io/v1alpha1\nkind: ImagePolicy\n"
                "metadata: {name: a}\nspec:\n  mode: warn\n"
                "  allowedTags: ['(']\n")
    rc, out, err = gitgate("lint", "--policies", d)
    S.check("lint bad file: exit 2", rc == 2, out + err)
    S.check("lint reports every error with file:line:col",
            f"{d}/a.yaml:5:" in err and f"{d}/a.yaml:6:" in err, err)
    empty = os.path.join(TMP, "empty")
    os.makedirs(empty)
    rc, _, err = gitgate("lint", "--policies", empty)
    S.check("lint empty dir: exit 2 (fail closed)", rc == 2, err)


def test_certs():
    out_dir = os.path.join(TMP, "certs")
    rc, out, err = gitgate("certs", "--out", out_dir, "--dns",
                           "gitgate.gitgate-system.svc", "--days", "30")
    S.check("certs: exit 0", rc == 0, err)
    for name in ("ca.crt", "ca.key", "tls.crt", "tls.key"):
        S.check(f"certs wrote {name}", os.path.exists(
            os.path.join(out_dir, name)))
    mode = stat.S_IMODE(os.stat(os.path.join(out_dir, "tls.key")).st_mode)
    S.check("certs: key mode 0600", mode == 0o600, oct(mode))
    with open(os.path.join(out_dir, "ca.crt"), "rb") as f:
        ca = f.read()
    try:
        decoded = base64.b64decode(out.strip())
    except ValueError:
        decoded = b""
    S.check("certs prints the caBundle", decoded == ca)
    rc, _, err = gitgate("certs", "--out", out_dir, "--dns", "x.svc")
    S.check("certs over an existing CA: exit 2, says --force",
            rc == 2 and "--force" in err and "ca.key" in err, err)
    with open(os.path.join(out_dir, "ca.crt"), "rb") as f:
        S.check("certs refused: the CA is untouched", f.read() == ca)
    rc, out2, err = gitgate("certs", "--out", out_dir, "--dns", "x.svc",
                            "--force")
    with open(os.path.join(out_dir, "ca.crt"), "rb") as f:
        S.check("certs --force replaces the CA", rc == 0 and
                f.read() != ca, err)
    rc, _, err = gitgate("certs", "--out", out_dir)
    S.check("certs without --dns: exit 2", rc == 2, err)
    rc, _, err = gitgate("certs", "--out", out_dir + "-bad", "--dns", "a b")
    S.check("certs bad name: exit 2 with reason", rc == 2 and
            "a b" in err, err)


def test_review_yaml():
    rc, out, err = gitgate("review", "--policies", "policies",
                           f"{M}/clean-deployment.yaml")
    S.check("review given YAML: exit 2, HTTP 400 as serve, then says JSON "
            "and points to check, once",
            rc == 2 and "HTTP 400" in err and "AdmissionReview in JSON" in
            err and err.count("gitgate check") == 1 and out == "", err)


def test_misc():
    rc, out, _ = gitgate("version")
    S.check("version", rc == 0 and out.startswith("gitgate "), out)
    rc, _, err = gitgate("frobnicate")
    S.check("unknown command: exit 2", rc == 2 and "unknown command" in err)
    rc, _, err = gitgate("serve", "--max-body", "lots", "--tls-cert", "x",
                         "--tls-key", "y", "--policies", "policies")
    S.check("serve bad number: exit 2 naming the flag", rc == 2 and
            "--max-body" in err, err)
    for bad in ("1024", "x"):       # under 64 KiB / not a number
        rc, _, err = gitgate("serve", "--max-inflight-bytes", bad,
                             "--tls-cert", "x", "--tls-key", "y",
                             "--policies", "policies")
        S.check(f"serve --max-inflight-bytes {bad}: exit 2 with the range",
                rc == 2 and "--max-inflight-bytes: expected a number from "
                "65536" in err, err)


# serve's flags as the README and DESIGN.md list them
SERVE_FLAGS = ["listen", "tls-cert", "tls-key", "policies", "audit",
               "client-ca", "max-body", "threads", "log-level",
               "max-connections", "connection-timeout",
               "first-request-timeout", "request-timeout", "body-wait-timeout",
               "max-header-bytes", "max-json-depth", "max-inflight-bytes",
               "allow-expired-cert"]
COMMANDS = ["serve", "check", "test", "review", "lint", "certs", "version"]
SHORT = {}      # long name -> its short form, as --help shows it


def help_flags(text):
    """The options of a --help text: {name: (arg or None, details line)};
    one with a short form too is also under "-x"."""
    flags, last = {}, None
    for line in text.splitlines():
        m = re.match(r"^  (?:-([a-z]), )?--([a-z-]+)(?: (\S+))?", line)
        if m:
            last = m.group(2)
            flags[last] = (m.group(3), "")
            if m.group(1):
                SHORT[last] = m.group(1)
        elif last and line.startswith(" " * 28):
            arg, det = flags[last]
            flags[last] = (arg, (det + " " + line.strip()).strip())
    flags.pop("help", None)
    return flags


def usage_section(text, cmd):
    """The lines of `gitgate --help` that belong to cmd."""
    out, inside = [], False
    for line in text.splitlines():
        m = re.match(r"^(?:usage: | {7})gitgate (\S+)", line)
        if m:
            inside = m.group(1) == cmd
        elif not line.startswith(" " * 22):
            inside = False
        if inside:
            out.append(line)
    return "\n".join(out)


def test_help():
    rc, top, err = gitgate("--help")
    S.check("gitgate --help: exit 0 on stdout", rc == 0 and
            top.startswith("usage: gitgate serve"), top + err)
    S.check("usage lines fit in 80 columns",
            all(len(line) < 80 for line in top.splitlines()), top)
    serve_usage = usage_section(top, "serve")
    S.check("usage lists every serve flag", all(
        f"--{f}" in serve_usage for f in SERVE_FLAGS), serve_usage)
    for cmd in COMMANDS:
        for h in ("--help", "-h"):
            rc, out, err = gitgate(cmd, h)
            S.check(f"{cmd} {h}: exit 0, usage on stdout", rc == 0 and
                    out.startswith(f"usage: gitgate {cmd}") and err == "",
                    out + err)
        flags = help_flags(out)
        section = usage_section(top, cmd)
        listed = set(re.findall(r"--([a-z-]+)", section)) | set(
            f for f in flags if f in SHORT and f"-{SHORT[f]} " in section)
        S.check(f"{cmd} --help lists the flags of its usage line",
                listed == set(flags), (listed, sorted(flags)))
        S.check(f"{cmd} --help fits in 80 columns",
                all(len(line) < 80 for line in out.splitlines()), out)
    rc, out, _ = gitgate("serve", "--help")
    flags = help_flags(out)
    S.check("serve --help lists every serve flag",
            sorted(flags) == sorted(SERVE_FLAGS), sorted(flags))
    for name, (_, det) in flags.items():
        env = "GITGATE_" + name.upper().replace("-", "_")
        S.check(f"serve --help: --{name} names {env}", f"env {env}" in det,
                det)
    rc, out, err = gitgate("check", "--policies", "policies", "--help",
                           f"{M}/pod.json")
    S.check("--help among other flags: help, exit 0, nothing checked",
            rc == 0 and out.startswith("usage: gitgate check") and
            "checked" not in out, out + err)


def valid_value(name, arg, det):
    """A value --name accepts, read from its --help entry."""
    m = re.search(r"(\d+) to (\d+)", det)
    if m:
        return m.group(1)
    if name == "log-level":
        return "debug"
    return None if arg is None else os.path.join(TMP, "missing.crt") \
        if name == "tls-cert" else "x"


def test_serve_flags_and_env():
    """Each flag of serve --help, as a flag and as its variable, passes
    option parsing: serve then stops at the missing certificate."""
    rc, out, _ = gitgate("serve", "--help")
    flags = help_flags(out)
    missing = os.path.join(TMP, "missing.crt")
    base = {"tls-cert": missing, "tls-key": "k", "policies": "policies"}
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith("GITGATE_") or k == "GITGATE" or
             k.startswith("GITGATE_VG_")}
    for name, (arg, det) in flags.items():
        v = valid_value(name, arg, det)
        env_name = "GITGATE_" + name.upper().replace("-", "_")
        for how in ("flag", "env"):
            args, env = ["serve"], dict(clean)
            for k, bv in base.items():
                if k != name:
                    args += [f"--{k}", bv]
            if how == "flag":
                args += [f"--{name}"] + ([v] if v is not None else [])
            else:
                env[env_name] = v if v is not None else "true"
            rc, _, err = gitgate(*args, env=env)
            S.check(f"serve --{name} accepted as {how}", rc == 2 and
                    "missing.crt" in err and "usage" not in err and
                    "expected" not in err, err)
    for var in ("GITGATE_AUDIT", "GITGATE_ALLOW_EXPIRED_CERT"):
        for bad in ("yes", "on", "2"):
            env = dict(clean, **{var: bad})
            rc, _, err = gitgate("serve", "--tls-cert", missing,
                                 "--tls-key", "k", "--policies", "policies",
                                 env=env)
            S.check(f"{var}={bad}: refused, exit 2, names it and 1/0/"
                    "true/false", rc == 2 and var in err and
                    "expected 1, 0, true or false" in err and
                    "missing.crt" not in err, err)
    env = dict(clean, GITGATE_AUDIT="FALSE", GITGATE_MAX_BODY="lots")
    rc, _, err = gitgate("serve", "--tls-cert", missing, "--tls-key", "k",
                         "--policies", "policies", env=env)
    S.check("bad number in a variable: names the flag and its range",
            rc == 2 and "--max-body: expected a number from 1 to" in err, err)
    env = dict(clean, GITGATE_MAX_BODY="lots")
    rc, out, err = gitgate("serve", "--help", env=env)
    S.check("serve --help works whatever the variables say", rc == 0 and
            out.startswith("usage: gitgate serve"), out + err)


test_check()
test_lint()
test_certs()
test_review_yaml()
test_misc()
test_help()
test_serve_flags_and_env()
shutil.rmtree(TMP, ignore_errors=True)
S.done()
