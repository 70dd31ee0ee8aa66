"""The command line: the only place that prints and exits.

Library errors become one line on stderr and an exit code: 2 for a bad spec or flag, 1 for a
runtime failure, 130 on Ctrl-C; never a traceback (``--debug`` or ``LRSCHED_DEBUG=1`` shows
one, for bug reports).
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from lrsched import __version__
from lrsched.errors import LrschedError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _LazyGroup(click.Group):
    """Imports a command's module only when that command runs (start-up is part of the
    product: `lrsched table` must not pay for plot's or simulate's imports)."""

    COMMANDS = {
        "table": ("lrsched.commands.table", "table"),
        "plot": ("lrsched.commands.plot", "plot"),
        "simulate": ("lrsched.commands.simulate", "simulate"),
        "list": ("lrsched.commands.list_cmd", "list_"),
    }

    def list_commands(self, ctx):
        return [name for name in self.COMMANDS if self.get_command(ctx, name) is not None]

    def get_command(self, ctx, name):
        if name not in self.COMMANDS:
            return None
        module_name, attr = self.COMMANDS[name]
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:   # a command still being built is simply absent
                raise
            return None
        return getattr(module, attr)


@click.group(context_settings=CONTEXT, cls=_LazyGroup)
@click.version_option(__version__, "-V", "--version", prog_name="lrsched")
@click.option("--debug", is_flag=True, hidden=True, help="Show tracebacks (for bug reports).")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Explore PyTorch learning-rate schedules and optimizers, exactly.

    Specs are YAML files that use torch's own class and keyword names; see `lrsched list`.
    """
    if debug:
        os.environ["LRSCHED_DEBUG"] = "1"


def _debug() -> bool:
    return os.environ.get("LRSCHED_DEBUG", "") not in ("", "0") or "--debug" in sys.argv[1:]


def _error(message: str) -> None:
    try:
        click.echo(f"error: {message}", err=True)
    except (BrokenPipeError, OSError):
        pass


def main(argv=None) -> None:
    """Console entry point."""
    code = 0
    try:
        cli.main(args=argv, prog_name="lrsched", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.Abort:
        _error("interrupted")
        code = 130
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except LrschedError as exc:
        if _debug():
            raise
        _error(str(exc))
        code = exc.exit_code
    except KeyboardInterrupt:
        if _debug():
            raise
        _error("interrupted")
        code = 130
    except BrokenPipeError:
        # the reader went away (`lrsched table | head`): stop quietly, like cat does
        _silence_stdout()
        code = 0
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    except (OSError, ValueError):
        pass
    sys.exit(code)


def _silence_stdout() -> None:
    # Python flushes stdout again at exit; point it at devnull so that flush cannot fail.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
