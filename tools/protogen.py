#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""protogen: the Cairn protocol compiler.

    protogen.py proto/NAME.proto --out-dir DIR

reads one protocol (the language is in docs/protocols.md) and writes
DIR/NAME.h and DIR/NAME.c. A mistake in the input is reported as
`FILE:LINE:COL: error: MESSAGE` on stderr with exit status 1, and nothing
is written.

This is only the command; the compiler is the package beside it,
tools/protogen/ (its __init__.py lists the stages).
"""
import os
import sys

# The package next to this file, whatever the working directory or -P;
# and no __pycache__ in the source tree when the build runs us.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
from protogen.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
