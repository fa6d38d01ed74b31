"""Command line: launch the window, or compute / picture a batch without one.

``lossgui`` opens the window; ``--print`` computes the loss without Qt;
``--screenshot`` renders the window offscreen into a PNG; ``--list-presets``
lists the worked examples. A batch comes from a preset, a file (``--open``,
``--target``) or a saved session (positional FILE), and loss options on the
command line are applied to it exactly as the options panel would.

Every problem is one sentence on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

import numpy as np

from lossgui.document import Document, EditError
from lossgui.wording import counted

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

__all__ = ["CliError", "build_document", "main", "needs_display_message"]

USAGE_ERROR = 2


class CliError(Exception):
    """A problem with the command line or its files, said in one sentence."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad option in one line instead of usage + error."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: {message} (see {self.prog} --help).\n")


def _floats(text: str) -> tuple[float, ...]:
    """Parse ``"1,2,3"`` (a per-class vector) into floats."""
    try:
        return tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of numbers"
        ) from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``lossgui`` / ``lossgui-cli``."""
    parser = _Parser(
        prog="lossgui",
        description="See what PyTorch's classification losses do with your numbers.",
        epilog="Without a display: lossgui --print, lossgui --screenshot out.png, "
        "or run the window under xvfb-run.",
    )
    parser.add_argument("file", nargs="?", metavar="FILE", help="a saved .lossgui.json session")
    source = parser.add_argument_group("what to show")
    source.add_argument("--preset", metavar="NAME", help="start from a worked example")
    source.add_argument("--open", metavar="PATH", help="open logits (and targets) from a file")
    source.add_argument("--target", metavar="PATH", help="targets for --open, from another file")
    source.add_argument("--list-presets", action="store_true", help="list the worked examples")
    options = parser.add_argument_group("loss options (as torch.nn.functional names them)")
    options.add_argument("--loss", metavar="NAME", help="e.g. cross_entropy, nll_loss, kl_div")
    options.add_argument("--weight", type=_floats, metavar="W1,W2,...", help="class weights")
    options.add_argument("--ignore-index", type=int, metavar="N", help="target to skip")
    options.add_argument("--reduction", metavar="NAME", help="none, mean, sum or batchmean")
    options.add_argument("--label-smoothing", type=float, metavar="EPS", help="in [0, 1]")
    options.add_argument("--pos-weight", type=_floats, metavar="P1,P2,...", help="per class")
    options.add_argument("--transform", metavar="NAME", help="none, sigmoid or log_softmax")
    options.add_argument("--dtype", choices=("float32", "float64"), help="compute precision")
    output = parser.add_argument_group("output without a window")
    output.add_argument("--print", action="store_true", help="print the loss and per-sample losses")
    output.add_argument("--screenshot", metavar="OUT.png", help="write a PNG of the window, exit")
    output.add_argument("--size", metavar="WxH", help="screenshot size (default 1440x900)")
    output.add_argument(
        "--pytorch", action="store_true", help="print a PyTorch script that computes this loss"
    )
    output.add_argument(
        "--numpy", action="store_true", help="print the same script using lossgui.core"
    )
    return parser


# ------------------------------------------------------------------ documents


def _base_document(args: argparse.Namespace) -> Document:
    """The Document before command-line options: preset, file, session or default."""
    chosen = [flag for flag, value in (("--preset", args.preset), ("--open", args.open),
                                       ("FILE", args.file)) if value]
    if len(chosen) > 1:
        raise CliError(f"choose one of {' / '.join(chosen)}, not several")
    if args.target and not args.open:
        raise CliError("--target gives the targets of --open PATH; add --open")
    if args.preset:
        from lossgui.presets_doc import preset_document

        return preset_document(args.preset)
    if args.open:
        return _open_file(args)
    if args.file:
        return _open_session(args.file)
    from lossgui.document_convert import default_document

    return default_document()


def _open_file(args: argparse.Namespace) -> Document:
    try:
        from lossgui.loaders import load_document
    except ImportError as err:
        raise CliError(f"opening files is not available in this build ({err})") from None
    try:
        return load_document(
            args.open, args.target, loss=args.loss, ignore_index=args.ignore_index
        )
    except (OSError, ValueError) as err:
        raise CliError(str(err)) from None


def _open_session(path: str) -> Document:
    try:
        from lossgui.session import load_session
    except ImportError as err:
        raise CliError(f"sessions cannot be opened in this build ({err})") from None
    try:
        document, _view = load_session(path)
    except (OSError, ValueError) as err:
        raise CliError(f"cannot open {path}: {err}") from None
    return document


def build_document(args: argparse.Namespace) -> Document:
    """The Document the command line describes, options applied; CliError if refused."""
    try:
        doc = _base_document(args)
        if args.loss and doc.loss != args.loss:
            doc = doc.with_loss(args.loss)
        edits = (
            ("weight", args.weight),
            ("ignore_index", args.ignore_index),
            ("reduction", args.reduction),
            ("label_smoothing", args.label_smoothing),
            ("pos_weight", args.pos_weight),
        )
        for name, value in edits:
            if value is not None:
                doc = doc.with_option(name, value)
        if args.transform is not None:
            doc = doc.with_transform(args.transform)
        if args.dtype is not None:
            doc = doc.with_dtype(args.dtype)
    except EditError as err:
        raise CliError(str(err)) from None
    except ValueError as err:  # unknown preset or loss name
        raise CliError(str(err)) from None
    return doc


# --------------------------------------------------------------------- output


def print_presets() -> None:
    """One preset a line: its name, then what it shows."""
    from lossgui.core.presets import PRESETS

    width = max(len(name) for name in PRESETS)
    for name, preset in PRESETS.items():
        print(f"{name:<{width}}  {preset.description}")


# Up to this many rows --print lists every row; beyond it, the worst ones.
_LIST_ALL_ROWS = 20
_WORST_SHOWN = 10


def print_evaluation(doc: Document, summary: bool = False) -> int:
    """Print ``loss = <value>`` then the per-sample losses; 1 when PyTorch would refuse.

    Small batches list every row; large ones (or ``summary``) list the ten
    highest per-sample losses with their indices, worst first.
    """
    from lossgui.core.evaluate import evaluate

    try:
        result = evaluate(
            doc.loss, doc.logits, doc.target, doc.options,
            transform=doc.transform, dtype=doc.dtype, input2=doc.input2,
        )
    except (ValueError, IndexError, TypeError, ArithmeticError) as err:
        print(f"lossgui: PyTorch would refuse this: {err}", file=sys.stderr)
        return 1
    print(f"loss = {result.value!r}")
    print(f"{doc.spec.label}, reduction {result.reduction}: {result.explanation}")
    if summary or doc.rows > _LIST_ALL_ROWS:
        losses = np.where(result.ignored, -np.inf, np.nan_to_num(result.row_loss, nan=np.inf))
        worst = np.argsort(-losses, kind="stable")[:_WORST_SHOWN]
        print(
            f"{counted(doc.rows, 'sample')}; the {len(worst)} highest per-sample losses "
            "(index: loss):"
        )
        rows = [int(r) for r in worst]
    else:
        print("per-sample losses:")
        rows = list(range(doc.rows))
    for row in rows:
        value = "ignored" if result.ignored[row] else repr(float(result.row_loss[row]))
        print(f"  {doc.row_label(row)}: {value}")
    return 0


def print_snippet(doc: Document, language: str) -> int:
    """Print the PyTorch (or lossgui.core) script that reproduces ``doc``'s value."""
    from lossgui.codegen import numpy_snippet, pytorch_snippet

    make = pytorch_snippet if language == "pytorch" else numpy_snippet
    print(make(doc), end="")
    return 0


