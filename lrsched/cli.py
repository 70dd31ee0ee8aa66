"""The command line: the only place that prints and exits.

Library errors become one line on stderr and an exit code: 2 for a bad spec or flag, 1 for a
runtime failure (or a bug: "internal error"), 130 on Ctrl-C, 128+N on SIGTERM/SIGHUP, 0 when
stdout's reader goes away (``| head``); never a traceback (``--debug`` anywhere on the line,
or ``LRSCHED_DEBUG=1``, prints one above the same error line, with the same exit code).

Signals are the first thing this module sets up: the ``lrsched`` script imports it before it
calls :func:`main`, and a Ctrl-C while click, or a command's NumPy, is still being imported
must end in the same one line.  While a command runs, a signal is raised where the command is
(so that it removes a half-written file) and reported by the error boundary; at any other
moment there is nothing to clean up, and the lrsched program ends at once.
"""

from __future__ import annotations

import _thread
import os
import sys

try:   # the C module: signal.py only adds enums, for 0.6 ms of start-up
    import _signal as signal
except ImportError:   # pragma: no cover - other interpreters
    import signal


class _Run:
    """What the signal handler needs to know (a handler is given no arguments of ours)."""

    program = False    # this process is the lrsched program, not one that imports the CLI
    armed = False      # a command is running: it may hold a half-written file to remove
    received = None    # the first SIGINT/SIGTERM/SIGHUP of this run
    said = False       # its error line is out


