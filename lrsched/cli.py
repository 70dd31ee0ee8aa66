"""The command line: the only place that prints and exits.

Library errors become one line on stderr and an exit code: 2 for a bad spec or flag, 1 for a
runtime failure (or a bug: "internal error"), 130 on Ctrl-C, 128+N on SIGTERM/SIGHUP, 0 when
stdout's reader goes away (``| head``); never a traceback (``--debug`` anywhere on the line,
or ``LRSCHED_DEBUG=1``, prints one above the same error line, with the same exit code).
"""

from __future__ import annotations

import importlib
import os
import sys
import warnings

try:   # the C module: signal.py only adds enums, for 0.6 ms of start-up
    import _signal as signal
except ImportError:   # pragma: no cover - other interpreters
    import signal

import click

from lrsched import __version__
from lrsched.errors import LrschedError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _LazyGroup(click.Group):
    """Imports a command's module only when that command runs (start-up is part of the
    product: `lrsched table` must not pay for plot's or simulate's imports, `lrsched --help`
    for anyone's).  Each command: its module, its name there, and its summary for the group's
    help, which a test holds to the command's own."""

    COMMANDS = {
        "table": ("lrsched.commands.table", "table",
                  "Print the learning rate of every epoch."),
        "plot": ("lrsched.commands.plot", "plot",
                 "Plot the learning rate (and momentum, where cycled) of every schedule."),
        "simulate": ("lrsched.commands.simulate", "simulate",
                     "Run torch optimizers on a 2-D test function, exactly, and report every run."),
        "list": ("lrsched.commands.list_cmd", "list_",
                 "List schedulers, optimizers and test functions; NAME shows one of them in full."),
    }

    def list_commands(self, ctx):
        return list(self.COMMANDS)

    def get_command(self, ctx, name):
        if name not in self.COMMANDS:
            return None
        module_name, attr, _summary = self.COMMANDS[name]
        return getattr(importlib.import_module(module_name), attr)

    def format_commands(self, ctx, formatter):
        """click's own command list, made from stand-ins that carry only the summaries."""
        stand_ins = {name: click.Command(name, help=summary)
                     for name, (_module, _attr, summary) in self.COMMANDS.items()}
        _Listing(commands=stand_ins).format_commands(ctx, formatter)


class _Listing(click.Group):
    """Lists its commands in the order given (click.Group sorts them)."""

    def list_commands(self, ctx):
        return list(self.commands)


@click.group(context_settings=CONTEXT, cls=_LazyGroup)
@click.version_option(__version__, "-V", "--version", prog_name="lrsched")
@click.option("--debug", is_flag=True, hidden=True, help="Show tracebacks (for bug reports).")
def cli(debug: bool) -> None:
    """Explore PyTorch learning-rate schedules and optimizers, exactly.

    Specs are YAML files that use torch's own class and keyword names; see `lrsched list`.
    """
    # --debug is taken out of the arguments by main() wherever it is given; kept here so
    # that `lrsched --debug ...` also parses when the group is invoked directly.


class _Interrupted(Exception):
    """Ctrl-C during a command.  Not a KeyboardInterrupt, which click's main() would turn
    into Abort after printing a blank line."""


class _ReaderGone(Exception):
    """stdout's reader went away (``lrsched table | head -1``).  Not an OSError, which
    click's main() would turn into exit code 1."""


def _invoke_guarded(invoke):
    def guarded(self, ctx):
        try:
            return invoke(self, ctx)
        except KeyboardInterrupt as exc:
            raise _Interrupted() from exc
        except BrokenPipeError as exc:
            raise _ReaderGone() from exc
    return guarded


_LazyGroup.invoke = _invoke_guarded(click.Group.invoke)


