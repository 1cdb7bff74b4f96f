#!/usr/bin/env python3
"""test_style.py - test/lint/style finds each house-rule break it claims
to, and passes code in the house style: one file per case in a temp dir,
the checker run on it, its findings compared."""
import os
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
STYLE = os.path.join(ROOT, 'test', 'lint', 'style')

GOOD = '''/*
 * x.c - a file in the house style.
 */
#include "base/x.h"

#define X_MAX\t64\t\t/* a limit */

static int\tx_count;

/* Says why. */
static int
x_add(int a, int b, const char *s)
{
\tsize_t\t len = strlen(s);\t/* a trailing comment */

\tif (a > 0 && b > 0 &&
\t    len > 0)
\t\treturn a + b;
\treturn (int)len + x_count;
}
'''

# (name, text replacing GOOD, rule expected in the output)
CASES = [
    ('long', GOOD.replace('/* Says why. */', '/* ' + 'y' * 100 + ' */'),
     'longer than 100 columns'),
    ('trailing', GOOD.replace('return a + b;', 'return a + b; '),
     'trailing white space'),
    ('indent', GOOD.replace('\treturn (int)len', '  return (int)len'),
     'indentation'),
    ('space-tab', GOOD.replace('\t\treturn a + b;', ' \t\treturn a + b;'),
     'indentation'),
    ('rettype', GOOD.replace('static int\nx_add(', 'static int x_add('),
     'return type not on a line of its own'),
    ('opening', GOOD.replace(' * x.c - a file', ' * a file'),
     'no opening comment'),
    ('keyword', GOOD.replace('if (a > 0', 'if(a > 0'),
     'no space between keyword'),
    ('slashes', GOOD.replace('/* Says why. */', '// Says why.'),
     '// comment'),
    ('banned', GOOD.replace('strlen(s)', 'atoi(s)'), 'banned function'),
]


def run(path):
    r = subprocess.run([sys.executable, STYLE, path], capture_output=True,
                       text=True, timeout=60)
    return r.returncode, r.stdout


def main():
    passed = failed = 0

    def check(name, ok, detail=''):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print('FAIL %s %s' % (name, detail))

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, 'x.c')
        with open(path, 'w') as f:
            f.write(GOOD)
        rc, out = run(path)
        check('good passes', rc == 0 and 'style: 1 passed, 0 failed' in out,
              out)
        with open(path, 'w') as f:
            f.write(GOOD.replace('/* Says why. */', '/* ' + 'w' * 80 + ' */'))
        rc, out = run(path)
        check('81-100 columns warns only', rc == 0 and 'warning: longer '
              'than 80 columns' in out, out)
        for name, text, rule in CASES:
            with open(path, 'w') as f:
                f.write(text)
            rc, out = run(path)
            check(name, rc == 1 and rule in out and
                  'style: 0 passed, 1 failed' in out, out)
    print('style rules: %d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
