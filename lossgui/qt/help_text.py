"""The Help menu and the window's notices: about, what each loss computes, warnings.

The loss descriptions come from the registry (one summary and the options
per loss), so a loss added there is described here without another edit.
Every dialog here is non-modal (``open``/``show``, never ``exec``): the window
and its event loop keep running, and scripted runs never block on them.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMessageBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from lossgui import __version__
from lossgui.core.registry import LOSSES

__all__ = [
    "WIDGET_KEYS",
    "about_html",
    "losses_html",
    "shortcuts_html",
    "show_about",
    "show_html",
    "show_warning",
]

#: Keys that belong to one widget rather than to a menu: (keys, what they do, where).
WIDGET_KEYS: tuple[tuple[str, str, str], ...] = (
    ("F2, or start typing", "Edit the current cell; Enter commits, Esc cancels", "Grid"),
    ("Arrow keys, Tab", "Move between cells", "Grid"),
    ("Ctrl+C / Ctrl+V", "Copy the selected cells / paste a block at the current cell", "Grid"),
    ("B", "Paint target classes with the mouse", "Spatial map"),
    ("Ctrl+Shift+W", "Sort the samples by loss, worst first", "Samples"),
    ("Right-click a plot", "Export it (PNG, SVG, CSV), reset its view", "Plots"),
)


def about_html() -> str:
    """Rich text for Help > About."""
    return (
        f"<h3>lossgui {escape(__version__)}</h3>"
        "<p>PyTorch's classification losses, shown live and exactly: every number is "
        "what <code>torch.nn.functional</code> computes for the same arrays and "
        "keywords, including its corners (ignored targets, weighted means, the -100 "
        "clamp of BCELoss).</p>"
        "<p>Type logits and targets into the grid, choose a loss and its options, and "
        "watch the loss, its gradient and the plots follow. File &gt; Presets holds "
        "worked examples; Edit &gt; Copy as PyTorch Code gives a script that "
        "reproduces the value.</p>"
    )


def losses_html() -> str:
    """Rich text for Help > What the Losses Are: one section per registry loss."""
    parts = [
        "<p>Each loss below is the <code>torch.nn.functional</code> function of the same "
        "name (the focal loss is <code>torchvision.ops.sigmoid_focal_loss</code>). "
        "Options are its keywords, with PyTorch's defaults.</p>"
    ]
    for spec in LOSSES.values():
        options = ", ".join(
            f"<code>{escape(o.name)}</code>={escape(repr(o.default))}" for o in spec.options
        )
        targets = " or ".join(spec.target_kinds)
        transforms = ", ".join(spec.transforms)
        parts.append(
            f"<h4>{escape(spec.label)} &nbsp;<small><code>{escape(spec.torch_module)}."
            f"{escape(spec.name)}</code></small></h4>"
            f"<p>{escape(spec.summary)}<br>"
            f"<i>Targets:</i> {escape(targets)}. <i>Input transform:</i> {escape(transforms)}. "
            f"<i>Options:</i> {options}.</p>"
        )
    return "".join(parts)


def shortcuts_html(menu_keys: list[tuple[str, str, str]]) -> str:
    """Rich text for Help > Keyboard Shortcuts.

    Parameters
    ----------
    menu_keys : list of (keys, action, menu)
        The window's actions that have a shortcut; :data:`WIDGET_KEYS` follow them.
    """

    def rows(entries: list[tuple[str, str, str]] | tuple[tuple[str, str, str], ...]) -> str:
        return "".join(
            f"<tr><td><b>{escape(keys)}</b></td><td>{escape(what)}</td>"
            f"<td style='color:#666'>{escape(where)}</td></tr>"
            for keys, what, where in entries
        )

    head = "".join(f"<th align='left'>{h}</th>" for h in ("Keys", "Does", "Where"))
    head = f"<tr>{head}</tr>"
    return (
        "<h3>Menu commands</h3>"
        f"<table cellspacing='0' cellpadding='4'>{head}{rows(menu_keys)}</table>"
        "<h3>In the grid and the panels</h3>"
        f"<table cellspacing='0' cellpadding='4'>{head}{rows(WIDGET_KEYS)}</table>"
    )


def show_html(parent: QWidget, title: str, html: str, size: tuple[int, int]) -> QDialog:
    """A scrollable rich-text window with a Close button; returns it (already shown)."""
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    browser = QTextBrowser(dialog)
    browser.setOpenExternalLinks(True)
    browser.setHtml(html)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    buttons.rejected.connect(dialog.close)
    layout = QVBoxLayout(dialog)
    layout.addWidget(browser)
    layout.addWidget(buttons)
    dialog.resize(*size)
    dialog.show()
    return dialog


def show_about(parent: QWidget) -> QMessageBox:
    """Help > About, as a message box that does not block."""
    box = QMessageBox(
        QMessageBox.Icon.Information, "About lossgui", about_html(),
        QMessageBox.StandardButton.Ok, parent,
    )
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def show_warning(parent: QWidget, title: str, text: str) -> QMessageBox:
    """Why an action failed, in a message box that does not block."""
    box = QMessageBox(
        QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent
    )
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
