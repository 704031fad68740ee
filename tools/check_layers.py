#!/usr/bin/env python3
"""Checks the layer rule of design.md: a folder under src/basalt may include only the project
headers of the layers it depends on (its own folder included), and only http/, api/, app/ and
store/postgres/ may include Boost.Beast or <boost/asio.hpp>. Exits 1 listing every violation."""
import os
import re
import sys

ALLOWED = {
    "base": set(),
    "config": {"base"},
    "schema": {"base"},
    "filter": {"base", "schema"},
    "auth": {"base"},
    "mail": {"base"},
    "realtime": {"base"},
    "files": {"base"},
    "store": {"base", "schema", "filter"},
    "store/sqlite": {"base", "schema", "filter", "store"},
    "store/postgres": {"base", "schema", "filter", "store"},
    "service": {"base", "schema", "filter", "store", "auth", "realtime", "mail", "files"},
    "http": {"base"},
    "api": {"base", "http", "service", "schema", "auth", "filter", "store"},
    "app": None,  # the composition root may include everything
}
HEAVY_OK = {"http", "api", "app", "store/postgres"}
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^">]+)[">]')


def layer_of(rel):
    parts = rel.split(os.sep)
    if len(parts) >= 2 and parts[0] == "store" and parts[1] in ("sqlite", "postgres"):
        return "store/" + parts[1]
    return parts[0]


def main(root):
    errors = []
    for dirpath, _, files in os.walk(root):
        for name in files:
            if not name.endswith((".hpp", ".cpp")):
                continue
            path = os.path.join(dirpath, name)
            layer = layer_of(os.path.relpath(path, root))
            if layer not in ALLOWED:
                errors.append(f"{path}: unknown layer '{layer}'")
                continue
            allowed = ALLOWED[layer]
            is_test = name.endswith("_test.cpp")
            with open(path, encoding="utf-8") as f:
                for lineno, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    inc = m.group(1)
                    if inc.startswith("basalt/"):
                        target = layer_of(inc[len("basalt/"):].rsplit("/", 1)[0] + "/x")
                        if "/internal/" in inc and not inc.startswith(f"basalt/{layer}/"):
                            errors.append(f"{path}:{lineno}: includes another folder's internal header {inc}")
                        if allowed is None or target == layer or target in allowed or is_test:
                            continue
                        errors.append(f"{path}:{lineno}: layer '{layer}' may not include {inc}")
                    elif (inc.startswith("boost/beast") or inc == "boost/asio.hpp") and layer not in HEAVY_OK:
                        errors.append(f"{path}:{lineno}: only http/api/app may include {inc}")
    for e in errors:
        print(e)
    if errors:
        print(f"check_layers: {len(errors)} violation(s)")
        return 1
    print("check_layers: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "src/basalt"))
