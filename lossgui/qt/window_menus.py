"""The main window's actions and menus, and the table of their shortcuts.

Every action gets a tooltip and a status tip, every menu shows tooltips, and
every action with a shortcut is added to the window itself so the shortcut
works wherever the focus is. Help > Keyboard Shortcuts lists them from here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar

from lossgui.core.presets import PRESETS

if TYPE_CHECKING:
    from lossgui.qt.main_window import MainWindow

__all__ = ["build_actions", "build_menus", "make_action", "menu_actions", "shortcut_table"]


_SUBMENU_TIPS = {
    "&Presets": "Worked examples, each with the value PyTorch gives",
    "Open &Recent": "Sessions saved or opened lately",
}


def make_action(
    window: MainWindow,
    text: str,
    slot: Callable[[], Any],
    tip: str,
    shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
) -> QAction:
    """A window action whose failures go to the status bar, not into Qt's event loop.

    ``tip`` is its tooltip and status tip; it is added to the window so its
    shortcut works while the menu bar is hidden.
    """
    action = QAction(text, window)
    action.setStatusTip(tip)
    action.setToolTip(tip)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(window._guard(lambda *_: slot()))
    window.addAction(action)  # shortcuts work even while the menu bar is hidden
    return action


def build_actions(window: MainWindow) -> None:
    """Create the window's actions as its attributes (``open_action``, ``preset_actions``...)."""
    key = QKeySequence.StandardKey
    window.open_action = make_action(
        window,
        "&Open…", window.open_dialog,
        "Open logits and targets (.npz .npy .csv .pt) or a saved session", key.Open,
    )
    window.screenshot_action = make_action(
        window,
        "Export &Screenshot…", window.export_screenshot_dialog,
        "Save a PNG of the whole window (each plot's right-click menu exports it alone)",
        "Ctrl+Shift+E",
    )
    window.quit_action = make_action(window, "&Quit", window.close, "Close lossgui", "Ctrl+Q")
    stack = window.state.undo_stack
    window.undo_action = stack.createUndoAction(window, "&Undo")
    window.undo_action.setShortcut(QKeySequence(key.Undo))
    window.undo_action.setStatusTip("Take back the last change (its name is in the menu)")
    window.redo_action = stack.createRedoAction(window, "&Redo")
    window.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    window.redo_action.setStatusTip("Do again the change Undo took back")
    window.addActions([window.undo_action, window.redo_action])
    window.copy_action = make_action(
        window,
        "&Copy", window.grid.copy_selection, "Copy the selected cells as numbers", key.Copy
    )
    window.paste_action = make_action(
        window,
        "&Paste", lambda: window.grid.paste(), "Paste numbers at the current cell", key.Paste
    )
    window.randomize_action = make_action(
        window,
        "&Randomize", window.randomize, "New random logits and targets, same shape", "Ctrl+R"
    )
    window.gradient_action = QAction("Colour Logits by &Gradient", window)
    window.gradient_action.setCheckable(True)
    window.gradient_action.setShortcut(QKeySequence("Ctrl+G"))
    window.gradient_action.setStatusTip(
        "Colour each logit cell by ∂loss/∂logit: red pushes the logit down, blue up"
    )
    window.gradient_action.setToolTip(window.gradient_action.statusTip())
    window.gradient_action.toggled.connect(window._guard(window.grid.set_gradient_colouring))
    window.grid.gradient_box.toggled.connect(window._guard(window.gradient_action.setChecked))
    window.addAction(window.gradient_action)
    window.tile_action = make_action(
        window,
        "&Tile All Panels", window.tile_panels, "Show every plot at once (for a large screen)"
    )
    window.reset_layout_action = make_action(
        window,
        "Reset &Layout", window.reset_layout,
        "Put every panel back in its default place, shown, with the default sizes",
    )
    window.shortcuts_action = make_action(
        window,
        "&Keyboard Shortcuts", window.show_shortcuts,
        "Every keyboard shortcut of the menus, the grid and the panels", "Ctrl+/",
    )
    window.losses_help_action = make_action(
        window,
        "&What the Losses Are", window.show_losses_help,
        "What each loss computes, with its options", key.HelpContents,
    )
    window.about_action = make_action(window, "&About lossgui", window.show_about, "About lossgui")
    for name, preset in PRESETS.items():
        action = QAction(name, window)
        action.setStatusTip(preset.description)
        action.setToolTip(preset.description)
        action.triggered.connect(window._guard(lambda *_, n=name: window.load_preset(n)))
        window.preset_actions[name] = action