class _Terminate(BaseException):
    """SIGTERM/SIGHUP, raised by the handler main() installs (a BaseException, like
    KeyboardInterrupt, so that only cleanup code sees it on its way out)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_SIGNAL_NAMES = {getattr(signal, n): n for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)}


def _on_signal(signum, frame):
    raise _Terminate(signum)


def _install_handlers() -> dict:
    """SIGTERM and SIGHUP end a run like Ctrl-C does: through the code that removes a
    half-written temporary file (the default action would kill the process on the spot)."""
    previous = {}
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is None:
            continue
        try:
            previous[signum] = signal.signal(signum, _on_signal)
        except (ValueError, OSError):   # not the main thread: leave signals alone
            pass
    return previous


def _restore_handlers(previous: dict) -> None:
    for signum, handler in previous.items():
        try:
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        except (ValueError, OSError, TypeError):
            pass


def _take_debug(args: list) -> tuple[list, bool]:
    """``--debug`` anywhere before ``--`` (it is hidden; users paste it where they like)."""
    end = args.index("--") if "--" in args else len(args)
    debug = "--debug" in args[:end]
    if debug:
        args = [a for a in args[:end] if a != "--debug"] + args[end:]
    return args, debug or os.environ.get("LRSCHED_DEBUG", "") not in ("", "0")


def _error(message: str) -> None:
    """One ``error:`` line on stderr, whatever the message holds."""
    line = " ".join(str(message).split("\n")).rstrip()
    try:
        sys.stderr.write(f"error: {line}\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass


def _traceback() -> None:
    import traceback   # only on the --debug path: start-up is part of the product

    try:
        traceback.print_exc()
    except (OSError, ValueError, AttributeError):
        pass


def _click_message(exc: click.ClickException) -> str:
    """A click error as one line: ``--epochs: must be ...``, ``no such option: --epoch ...``."""
    if isinstance(exc, click.BadParameter) and exc.param is not None and exc.param_hint is None:
        param = exc.param
        opts = getattr(param, "opts", None) if param.param_type_name == "option" else None
        hint = max(opts, key=len) if opts else param.human_readable_name
        message = f"{hint}: {exc.message}"
    else:
        message = exc.format_message()
        if message[:1].isupper() and not message[1:2].isupper():
            message = message[0].lower() + message[1:]
    message = message.rstrip(".")
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.UsageError) and ctx is not None and not isinstance(exc, click.BadParameter):
        message += f" (see '{ctx.command_path} --help')"
    return message


def main(argv=None) -> None:
    """Console entry point: run one command and exit with its code (module docstring)."""
    args, debug = _take_debug(list(sys.argv[1:] if argv is None else argv))
    previous = _install_handlers()
    try:
        code = _run(args, debug)
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()
        except OSError as exc:
            _error(f"cannot write to standard output: {exc.strerror or exc}")
            code = code or 1
        except (ValueError, AttributeError):
            pass
    except KeyboardInterrupt:   # Ctrl-C while the last output is flushed
        _error("interrupted")
        code = 130
    except _Terminate as exc:   # a signal while reporting: still no traceback
        code = 128 + exc.signum
    finally:
        _restore_handlers(previous)
    sys.exit(code)


def _run(args: list, debug: bool) -> int:
    # Python warnings (NumPy's "overflow encountered in multiply"...) are for developers: the
    # user gets lrsched's own message about the result (or --debug shows them too).
    with warnings.catch_warnings():
        if not debug:
            warnings.simplefilter("ignore")
        return _run_command(args, debug)


def _run_command(args: list, debug: bool) -> int:
    try:
        rv = cli.main(args=args, prog_name="lrsched", standalone_mode=False)
        # standalone_mode=False returns ctx.exit()'s code (--help, --version) or the
        # command's own return value (None)
        return rv if isinstance(rv, int) and not isinstance(rv, bool) else 0
    except _ReaderGone:
        # the reader went away (`lrsched table | head`): stop quietly, like cat does
        _silence_stdout()
        return 0
    except (_Interrupted, click.Abort, KeyboardInterrupt):
        if debug:
            _traceback()
        _error("interrupted")
        return 130
    except _Terminate as exc:
        if debug:
            _traceback()
        _error(f"terminated by signal {_SIGNAL_NAMES.get(exc.signum, exc.signum)}")
        return 128 + exc.signum
    except _NoArgsIsHelp as exc:
        exc.show()
        return exc.exit_code
    except click.ClickException as exc:
        if debug:
            _traceback()
        _error(_click_message(exc))
        return exc.exit_code
    except LrschedError as exc:
        if debug:
            _traceback()
        _error(str(exc))
        return exc.exit_code
    except MemoryError:
        if debug:
            _traceback()
        _error("out of memory (fewer epochs or param groups will fit)")
        return 1
    except Exception as exc:   # a bug: still one line, and the way to the traceback
        if debug:
            _traceback()
        _error(f"internal error: {type(exc).__name__}: {exc} (a bug in lrsched {__version__}; "
               "run again with --debug for the traceback, and please report it)")
        return 1


_NoArgsIsHelp = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _silence_stdout() -> None:
    # Python flushes stdout again at exit; point it at devnull so that flush cannot fail.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
