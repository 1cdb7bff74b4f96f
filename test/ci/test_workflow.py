"""test_workflow.py - the config-repo CI example (examples/ci/
github-actions.yaml) run locally: its steps, all but checkout and install,
in each repository of ../shared/corpus with the shipped policies, as a
config repo's CI would run them. The clean repositories pass; Argo CD's
install manifests (seven :latest images) fail with annotations on their
lines. Skips, saying so, when ../shared or kubectl is absent."""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "pylib"))
from harness import Suite  # noqa: E402

S = Suite("workflow")
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CORPUS = os.path.join(ROOT, "..", "shared", "corpus")
WORKFLOW = os.path.join(ROOT, "examples", "ci", "github-actions.yaml")
GITGATE = os.path.abspath(os.environ.get("GITGATE", "build/gitgate"))
REPOS = {"stefanprodan__podinfo": 0, "fluxcd__flux2-kustomize-helm-example": 0,
         "fluxcd__flagger": 0, "prometheus-operator__kube-prometheus": 0,
         "argoproj__argo-cd": 1}


def steps():
    import yaml
    with open(WORKFLOW) as f:
        wf = yaml.safe_load(f)
    job = wf["jobs"]["check"]
    S.check("workflow: checkout, install, policies, plain, kustomize",
            [s.get("id") for s in job["steps"]] ==
            ["checkout", "install", "policies", "plain", "kustomize"])
    return wf["env"], [s for s in job["steps"]
                       if s.get("id") not in ("checkout", "install")]


def run_repo(repo, want, env, todo):
    path = os.path.join(CORPUS, repo)
    e = dict(os.environ, **env)
    e["GITGATE"] = GITGATE
    e["POLICIES"] = os.path.join(ROOT, "policies")
    rcs, outs = [], ""
    for st in todo:
        p = subprocess.run(["bash", "-c", st["run"]], cwd=path, env=e,
                           capture_output=True, text=True, timeout=300)
        rcs.append(p.returncode)
        outs += p.stdout + p.stderr
    # the policies step runs in the repo but judges our policies: always 0
    S.check(f"workflow {repo}: policies step passes", rcs[0] == 0, outs[-600:])
    worst = max(rcs[1:])
    S.check(f"workflow {repo}: check steps exit {want}", worst == want,
            f"{rcs}\n{outs[-1500:]}")
    return outs


if not os.path.isdir(CORPUS) or not shutil.which("kubectl"):
    print("skip: ../shared/corpus or kubectl absent: workflow not run")
else:
    try:
        env, todo = steps()
    except ImportError:
        env, todo = None, None
        print("skip: PyYAML absent: workflow not run")
    if todo:
        for repo, want in REPOS.items():
            out = run_repo(repo, want, env, todo)
            if want == 1:
                S.check("workflow argo-cd: GitHub annotation on the bad "
                        "Deployment's line",
                        "::error file=./manifests/install.yaml,line=32111,"
                        "title=gitgate immutable-images::" in out, out[-800:])
S.done()
