#!/usr/bin/env python3
"""Checks the workspace's layering rules (see docs/architecture.md).

- A core crate depends only on the handset crates listed for it.
- Sans-IO core crates have no tokio (or async-std, mio) anywhere in their normal dependency tree.
- Each sans-IO core crate has a clippy.toml that disallows reading the clock and sleeping.

Run from the repository root: python3 tools/check_deps.py
"""
import json
import pathlib
import subprocess
import sys

# crate -> the handset crates it may depend on
ALLOWED = {
    "handset-sip": set(),
    "handset-sdp": set(),
    "handset-codec": set(),
    "handset-config": set(),
    "handset-media": {"handset-codec"},
    "handset-phone": {"handset-sip", "handset-sdp", "handset-codec", "handset-media", "handset-config"},
    "handset-provision": {"handset-sip", "handset-sdp", "handset-codec", "handset-media",
                          "handset-config", "handset-phone"},
}
SANS_IO = set(ALLOWED)
ASYNC_RUNTIMES = {"tokio", "async-std", "mio", "smol"}
DISALLOWED_METHODS = ["std::time::Instant::now", "std::time::SystemTime::now", "std::thread::sleep"]


def main() -> int:
    meta = json.loads(subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked"],
        check=True, capture_output=True, text=True).stdout)
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    members = {packages[i]["name"]: i for i in meta["workspace_members"]}
    problems = []

    def normal_deps(node_id):
        for dep in nodes[node_id]["deps"]:
            if any(k["kind"] is None for k in dep["dep_kinds"]):
                yield dep["pkg"]

    for name, pkg_id in sorted(members.items()):
        if name not in ALLOWED:
            continue
        direct = {packages[d]["name"] for d in normal_deps(pkg_id)}
        for dep in sorted(d for d in direct if d.startswith("handset") and d not in ALLOWED[name]):
            problems.append(f"{name} must not depend on {dep}")
        if name in SANS_IO:
            seen, stack = set(), [pkg_id]
            while stack:
                current = stack.pop()
                for dep in normal_deps(current):
                    if dep not in seen:
                        seen.add(dep)
                        stack.append(dep)
            for dep in sorted({packages[d]["name"] for d in seen} & ASYNC_RUNTIMES):
                problems.append(f"{name} is sans-IO but has {dep} in its dependency tree")
            manifest_dir = pathlib.Path(packages[pkg_id]["manifest_path"]).parent
            clippy = manifest_dir / "clippy.toml"
            text = clippy.read_text() if clippy.exists() else ""
            for method in DISALLOWED_METHODS:
                if f'"{method}"' not in text:
                    problems.append(f"{clippy}: must disallow {method}")

    for p in problems:
        print(f"layering: {p}", file=sys.stderr)
    checked = sorted(set(members) & set(ALLOWED))
    print(f"layering: {len(checked)} core crate(s) checked ({', '.join(checked)}), "
          f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
