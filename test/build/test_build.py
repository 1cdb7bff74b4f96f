#!/usr/bin/env python3
"""test_build.py - the Makefile keeps instrumented and plain objects apart.
`make SANITIZE=...` builds into its own directory by itself (a sanitizer run
after a plain `make test` used to relink the plain objects and pass with no
sanitizer in them), and an object is rebuilt when the compiler flags it was
built with change, whatever BUILD says. Compiles one small module into a
temporary BUILD (about a second). Ends with `build: N passed, N failed`."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "pylib"))
from harness import ROOT, Suite  # noqa: E402

OBJ = "webhook/base/utf8.o"


def make(*args, timeout=120):
    env = {k: v for k, v in os.environ.items()
           if k not in ("BUILD", "SANITIZE", "CFLAGS", "MAKEFLAGS", "MFLAGS")}
    p = subprocess.run(["make", "--no-print-directory", "-s", *args],
                       capture_output=True, text=True, cwd=ROOT, env=env,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def main():
    s = Suite("build")
    _, out, _ = make("print-build")
    s.check("plain build goes to build/", out.strip() == "build", out)
    _, out, _ = make("print-build", "SANITIZE=address,undefined")
    s.check("SANITIZE=address,undefined goes to build-san-address-undefined/",
            out.strip() == "build-san-address-undefined", out)
    _, out, _ = make("print-build", "SANITIZE=undefined", "BUILD=elsewhere")
    s.check("BUILD= on the command line wins", out.strip() == "elsewhere", out)
    rc, out, err = make("-n", "SANITIZE=address,undefined",
                        "build-san-address-undefined/" + OBJ)
    cc = [ln for ln in out.splitlines() if " -c webhook/base/utf8.c" in ln]
    s.check("the sanitizer object is compiled with -fsanitize",
            rc == 0 and cc and "-fsanitize=address,undefined" in cc[0],
            (out + err)[-300:])

    with tempfile.TemporaryDirectory(prefix="gitgate-build-") as tmp:
        obj = os.path.join(tmp, OBJ)
        rc, out, err = make("BUILD=" + tmp, obj)
        s.check("plain object builds", rc == 0 and os.path.isfile(obj), err)
        if rc != 0:
            s.done()
        first = os.stat(obj).st_mtime_ns
        rc, _, err = make("BUILD=" + tmp, obj)
        s.check("same flags: not rebuilt",
                rc == 0 and os.stat(obj).st_mtime_ns == first, err)
        rc, _, err = make("BUILD=" + tmp, "GITREV=0000000", obj)
        s.check("another Git revision: not rebuilt (only main.o and "
                "metrics.o carry it)",
                rc == 0 and os.stat(obj).st_mtime_ns == first, err)
        rc, _, err = make("BUILD=" + tmp, "SANITIZE=undefined", obj)
        again = os.stat(obj).st_mtime_ns
        s.check("other flags, same BUILD: rebuilt", rc == 0 and again != first,
                err)
        p = subprocess.run(["nm", obj], capture_output=True, text=True)
        s.check("the rebuilt object holds the sanitizer's calls",
                "__ubsan_handle" in p.stdout, p.stdout[-300:])
    s.done()


if __name__ == "__main__":
    main()
