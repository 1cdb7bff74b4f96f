"""presets.py - the commented presets of the shipped policies.

A preset is a header line `# preset NAME: why, and what it trusts` followed
by YAML lines commented with "# " at the header's indentation, up to the
next line that is not (a blank line, or YAML). Enabling one removes those
"# ", exactly as a user would. Used by the review fixtures
(NAME.preset) and by `test/e2e/cluster up --preset NAME`.
"""
import os
import re

PRESET = re.compile(r"^(\s*)# preset ([a-z0-9-]+): \S")


def enable(src, dst, presets):
    """Copy the *.yaml / *.yml of src to dst with each preset of presets
    uncommented; returns {preset: number of blocks found}."""
    found = {p: 0 for p in presets}
    for fname in sorted(os.listdir(src)):
        if not fname.endswith((".yaml", ".yml")):
            continue
        out, inside = [], None
        with open(os.path.join(src, fname)) as f:
            for line in f:
                m = PRESET.match(line)
                if m:
                    inside = m.group(1) if m.group(2) in found else None
                    if inside is not None:
                        found[m.group(2)] += 1
                elif inside is not None and line.startswith(inside + "# "):
                    line = inside + line[len(inside) + 2:]
                else:
                    inside = None
                out.append(line)
        with open(os.path.join(dst, fname), "w") as f:
            f.writelines(out)
    return found
