"""The package must run on CentOS 7's Python 3.6 with the standard library only (an optional
library is imported only inside `try: ... except ImportError:`)."""

import ast
import os
import re
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Standard library names that appeared after Python 3.6, and syntax the parser below misses.
NEWER_THAN_36 = [
    r"from __future__ import annotations",
    r"\bimport dataclasses\b|\bfrom dataclasses\b",
    r"\bThreadingHTTPServer\b",
    r"\bcreate_server\(",
    r"\bSimpleQueue\b",
    r"\bcapture_output=",
    r"\btext=True\b",
    r"\bnullcontext\b",
    r"\basyncio\.run\(",
    r"\btime_ns\(",
    r"\bimportlib\.resources\b",
    r"\bremoveprefix\(|\bremovesuffix\(",
]


def sources():
    for folder in ("mesos", "examples", "tests"):
        for dirpath, _, files in os.walk(os.path.join(ROOT, folder)):
            for name in sorted(files):
                if name.endswith(".py"):
                    yield os.path.join(dirpath, name)


class CompatibilityTest(unittest.TestCase):
    def test_sources_parse_as_python_3_6(self):
        if sys.version_info < (3, 8):
            self.skipTest("ast feature_version needs Python 3.8; this is %s (running here is the test)" % sys.version)
        files = list(sources())
        self.assertGreater(len(files), 10)
        for path in files:
            with open(path, encoding="utf-8") as f:
                ast.parse(f.read(), path, feature_version=(3, 6))

    def test_no_library_features_newer_than_3_6(self):
        pattern = re.compile("|".join(NEWER_THAN_36))
        for path in sources():
            if os.path.basename(path) == "test_compat.py":
                continue
            with open(path, encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    self.assertIsNone(pattern.search(line), "%s:%d: %s" % (path, number, line.strip()))

    def test_only_the_standard_library_is_imported(self):
        allowed_local = {"mesos", "fake_server", "test_scheduler"}
        for path in sources():
            with open(path, encoding="utf-8") as f:
                tree = ast.parse(f.read(), path)
            optional = _optional_imports(tree)
            for node in ast.walk(tree):
                if node in optional:
                    continue
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top in allowed_local:
                        continue
                    self.assertTrue(_is_stdlib(top), "%s imports %s" % (path, name))


def _optional_imports(tree):
    """Import statements in the body of a `try` that handles ImportError."""
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try):
            continue
        handled = [h.type for h in node.handlers]
        if not any(isinstance(t, ast.Name) and t.id in ("ImportError", "ModuleNotFoundError") for t in handled):
            continue
        for statement in node.body:
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                found.add(statement)
    return found


def _is_stdlib(name):
    if name in sys.builtin_module_names:
        return True
    names = getattr(sys, "stdlib_module_names", None)  # Python 3.10+
    if names is not None:
        return name in names
    import importlib.util
    spec = importlib.util.find_spec(name)
    return spec is not None and spec.origin is not None and "site-packages" not in spec.origin


if __name__ == "__main__":
    unittest.main()