def build_menus(window: MainWindow) -> None:
    """The menu bar: File, Edit, View, Help; every entry with a tooltip and a status tip."""
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addAction(window.open_action)
    if window.session is not None:
        # Open… above opens sessions too, so the session's own Open is left out.
        file_menu.addActions(
            [a for a in window.session.file_actions if a is not window.session.open_action]
        )
    window.presets_menu = file_menu.addMenu("&Presets")
    window.presets_menu.setToolTipsVisible(True)
    window.presets_menu.addActions(list(window.preset_actions.values()))
    file_menu.addSeparator()
    file_menu.addAction(window.screenshot_action)
    file_menu.addSeparator()
    file_menu.addAction(window.quit_action)

    edit_menu = bar.addMenu("&Edit")
    edit_menu.addActions([window.undo_action, window.redo_action])
    edit_menu.addSeparator()
    edit_menu.addActions([window.copy_action, window.paste_action])
    if window.session is not None:
        edit_menu.addSeparator()
        edit_menu.addActions(window.session.edit_actions)
    edit_menu.addSeparator()
    edit_menu.addAction(window.randomize_action)

    view_menu = bar.addMenu("&View")
    view_menu.addAction(window.gradient_action)
    view_menu.addSeparator()
    for dock in window.docks.values():
        toggle = dock.toggleViewAction()
        tip = f"Show or hide the {dock.windowTitle()} panel"
        toggle.setStatusTip(tip)
        toggle.setToolTip(tip)
        view_menu.addAction(toggle)
    view_menu.addSeparator()
    view_menu.addActions([window.tile_action, window.reset_layout_action])

    help_menu = bar.addMenu("&Help")
    help_menu.addActions([window.losses_help_action, window.shortcuts_action])
    help_menu.addSeparator()
    help_menu.addAction(window.about_action)
    for sub in _menus(bar):
        # A submenu's own entry explains itself like any other entry.
        if not sub.menuAction().statusTip():
            sub.menuAction().setStatusTip(_SUBMENU_TIPS.get(sub.title(), sub.title()))
    for menu in bar.findChildren(QMenu):
        # Hovering an entry explains it in a tooltip as well as in the status bar.
        menu.setToolTipsVisible(True)


def _menus(bar: QMenuBar) -> list[QMenu]:
    """Every menu reachable from the menu bar, submenus included."""
    found: list[QMenu] = []
    pending = [a.menu() for a in bar.actions()]
    while pending:
        menu = pending.pop()
        if isinstance(menu, QMenu) and menu not in found:
            found.append(menu)
            pending.extend(a.menu() for a in menu.actions())
    return found


def menu_actions(menu: QMenu) -> list[QAction]:
    """The actions of ``menu`` and its submenus, depth first, without separators."""
    found: list[QAction] = []
    for action in menu.actions():
        if action.isSeparator():
            continue
        sub = action.menu()
        if isinstance(sub, QMenu):
            found.extend(menu_actions(sub))
        else:
            found.append(action)
    return found


def shortcut_table(bar: QMenuBar) -> list[tuple[str, str, str]]:
    """(keys, action, menu) for every menu action with a shortcut, in menu order."""
    rows: list[tuple[str, str, str]] = []
    for top in bar.actions():
        menu = top.menu()
        if not isinstance(menu, QMenu):
            continue
        where = top.text().replace("&", "")
        for action in menu_actions(menu):
            keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
            if keys:
                rows.append((" or ".join(keys), action.text().replace("&", "").rstrip("…"), where))
    return rows
