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
    read), and the directory transformers was imported from."""
    import os

    import torch
    import transformers

    roots = [
        os.path.dirname(os.path.realpath(transformers.__file__)) + os.sep,
        os.path.dirname(os.path.realpath(torch.__file__)) + os.sep,
        os.path.dirname(os.path.realpath(__file__)) + os.sep,
    ]
    files = set()
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not path or not path.endswith(".py"):
            continue
        path = os.path.realpath(path)
        if any(path.startswith(r) for r in roots):
            files.add(path)
    return json.dumps({"transformers_dir": roots[0][:-1], "files": sorted(files)})
