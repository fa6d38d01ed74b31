"""The Stager spreads a redraw over event-loop turns, and only the newest redraw is carried out."""

from __future__ import annotations

from lossgui.qt.staging import Stager


def test_steps_run_later_in_order(qapp, qtbot) -> None:
    stager = Stager()
    calls: list[str] = []
    stager.run([lambda: calls.append("a"), lambda: calls.append("b"), lambda: calls.append("c")])
    assert calls == [] and stager.busy()  # nothing runs in the turn that asked
    qtbot.waitUntil(lambda: not stager.busy())
    assert calls == ["a", "b", "c"]


def test_a_new_run_replaces_the_steps_not_run_yet(qapp, qtbot) -> None:
    stager = Stager()
    calls: list[str] = []
    stager.run([lambda: calls.append("old 1"), lambda: calls.append("old 2")])
    stager.run([lambda: calls.append("new")])
    qtbot.waitUntil(lambda: not stager.busy())
    assert calls == ["new"]
    stager.run([lambda: calls.append("dropped")])
    stager.cancel()
    qtbot.wait(20)
    assert calls == ["new"] and not stager.busy()


def test_a_failing_step_does_not_stop_the_others(qapp, qtbot, capsys) -> None:
    stager = Stager()
    calls: list[str] = []

    def boom() -> None:
        raise RuntimeError("boom")

    stager.run([boom, lambda: calls.append("after")])
    qtbot.waitUntil(lambda: not stager.busy())
    assert calls == ["after"]
    assert "boom" in capsys.readouterr().err