def needs_display_message() -> str | None:
    """Why the window cannot open here (Linux without a display), or None."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "lossgui: no display found (DISPLAY and WAYLAND_DISPLAY are unset), so the window "
        "cannot open; use 'lossgui --print' for the numbers, 'lossgui --screenshot out.png' "
        "for a picture, or run it under 'xvfb-run lossgui'."
    )


def _qt_message(_mode: object, _context: object, message: str) -> None:
    # The offscreen platform says this once per window; it is noise, not a problem.
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def _qt_app():
    """The QApplication, created once (Qt is only imported when a window is needed)."""
    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        qInstallMessageHandler(_qt_message)
        app = QApplication(sys.argv[:1])
        app.setApplicationName("lossgui")
        app.setOrganizationName("lossgui")
    return app


def take_screenshot(doc: Document, path: str, size_text: str | None) -> int:
    """Render the window offscreen with ``doc`` and write a PNG; 0 on success."""
    # Offscreen unless the user chose a platform: no window flashes up, no display needed.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from lossgui.qt.export import export_window_png, parse_size
    from lossgui.qt.main_window import DEFAULT_SIZE, MainWindow
    from lossgui.qt.state import AppState

    try:
        size = parse_size(size_text) if size_text else DEFAULT_SIZE
    except ValueError as err:
        raise CliError(str(err)) from None
    app = _qt_app()
    window = MainWindow(AppState(doc), restore=False, with_session=False)
    window.resize(*size)
    window.show()
    app.processEvents()
    try:
        out = export_window_png(window, path, size)
    except OSError as err:
        raise CliError(str(err)) from None
    finally:
        window.close_without_asking()
        _dispose(window)
    print(f"wrote {out}")
    return 0


def _dispose(window: QWidget) -> None:
    """Destroy ``window`` now, while Qt and Python are both fully alive.

    Left to interpreter exit, PySide destroys the remaining widgets after
    Python has started finalising, and pyqtgraph's graphics items call back
    into Python from their destructors: a segmentation fault at exit.
    """
    from PySide6.QtCore import QCoreApplication, QEvent

    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def launch(doc: Document, session_path: str | None = None) -> int:
    """Open the window on ``doc`` and run the event loop.

    With ``session_path`` (a session opened unchanged), the window takes that
    file as its own, so Save writes back to it.
    """
    message = needs_display_message()
    if message:
        print(message, file=sys.stderr)
        return USAGE_ERROR
    app = _qt_app()
    from lossgui.qt.main_window import MainWindow
    from lossgui.qt.session_recent import default_settings
    from lossgui.qt.state import AppState

    # The window remembers its size, place and panels between runs in lossgui's settings.
    window = MainWindow(AppState(doc), settings=default_settings())
    if session_path and window.session is not None:
        window.session.open_path(session_path, confirm=False)
    window.fit_to_screen()
    window.show()
    _close_on_ctrl_c(window)
    status = int(app.exec())
    _dispose(window)
    return status


def _close_on_ctrl_c(window: QWidget) -> None:
    """Ctrl+C in the terminal closes the window as its close button would (asking to save).

    Python only sees the signal when it runs, so a timer lets it run a few times a second.
    """
    import signal

    from PySide6.QtCore import QTimer

    signal.signal(signal.SIGINT, lambda *_: window.close())
    timer = QTimer(window)
    timer.timeout.connect(lambda: None)
    timer.start(250)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``lossgui``, ``lossgui-cli`` and ``python -m lossgui``."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, or a bad option already reported in one line
        return int(stop.code or 0)
    try:
        if args.list_presets:
            print_presets()
            return 0
        if args.size and not args.screenshot:
            raise CliError("--size sets the size of --screenshot; add --screenshot OUT.png")
        doc = build_document(args)
        if args.pytorch or args.numpy:
            return print_snippet(doc, "pytorch" if args.pytorch else "numpy")
        if args.print or args.screenshot:
            status = print_evaluation(doc, summary=args.open is not None) if args.print else 0
            if args.screenshot:
                status = take_screenshot(doc, args.screenshot, args.size) or status
            return status
        changed = any(
            value is not None
            for value in (args.loss, args.weight, args.ignore_index, args.reduction,
                          args.label_smoothing, args.pos_weight, args.transform, args.dtype)
        )
        return launch(doc, args.file if args.file and not changed else None)
    except CliError as err:
        message = str(err).rstrip(".")
        print(f"lossgui: {message}.", file=sys.stderr)
        return USAGE_ERROR
