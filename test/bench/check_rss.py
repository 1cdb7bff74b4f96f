#!/usr/bin/env python3
"""check_rss.py - the `gitgate check` figure of the benchmark: objects per
second and peak RSS (/usr/bin/time's %M) of
check on the whole ../shared/corpus (as Flux applies it), on a
15 000-item List (JSON, as `kubectl get -o json` prints it, and YAML) and
on 7 500 one-document-each objects. Usage:
  test/bench/check_rss.py [GITGATE] [BEFORE_GITGATE [ITS_POLICIES]]
prints one line per input and binary; with BEFORE (a build from before
check streamed: no --kustomization, no recursion), both side by side."""
import json
import os
import subprocess
import sys
import tempfile
import time

GITGATE = sys.argv[1] if len(sys.argv) > 1 else "build/gitgate"
BEFORE = sys.argv[2] if len(sys.argv) > 2 else None
BEFORE_POLICIES = sys.argv[3] if len(sys.argv) > 3 else "policies"
CORPUS = os.path.join("..", "shared", "corpus")


def items(n):
    return [{"apiVersion": "apps/v1", "kind": "Deployment",
             "metadata": {"name": f"d{i}", "namespace": f"ns{i % 50}",
                          "labels": {
                              "kustomize.toolkit.fluxcd.io/name": "apps",
                              "kustomize.toolkit.fluxcd.io/namespace":
                              "flux-system"}},
             "spec": {"replicas": 2,
                      "selector": {"matchLabels": {"app": f"d{i}"}},
                      "template": {
                          "metadata": {"labels": {"app": f"d{i}"}},
                          "spec": {"containers": [{
                              "name": "c",
                              "image": f"ghcr.io/acme/app{i}:1.{i}.0",
                              "ports": [{"containerPort": 8080}]}]}}}}
            for i in range(n)]


def yaml_of(v, ind=0):
    """A small block-YAML writer (JSON-compatible scalars), no PyYAML."""
    pad = " " * ind
    if isinstance(v, dict):
        out = []
        for k, x in v.items():
            if isinstance(x, (dict, list)) and x:
                out.append(f"{pad}{k}:\n{yaml_of(x, ind + 2)}")
            else:
                out.append(f"{pad}{k}: {json.dumps(x)}")
        return "\n".join(out)
    out = []
    for x in v:
        body = yaml_of(x, ind + 2).lstrip()
        out.append(f"{pad}- {body}")
    return "\n".join(out)


def run(binary, path, flux, policies="policies"):
    """Time, peak RSS (KiB, /usr/bin/time's %M: gitgate's own, not the
    forking Python's), objects and exit status of one check."""
    rss = tempfile.mktemp(prefix="gitgate-rss-")
    args = ["/usr/bin/time", "-o", rss, "-f", "%M", binary, "check",
            "--policies", policies]
    if flux:
        args += ["--kustomization", "flux-system/apps"]
    t = time.monotonic()
    p = subprocess.run(args + [path], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
    dt = time.monotonic() - t
    with open(rss) as f:
        kib = int(f.read().split()[-1])
    os.unlink(rss)
    lines = p.stdout.decode(errors="replace").splitlines()
    n = sum(1 for ln in lines if ": allowed" in ln or ": DENIED" in ln or
            ": no policy applies" in ln)
    return dt, kib, n, p.returncode


def main():
    tmp = tempfile.mkdtemp(prefix="gitgate-bench-check-")
    inputs = {}
    lst = {"apiVersion": "v1", "kind": "List", "items": items(15000)}
    inputs["List 15000 (JSON)"] = os.path.join(tmp, "list.json")
    with open(inputs["List 15000 (JSON)"], "w") as f:
        json.dump(lst, f)
    inputs["List 15000 (YAML)"] = os.path.join(tmp, "list.yaml")
    with open(inputs["List 15000 (YAML)"], "w") as f:
        f.write(yaml_of(lst) + "\n")
    inputs["7500 documents (YAML)"] = os.path.join(tmp, "docs.yaml")
    with open(inputs["7500 documents (YAML)"], "w") as f:
        for it in items(7500):
            f.write("---\n" + yaml_of(it) + "\n")
    if os.path.isdir(CORPUS):
        inputs["corpus (290 objects)"] = CORPUS
    bins = [("after", GITGATE)] + ([("before", BEFORE)] if BEFORE else [])
    for name, path in inputs.items():
        size = sum(os.path.getsize(os.path.join(d, f))
                   for d, _, fs in os.walk(path) for f in fs) \
            if os.path.isdir(path) else os.path.getsize(path)
        for label, b in bins:
            dt, rss, n, rc = run(b, path, label == "after",
                                 "policies" if label == "after" else
                                 BEFORE_POLICIES)
            print(f"check {name}: {label}: {n} objects in {dt:.2f} s "
                  f"({n / dt if dt else 0:.0f}/s), peak RSS "
                  f"{rss / 1024:.1f} MiB, input {size / 1048576:.1f} MiB, "
                  f"exit {rc}")
    for p in inputs.values():
        if p.startswith(tmp):
            os.unlink(p)
    os.rmdir(tmp)


if __name__ == "__main__":
    main()
