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
