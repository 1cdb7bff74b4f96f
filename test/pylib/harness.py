"""harness.py - the few helpers every Python test suite shares: counted
checks, the closing "NAME: N passed, N failed" line, and running the real
gitgate binary with a bounded time."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GITGATE = os.path.join(ROOT, os.environ.get("GITGATE", "build/gitgate"))


class Suite:
    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0

    def check(self, what, cond, detail=""):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {what}" + (f": {detail}" if detail else ""))
        return cond

    def done(self):
        print(f"{self.name}: {self.passed} passed, {self.failed} failed")
        sys.exit(0 if self.failed == 0 else 1)


def gitgate(*args, stdin=None, timeout=30, env=None):
    """Run build/gitgate; returns (exit code, stdout, stderr)."""
    p = subprocess.run([GITGATE, *args], input=stdin, capture_output=True,
                       timeout=timeout, cwd=ROOT, env=env, text=True)
    return p.returncode, p.stdout, p.stderr