class _Terminate(BaseException):
    """SIGTERM/SIGHUP while a command runs (a BaseException, like KeyboardInterrupt, so that
    only cleanup code sees it on its way out)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_SIGNAL_NAMES = {getattr(signal, n): n for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n)}


def _error_line(message: str) -> str:
    """``error: MESSAGE`` on one line, whatever the message holds."""
    line = " ".join(str(message).split("\n")).rstrip()
    return f"error: {line}\n"


def _signal_message(signum: int) -> str:
    if signum == signal.SIGINT:
        return "interrupted"
    return f"terminated by signal {_SIGNAL_NAMES.get(signum, signum)}"


def _on_signal(signum, frame):
    """The handler of SIGINT, SIGTERM and SIGHUP (module docstring)."""
    if _Run.received is None:
        _Run.received = signum
    if _Run.program and not _Run.armed:
        if not _Run.said:
            _Run.said = True
            try:   # not sys.stderr: this may run in the middle of a write to it
                os.write(2, _error_line(_signal_message(signum)).encode())
            except OSError:
                pass
        os._exit(128 + signum)
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise _Terminate(signum)


def _on_unraisable(unraisable) -> None:
    """Where Python cannot pass an exception on (a weakref callback, ``__del__``: importlib
    runs one for every module lock), it prints "Exception ignored" and goes on: a signal
    raised there would be lost.  Deliver it again, from another thread so that the handler
    runs once this hook has returned, and raises it at the next line that can pass it on."""
    exc = unraisable.exc_value
    if isinstance(exc, (KeyboardInterrupt, _Terminate)):
        signum = exc.signum if isinstance(exc, _Terminate) else signal.SIGINT
        _thread.start_new_thread(_thread.interrupt_main, (signum,))
        return
    sys.__unraisablehook__(unraisable)


def _install_handlers() -> dict:
    """Route SIGINT, SIGTERM and SIGHUP through :func:`_on_signal` (the default action of
    the last two would kill the process on the spot, leaving a half-written file)."""
    previous = {}
    for signum in _SIGNAL_NAMES:
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


def _started_as_lrsched() -> bool:
    """Whether this process is the lrsched program (``python -m lrsched``, the ``lrsched``
    script) rather than a program that imports the CLI, such as the tests, whose Ctrl-C stays
    theirs outside :func:`main`."""
    main_module = sys.modules.get("__main__")
    spec = getattr(main_module, "__spec__", None)
    if spec is not None:   # python -m NAME
        return spec.name == "lrsched.__main__"
    script = os.path.basename(sys.argv[0]) if sys.argv else ""
    for suffix in (".exe", "-script.pyw", "-script.py"):   # the launchers pip writes on Windows
        script = script.removesuffix(suffix)
    return script == "lrsched"


_Run.program = _started_as_lrsched()
if _Run.program:
    _install_handlers()
    sys.unraisablehook = _on_unraisable

import importlib  # noqa: E402  (after the handlers: see the module docstring)
import warnings  # noqa: E402

import click  # noqa: E402

from lrsched import __version__  # noqa: E402
from lrsched.errors import LrschedError  # noqa: E402

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
        "lint": ("lrsched.commands.lint", "lint",
                 "Check schedules for the mistakes that cost training runs."),
        "export": ("lrsched.commands.export", "export",
                   "Write a spec as a self-contained Python script."),
        "check": ("lrsched.commands.check", "check",
                  "Check a logged run's learning rate against its spec."),
        "list": ("lrsched.commands.list_cmd", "list_",
                 "List schedulers, optimizers and test functions; NAME shows one of them in full."),
    }

    def list_commands(self, ctx):
        return list(self.COMMANDS)

    def get_command(self, ctx, name):
        if name not in self.COMMANDS:
            return None
        module_name, attr, _summary = self.COMMANDS[name]
        # Importing holds nothing to clean up: a signal ends the program there.  Raised, it
        # could be lost: an extension's import turns it into an ImportError that a library
        # may take for a missing optional module.
        armed, _Run.armed = _Run.armed, False
        try:
            module = importlib.import_module(module_name)
        finally:
            _Run.armed = armed
        return getattr(module, attr)

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
            _Run.armed = True   # the command is looked up and runs: a signal is raised in it
            return invoke(self, ctx)
        except KeyboardInterrupt as exc:
            _Run.armed = False   # before any call: a second Ctrl-C must end the program, not escape
            raise _Interrupted() from exc
        except BrokenPipeError as exc:
            _Run.armed = False
            raise _ReaderGone() from exc
        finally:
            _Run.armed = False
    return guarded


_LazyGroup.invoke = _invoke_guarded(click.Group.invoke)


def _take_debug(args: list) -> tuple[list, bool]:
    """``--debug`` anywhere before ``--`` (it is hidden; users paste it where they like)."""
    end = args.index("--") if "--" in args else len(args)
    debug = "--debug" in args[:end]
    if debug:
        args = [a for a in args[:end] if a != "--debug"] + args[end:]
    return args, debug or os.environ.get("LRSCHED_DEBUG", "") not in ("", "0")


def _error(message: str) -> None:
    """One ``error:`` line on stderr."""
    try:
        sys.stderr.write(_error_line(message))
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass


def _report_signal(signum: int) -> int:
    """The one line of a run a signal ended (however many signals arrive); its exit code."""
    if not _Run.said:
        _Run.said = True
        _error(_signal_message(signum))
    return 128 + signum


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
    _Run.received, _Run.said = None, False
    previous = _install_handlers()
    try:
        try:
            args, debug = _take_debug(list(sys.argv[1:] if argv is None else argv))
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
            if _Run.received is not None:   # a signal a library caught, or turned into another error
                code = _report_signal(_Run.received)
        finally:
            _restore_handlers(previous)
    except KeyboardInterrupt:   # a signal while reporting (in-process: the lrsched program has ended)
        code = _report_signal(signal.SIGINT)
    except _Terminate as exc:
        code = _report_signal(exc.signum)
    if _Run.program and _Run.said:
        # A signal ended the run and all is said: end here.  CPython would die of SIGINT at
        # exit instead of exiting with 130 if the KeyboardInterrupt once passed through an
        # eval() of a string (NumPy's import runs namedtuple's), handled or not.
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        os._exit(code)
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
    except _NoArgsIsHelp as exc:
        exc.show()
        return exc.exit_code
    except (Exception, KeyboardInterrupt, _Terminate) as exc:
        if debug:
            _traceback()
        signum = _signal_of(exc)
        if signum is not None:
            return _report_signal(signum)
        message, code = _failure(exc)
        _error(message)
        return code


_NoArgsIsHelp = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _signal_of(exc: BaseException) -> int | None:
    """The signal that ended the run, if one did: the exception it raised, or the one an
    extension module made of it (importing NumPy turns a KeyboardInterrupt into an ImportError)."""
    if isinstance(exc, (_Interrupted, click.Abort, KeyboardInterrupt)):
        return signal.SIGINT
    if isinstance(exc, _Terminate):
        return exc.signum
    return _Run.received


def _failure(exc: Exception) -> tuple[str, int]:
    """The error line and exit code of a run that raised ``exc``."""
    if isinstance(exc, click.ClickException):
        return _click_message(exc), exc.exit_code
    if isinstance(exc, LrschedError):
        return str(exc), exc.exit_code
    if isinstance(exc, MemoryError):
        return "out of memory (fewer epochs or param groups will fit)", 1
    # a bug: still one line, and the way to the traceback
    return (f"internal error: {type(exc).__name__}: {exc} (a bug in lrsched {__version__}; "
            "run again with --debug for the traceback, and please report it)"), 1


def _silence_stdout() -> None:
    # Python flushes stdout again at exit; point it at devnull so that flush cannot fail.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
