"""What interpreter and libraries the host embeds."""

import json
import sys


def versions():
    import torch
    import transformers

    return json.dumps(
        {
            "python": sys.version.split()[0],
            "executable": sys.executable,
            "prefix": sys.prefix,
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "transformers_file": transformers.__file__,
        }
    )


def loaded_sources():
    """JSON {transformers_dir, files}: the source file of every module loaded so far from the
    transformers and torch packages and from these helpers (what an analysis so far can have
    read), as imported (a symlink's target is what stat sees), and the directory transformers was
    imported from (its real path)."""
    import os

    import torch
    import transformers

    packages = [os.path.dirname(os.path.abspath(m.__file__)) for m in (transformers, torch)]
    packages.append(os.path.dirname(os.path.abspath(__file__)))
    roots = [p + os.sep for p in packages] + [os.path.realpath(p) + os.sep for p in packages]
    files = set()
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            continue
        path = os.path.abspath(path)
        if any(path.startswith(r) for r in roots):
            files.add(path)
    return json.dumps({"transformers_dir": os.path.realpath(packages[0]), "files": sorted(files)})
