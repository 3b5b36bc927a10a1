"""Entry script of the PyInstaller bundle: the ``modelgraft`` command (``modelgraft.cli.main``).

Inside the bundle ``sys.executable`` is this program, and ModelGraft runs
``sys.executable -c CODE ARGS`` to reload an export in a fresh process (``export --verify``).
So, as ``python -c`` would, ``-c CODE`` runs CODE with ``sys.argv == ["-c", *ARGS]``, before
``modelgraft`` is imported. The ``modelgraft`` command itself has no ``-c`` option.
"""

from __future__ import annotations

import sys


def main() -> int:
    """Run ``-c CODE`` like an interpreter, anything else as the ``modelgraft`` command."""
    if len(sys.argv) > 2 and sys.argv[1] == "-c":
        code = sys.argv[2]
        sys.argv = ["-c", *sys.argv[3:]]
        exec(compile(code, "<string>", "exec"), {"__name__": "__main__"})  # noqa: S102
        return 0
    from modelgraft.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    raise SystemExit(main())
