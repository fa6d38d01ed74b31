"""The questions the session controller asks the user, behind one small class.

:class:`SessionDialogs` shows the real modal dialogs. Tests (and scripted
runs) pass an object with the same methods that answers without blocking, so
every path (save / discard / cancel, restore or not) can be driven headless.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

__all__ = ["SESSION_FILTER", "SessionDialogs"]

SESSION_FILTER = "lossgui sessions (*.lossgui.json);;All files (*)"


class SessionDialogs:
    """Modal dialogs for saving, opening, restoring; override any method to script it."""

    def ask_save_changes(self, parent: QWidget | None, name: str) -> str:
        """Ask what to do with unsaved changes: 'save', 'discard' or 'cancel'."""
        box = QMessageBox(parent)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Unsaved changes")
        box.setText(f"Save the changes to {name}?")
        box.setInformativeText("Your edits since the last save are lost if you discard them.")
        box.setStandardButtons(
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            return "save"
        if answer == QMessageBox.StandardButton.Discard:
            return "discard"
        return "cancel"

    def ask_restore(self, parent: QWidget | None, detail: str) -> bool:
        """Offer the session autosaved before an unclean exit; True to restore it."""
        box = QMessageBox(parent)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Restore session")
        box.setText("lossgui did not close properly last time. Restore your work?")
        box.setInformativeText(detail)
        restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Start fresh", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(restore)
        box.exec()
        return box.clickedButton() is restore

    def warn(self, parent: QWidget | None, title: str, text: str) -> None:
        """Tell the user why an action failed."""
        QMessageBox.warning(parent, title, text)

    def open_file(self, parent: QWidget | None, caption: str, directory: str, filters: str) -> str:
        """A path to open, or '' when cancelled."""
        path, _ = QFileDialog.getOpenFileName(parent, caption, directory, filters)
        return path

    def save_file(self, parent: QWidget | None, caption: str, directory: str, filters: str) -> str:
        """A path to write, or '' when cancelled (the dialog confirms overwriting)."""
        path, _ = QFileDialog.getSaveFileName(parent, caption, directory, filters)
        return path
