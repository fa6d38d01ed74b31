"""Undo commands on a bare QUndoStack, with no widgets."""

from lossgui.document_convert import default_document
from lossgui.qt.commands import DocumentCommand
from lossgui.qt.state import AppState


def test_commands_with_different_keys_do_not_merge(qapp):
    state = AppState()
    a = default_document().with_cell(0, 0, 1.0)
    b = a.with_cell(0, 1, 2.0)
    state.undo_stack.push(DocumentCommand(state, state.document, a, "a", ("cell", 0, 0)))
    state.undo_stack.push(DocumentCommand(state, a, b, "b", ("cell", 0, 1)))
    assert state.undo_stack.count() == 2
    state.undo_stack.undo()
    assert state.document is a


def test_commands_without_key_never_merge(qapp):
    state = AppState()
    a = default_document().with_cell(0, 0, 1.0)
    b = a.with_cell(0, 0, 2.0)
    state.undo_stack.push(DocumentCommand(state, state.document, a, "a"))
    state.undo_stack.push(DocumentCommand(state, a, b, "b"))
    assert state.undo_stack.count() == 2
