"""The training curves (data model and plots) and the saved-runs list, driven like a user
drives them: progress events as the engine sends them, real mouse and keyboard input."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
import pytest
from modelgraft import Project
from modelgraft.engine.training.runs import RunInfo, start_run
from modelgraft.engine.training.settings import TrainSettings
from modelgraft.ui.theme import colors
from modelgraft.ui.training import CurveStore, RunsPanel, TrainingPanel
from modelgraft.ui.training.pacing import DRAW_CPU_SHARE, MAX_PAUSE_MS, DrawBudget
from modelgraft.ui.training.panel import REDRAW_MS
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QStyle, QStyleOptionViewItem, QTableWidget

STEPS = 4


def _batch(epoch: int, batch: int, steps: int | None = STEPS, **logs: float) -> dict[str, Any]:
    return {"kind": "batch", "epoch": epoch, "batch": batch, "steps": steps, "logs": logs}


def _epoch(epoch: int, **logs: float) -> dict[str, Any]:
    return {"kind": "epoch", "epoch": epoch, "epochs": 3, "logs": logs}


def _two_epochs() -> list[dict[str, Any]]:
    """Two epochs of four batches: loss, mae, and their validation values per epoch."""
    events = []
    for epoch in (1, 2):
        for batch in range(1, STEPS + 1):
            events.append(_batch(epoch, batch, loss=1.0 / (4 * epoch + batch), mae=0.5 / batch))
        events.append(_epoch(epoch, loss=0.2 / epoch, mae=0.1 / epoch, val_loss=0.3 / epoch, val_mae=0.2 / epoch))
    return events


def _show(qtbot: Any, widget: Any, size: tuple[int, int] = (800, 560)) -> Any:
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _data(item: pg.PlotDataItem) -> tuple[np.ndarray, np.ndarray]:
    x, y = item.getOriginalDataset()
    return (np.empty(0), np.empty(0)) if x is None else (x, y)


def _legend(plot: pg.PlotItem) -> list[str]:
    return [label.text for _sample, label in plot.legend.items]


# ---------------------------------------------------------------------- CurveStore


def test_groups_pair_each_metric_with_its_validation_and_put_the_total_loss_first() -> None:
    store = CurveStore()
    store.add_event(_batch(1, 1, out_a_loss=1.0, out_b_loss=2.0, loss=3.0, out_a_mae=0.5))
    store.add_event(_epoch(1, out_a_loss=1.0, out_b_loss=2.0, loss=3.0, out_a_mae=0.5,
                           val_out_a_mae=0.6, val_loss=3.5, val_out_a_loss=1.2))
    assert store.groups() == [("loss", ["loss", "val_loss"]), ("out_a_loss", ["out_a_loss", "val_out_a_loss"]),
                              ("out_b_loss", ["out_b_loss"]), ("out_a_mae", ["out_a_mae", "val_out_a_mae"])]
    assert store.add_event({"kind": "end", "logs": {"loss": 1.0}}) == set()


def test_batches_sit_at_fractional_epochs_and_epochs_at_integers() -> None:
    store = CurveStore()
    for event in _two_epochs():
        store.add_event(event)
    x, y = store.batch_curve("loss")
    np.testing.assert_allclose(x, [0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0])
    # running means m_b = 1/(4e + b) become the mean of the batches since the previous event
    recent = [1 / (4 * e + b) if b == 1 else b / (4 * e + b) - (b - 1) / (4 * e + b - 1)
              for e in (1, 2) for b in range(1, 5)]
    np.testing.assert_allclose(y, recent)
    x, y = store.epoch_curve("val_loss")
    np.testing.assert_allclose(x, [1, 2])
    np.testing.assert_allclose(y, [0.3, 0.15])
    assert store.batch_curve("val_loss")[0].size == 0 and store.epoch_curve("nope")[0].size == 0


def test_running_means_become_the_mean_of_the_recent_batches() -> None:
    store = CurveStore()
    losses = [4.0, 2.0, 2.0, 2.0]  # per batch; Keras reports the running mean
    for batch in (1, 2, 4):
        store.add_event(_batch(1, batch, steps=4, loss=sum(losses[:batch]) / batch))
    store.add_event(_batch(2, 2, steps=4, loss=1.5))  # a new epoch starts a new mean
    np.testing.assert_allclose(store.batch_curve("loss")[1], [4.0, 2.0, 2.0, 1.5])


def test_unknown_steps_are_learned_from_the_first_epoch() -> None:
    store = CurveStore()
    for batch in (1, 2):
        store.add_event(_batch(1, batch, steps=None, loss=1.0))
    np.testing.assert_allclose(store.batch_curve("loss")[0], [0.5, 1.0])  # provisional: 2 batches so far
    store.add_event(_batch(1, 4, steps=None, loss=1.0))
    np.testing.assert_allclose(store.batch_curve("loss")[0], [0.25, 0.5, 1.0])
    store.add_event(_epoch(1, loss=1.0))  # the first epoch had 4 batches
    for batch in (1, 3, 4):
        store.add_event(_batch(2, batch, steps=None, loss=1.0))
    np.testing.assert_allclose(store.batch_curve("loss")[0], [0.25, 0.5, 1.0, 1.25, 1.75, 2.0])


def test_smoothing_is_a_bias_corrected_ema() -> None:
    store = CurveStore(smoothing=0.5)
    for epoch, value in enumerate([1.0, 2.0, 3.0, math.nan, 4.0], start=1):  # one point per epoch
        store.add_event(_batch(epoch, 1, steps=5, loss=value))
    # m1 = .5 → 1; m2 = .25 + 1 = 1.25 → 1.25/.75; m3 = .625 + 1.5 → 2.125/.875; NaN passes through;
    # m4 = 1.0625 + 2 = 3.0625 → /(1 - .5**4)
    expected = [1.0, 1.25 / 0.75, 2.125 / 0.875, math.nan, 3.0625 / 0.9375]
    np.testing.assert_allclose(store.smoothed_curve("loss")[1], expected)
    store.set_smoothing(0.0)
    np.testing.assert_allclose(store.smoothed_curve("loss")[1], store.batch_curve("loss")[1])
    store.set_smoothing(5.0)
    assert store.smoothing == 0.99


def test_a_restarted_epoch_replaces_the_stale_tail_and_views_stay_valid() -> None:
    store = CurveStore(smoothing=0.0)
    for event in _two_epochs():
        store.add_event(event)
    before = store.batch_curve("loss")[1].copy()
    handed_out = store.batch_curve("loss")[1]
    store.add_event(_batch(2, 2, loss=9.0))  # resumed from the middle of epoch 2
    store.add_event(_epoch(2, loss=7.0))
    x, y = store.batch_curve("loss")
    np.testing.assert_allclose(x, [0.25, 0.5, 0.75, 1.0, 1.25, 1.5])
    np.testing.assert_allclose(y, list(before[:5]) + [2 * 9.0 - 1 / 9])  # after m = 1/9 at batch 1
    np.testing.assert_allclose(store.epoch_curve("loss")[1], [0.2, 7.0])
    np.testing.assert_allclose(handed_out, before)  # arrays given to the plots never change
    for batch in range(3, 2000):  # growth is by reallocation, earlier views untouched
        store.add_event(_batch(2 + batch // STEPS, batch % STEPS + 1, loss=float(batch)))
    assert store.batch_curve("loss")[0].size == 6 + 1997
    assert np.all(np.diff(store.batch_curve("loss")[0]) > 0)
    store.clear()
    assert store.keys() == [] and store.groups() == []


# ---------------------------------------------------------------------- TrainingPanel


def test_empty_state_then_one_plot_per_group_with_the_right_curves(qtbot: Any) -> None:
    panel = _show(qtbot, TrainingPanel())
    assert panel.hint.isVisible() and "Press Train (F5)" in panel.hint.text()
    assert panel.plots == {} and not panel.view.isVisible()
    panel.begin_run("Run 20250101-120000-1")
    assert panel.hint.isVisible() and "no batch has finished yet" in panel.hint.text()
    assert panel.title_label.text() == "Run 20250101-120000-1"

    for event in _two_epochs():
        panel.add_event(event)
    panel.flush()
    assert not panel.hint.isVisible() and panel.view.isVisible()
    assert list(panel.plots) == ["loss", "mae"]
    loss = panel.plots["loss"]
    assert _legend(loss) == ["train, smoothed", "train, per epoch", "validation"]
    assert loss.getAxis("left").labelText == "loss"
    assert panel.plots["mae"].getAxis("bottom").labelText == "epoch"
    x, y = _data(panel.curve("loss", "train, per batch"))
    np.testing.assert_allclose(x, [0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0])
    # running means m_b = 1/(4e + b) become the mean of the batches since the previous event
    recent = [1 / (4 * e + b) if b == 1 else b / (4 * e + b) - (b - 1) / (4 * e + b - 1)
              for e in (1, 2) for b in range(1, 5)]
    np.testing.assert_allclose(y, recent)
    np.testing.assert_allclose(_data(panel.curve("loss", "train, smoothed"))[1], panel.store.smoothed_curve("loss")[1])
    np.testing.assert_allclose(_data(panel.curve("mae", "validation"))[1], [0.2, 0.1])
    np.testing.assert_allclose(_data(panel.curve("mae", "train, per epoch"))[0], [1, 2])
    assert panel.plots["mae"].getViewBox().linkedView(pg.ViewBox.XAxis) is loss.getViewBox()


def test_log_scale_by_mouse_leaves_out_non_positive_values(qtbot: Any) -> None:
    panel = _show(qtbot, TrainingPanel())
    panel.begin_run("run")
    for epoch, value in enumerate([0.5, -0.25, 0.0, 0.125], start=1):  # e.g. a cosine-similarity loss
        panel.add_event(_batch(epoch, 1, loss=value))
    panel.add_event(_epoch(1, loss=-0.1, val_loss=0.2))
    panel.flush()
    qtbot.mouseClick(panel.log_check, Qt.MouseButton.LeftButton)
    assert panel.log_check.isChecked()
    assert panel.plots["loss"].getViewBox().state["logMode"] == [False, True]
    x, y = _data(panel.curve("loss", "train, per batch"))
    np.testing.assert_allclose(x, [0.25, 3.25])
    np.testing.assert_allclose(y, [0.5, 0.125])
    assert _data(panel.curve("loss", "train, per epoch"))[0].size == 0
    panel.add_event(_batch(5, 1, loss=-3.0))  # more non-positive values while in log mode
    panel.flush()
    assert not panel.grab().isNull()
    qtbot.mouseClick(panel.log_check, Qt.MouseButton.LeftButton)
    assert panel.plots["loss"].getViewBox().state["logMode"] == [False, False]
    assert _data(panel.curve("loss", "train, per batch"))[1].tolist() == [0.5, -0.25, 0.0, 0.125, -3.0]


def test_crosshair_follows_the_mouse_and_reads_every_curve_of_the_plot(qtbot: Any) -> None:
    panel = _show(qtbot, TrainingPanel())
    panel.begin_run("run")
    for event in _two_epochs():
        panel.add_event(event)
    panel.set_overlays({"20240101-000000-1": {"loss": [0.9, 0.8, 0.7]}})
    qtbot.wait(20)  # let the layout settle so scene positions are final
    vb = panel.plots["loss"].getViewBox()
    scene = vb.mapViewToScene(QPointF(1.4, float(np.mean(vb.viewRange()[1]))))
    QTest.mouseMove(panel.view.viewport(), panel.view.mapFromScene(scene))
    qtbot.waitUntil(lambda: "at epoch" in panel.readout.text())
    text = panel.readout.text()
    assert "<b>loss</b> at epoch 1.40" in text
    smoothed = panel.store.smoothed_curve("loss")[1][5]  # the nearest point: x = 1.5
    assert f"train, smoothed <b>{smoothed:.4g}</b>" in text
    recent = panel.store.batch_curve("loss")[1][5]
    assert recent == pytest.approx(2 / 10 - 1 / 9) and f"train, per batch <b>{recent:.4g}</b>" in text
    assert "train, per epoch <b>0.2</b>" in text  # epoch 1
    assert "validation <b>0.3</b>" in text
    assert "20240101-000000-1 <b>0.9</b>" in text
    assert "mae" not in text
    for plot in panel.plots.values():
        line = next(i for i in plot.items if isinstance(i, pg.InfiniteLine))
        assert line.isVisible() and line.value() == pytest.approx(1.4, abs=0.02)

    mae_vb = panel.plots["mae"].getViewBox()
    scene = mae_vb.mapViewToScene(QPointF(0.5, float(np.mean(mae_vb.viewRange()[1]))))
    qtbot.wait(20)
    QTest.mouseMove(panel.view.viewport(), panel.view.mapFromScene(scene))
    qtbot.waitUntil(lambda: "<b>mae</b>" in panel.readout.text())
    recent = panel.store.batch_curve("mae")[1][1]  # x = 0.5: batch 2 of epoch 1
    assert recent == pytest.approx(2 * 0.5 / 2 - 0.5) and f"train, per batch <b>{recent:.4g}</b>" in panel.readout.text()


def test_overlays_are_dashed_labelled_by_run_and_get_their_own_plots(qtbot: Any) -> None:
    panel = _show(qtbot, TrainingPanel())
    panel.set_overlays({"20240101-000000-1": {"loss": [0.9, 0.8], "val_loss": [1.0, 0.9], "accuracy": [0.5, 0.6]},
                        "20240102-000000-2": {"loss": [0.7, 0.5, 0.4]}})
    assert list(panel.plots) == ["loss", "accuracy"] and panel.view.isVisible()
    assert _legend(panel.plots["loss"]) == ["20240101-000000-1", "20240101-000000-1 val", "20240102-000000-2"]
    first, second = panel.curve("loss", "20240101-000000-1"), panel.curve("loss", "20240102-000000-2")
    assert first.opts["pen"].style() == Qt.PenStyle.DashLine
    assert first.opts["pen"].color() != second.opts["pen"].color()
    np.testing.assert_allclose(_data(second)[0], [1, 2, 3])
    np.testing.assert_allclose(_data(second)[1], [0.7, 0.5, 0.4])

    panel.begin_run("run")
    for event in _two_epochs():
        panel.add_event(event)
    panel.flush()
    assert list(panel.plots) == ["loss", "mae", "accuracy"]  # the live run's plots first
    assert _legend(panel.plots["loss"])[:3] == ["train, smoothed", "train, per epoch", "validation"]
    panel.set_overlays({"20240102-000000-2": {"loss": [0.7]}})
    assert list(panel.plots) == ["loss", "mae"]
    assert _legend(panel.plots["loss"])[3:] == ["20240102-000000-2"]
    panel.set_overlays({})
    assert not any("2024" in label for plot in panel.plots.values() for label in _legend(plot))


def test_continue_curves_keeps_the_data_and_a_new_run_clears_it(qtbot: Any) -> None:
    panel = _show(qtbot, TrainingPanel())
    panel.begin_run("run 1")
    for event in _two_epochs():
        panel.add_event(event)
    panel.begin_run("run 1 (resumed)", continue_curves=True)
    panel.add_event(_batch(3, 2, loss=0.05))
    panel.flush()
    x, _ = _data(panel.curve("loss", "train, per batch"))
    assert x.size == 9 and x[-1] == pytest.approx(2.5)
    assert panel.title_label.text() == "run 1 (resumed)"
    plots = dict(panel.plots)
    panel.begin_run("run 2")  # the plots stay, emptied, for the metrics the next run most likely has
    assert panel.store.keys() == [] and panel.plots == plots
    assert _data(panel.curve("loss", "train, per batch"))[0].size == 0
    panel.add_event(_batch(1, 1, loss=0.5, mae=0.1))
    panel.flush()
    assert panel.plots == plots and _data(panel.curve("loss", "train, per batch"))[1].tolist() == [0.5]
    panel.begin_run("run 3")
    panel.add_event(_batch(1, 1, accuracy=0.5))  # other metrics: other plots
    panel.flush()
    assert list(panel.plots) == ["accuracy"]


def test_events_only_mark_curves_dirty_and_the_timer_redraws(qtbot: Any) -> None:
    panel = _show(qtbot, TrainingPanel())
    panel.begin_run("run")
    panel.add_event(_batch(1, 1, steps=1000, loss=1.0))
    panel.flush()
    item = panel.curve("loss", "train, per batch")
    pushes = []
    item.sigPlotChanged.connect(lambda *_: pushes.append(1))
    for batch in range(2, 502):
        panel.add_event(_batch(1, batch, steps=1000, loss=1.0 / batch))
    assert _data(item)[0].size == 1 and pushes == []  # nothing drawn yet
    assert panel.timer.isActive() and panel.timer.interval() == REDRAW_MS
    qtbot.waitUntil(lambda: _data(item)[0].size == 501, timeout=2000)
    assert len(pushes) == 1
    assert not panel.timer.isActive()


def test_plots_are_redrawn_one_at_a_time_and_unchanged_curves_are_left_alone(qtbot: Any) -> None:
    panel = _show(qtbot, TrainingPanel())
    panel.begin_run("run")
    for event in _two_epochs():
        panel.add_event(event)
    panel.flush()
    loss, mae = panel.curve("loss", "train, per batch"), panel.curve("mae", "train, per batch")
    epochs = panel.curve("loss", "train, per epoch")
    pushes: list[str] = []
    for name, item in (("loss", loss), ("mae", mae), ("loss epochs", epochs)):
        item.sigPlotChanged.connect(lambda *_, n=name: pushes.append(n))
    panel.add_event(_batch(3, 1, loss=0.1, mae=0.05))
    qtbot.waitUntil(lambda: bool(pushes), timeout=2000)
    assert pushes == ["loss"]  # one plot per redraw; its per-epoch points did not change
    assert _data(mae)[0].size == 8 and panel.timer.isActive()
    assert panel.timer.interval() >= REDRAW_MS // 2  # the other plot follows after half the interval or more
    panel.add_event(_batch(3, 2, loss=0.1, mae=0.05))  # both plots have new data again
    qtbot.waitUntil(lambda: len(pushes) == 2, timeout=2 * MAX_PAUSE_MS)
    assert pushes == ["loss", "mae"] and _data(mae)[0].size == 10  # round robin: mae's turn
    qtbot.waitUntil(lambda: len(pushes) == 3, timeout=2 * MAX_PAUSE_MS)
    assert pushes[2] == "loss" and _data(loss)[0].size == 10
    assert not panel.timer.isActive()


def _busy(seconds: float) -> None:
    """Burn ``seconds`` of this thread's CPU time, as a costly redraw would."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        sum(range(100))


def test_a_redraw_is_paid_for_by_a_pause_that_keeps_drawing_in_its_share() -> None:
    budget = DrawBudget(share=0.01)
    assert budget.pause_ms(100) == 100  # nothing drawn: the shortest pause
    with budget.drawing():
        _busy(0.004)
    pause = budget.pause_ms(100)
    assert budget.last >= 0.004 and pause == int(1000 * budget.last / 0.01) >= 400
    with budget.drawing():
        _busy(0.05)
    assert budget.pause_ms(100) == MAX_PAUSE_MS  # a very costly redraw waits at most this long
    assert budget.total >= 0.054


def test_live_plots_take_at_most_their_share_of_a_core_and_keep_moving(qtbot: Any) -> None:
    """A stream of batch events for 5 s (two plots): the drawing counted, pushes and paints,
    stays within the budget's share of the time, and the curves still follow the run."""
    panel = _show(qtbot, TrainingPanel())
    panel.begin_run("run")
    sent: list[int] = []

    def send() -> None:
        batch = len(sent) + 1
        sent.append(batch)
        panel.add_event(_batch(1, batch, steps=100_000, loss=1.0 / batch, mae=0.5 / batch))

    feeder = QTimer()
    feeder.timeout.connect(send)
    feeder.start(5)
    qtbot.waitUntil(lambda: "mae" in panel.plots, timeout=5000)
    item = panel.curve("loss", "train, per batch")
    seen: list[int] = []  # the size of the curve pushed, per redraw of either plot
    for title in ("loss", "mae"):
        curve = panel.curve(title, "train, per batch")
        curve.sigPlotChanged.connect(lambda *_, c=curve: seen.append(_data(c)[0].size))
    drawn, start = panel.budget.total, time.perf_counter()
    qtbot.wait(5000)  # at least two redraws even at the longest pause
    elapsed, drawing = time.perf_counter() - start, panel.budget.total - drawn
    feeder.stop()
    # each pause pays for the redraw before it; the last one or two are not paid for yet
    assert drawing <= DRAW_CPU_SHARE * elapsed + 2 * panel.budget.last + 0.01, (drawing, elapsed)
    assert len(seen) >= 2 and seen == sorted(seen)  # the curves kept moving
    qtbot.waitUntil(lambda: _data(item)[0].size == len(sent), timeout=2 * MAX_PAUSE_MS)


def test_smoothing_slider_by_keyboard(qtbot: Any) -> None:
    panel = _show(qtbot, TrainingPanel())
    panel.begin_run("run")
    for event in _two_epochs():
        panel.add_event(event)
    panel.flush()
    raw = _data(panel.curve("loss", "train, per batch"))[1]
    assert not np.allclose(_data(panel.curve("loss", "train, smoothed"))[1], raw)
    panel.smoothing_slider.setFocus()
    qtbot.keyClick(panel.smoothing_slider, Qt.Key.Key_Home)
    assert panel.smoothing_value.text() == "0.00"
    qtbot.waitUntil(lambda: panel.store.smoothing == 0.0, timeout=2000)
    np.testing.assert_allclose(_data(panel.curve("loss", "train, smoothed"))[1], raw)


def test_dark_appearance_recolours_the_plots(qtbot: Any) -> None:
    panel = _show(qtbot, TrainingPanel())
    panel.begin_run("run")
    for event in _two_epochs():
        panel.add_event(event)
    panel.set_dark(True)
    assert panel.view.backgroundBrush().color() == colors(True).canvas
    assert panel.plots["loss"].getAxis("left").textPen().color() == colors(True).text_dim
    symbol_pen = panel.curve("loss", "validation").opts["symbolPen"]
    assert pg.mkPen(symbol_pen).color() == colors(True).node_body
    panel.set_dark(False)
    assert panel.view.backgroundBrush().color() == colors(False).canvas
    assert _data(panel.curve("loss", "validation"))[0].size == 2  # data survives the restyle


# ---------------------------------------------------------------------- RunsPanel


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A saved project with three real run folders: finished with weights, failed, finished."""
    project = Project("demo")
    project.save(tmp_path / "demo.mgraft")
    first = start_run(project, TrainSettings(epochs=3), has_validation=True)
    first.finish({"loss": [0.9, 0.5, 0.6], "val_loss": [1.0, 0.7, 0.8]})
    (first.folder / "best.weights.h5").write_bytes(b"")
    failed = start_run(project, TrainSettings(epochs=2, learning_rate=10.0), has_validation=False)
    failed.finish({"loss": [2.0]}, error="the loss became nan in epoch 2, batch 3")
    last = start_run(project, TrainSettings(epochs=2, learning_rate=10.0, batch_size=8), has_validation=False)
    last.finish({"loss": [0.4, 0.3]})
    return project


def _runs_panel(qtbot: Any, project: Project) -> RunsPanel:
    panel = _show(qtbot, RunsPanel(project.load_history), size=(720, 320))
    panel.refresh(project.runs())
    return panel


def _cell(table: QTableWidget, row: int, column: int) -> QPoint:
    return table.visualItemRect(table.item(row, column)).center()


def _click_check(qtbot: Any, table: QTableWidget, row: int) -> None:
    """Click the check box drawn in the Overlay cell of ``row``."""
    option = QStyleOptionViewItem()
    option.initFrom(table.viewport())
    option.rect = table.visualItemRect(table.item(row, 0))
    option.features = QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
    rect = table.style().subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, option, table)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_runs_are_listed_newest_first_with_best_loss_and_changes(qtbot: Any, project: Project) -> None:
    panel = _runs_panel(qtbot, project)
    runs = project.runs()
    table = panel.table
    assert table.rowCount() == 3 and not panel.empty.isVisible()
    ids = [table.item(row, 1).text() for row in range(3)]
    assert ids == [run.id for run in reversed(runs)]
    assert [table.item(row, 2).text() for row in range(3)] == ["finished", "failed", "finished"]
    assert [table.item(row, 3).text() for row in range(3)] == ["2", "1", "3"]
    assert [table.item(row, 4).text() for row in range(3)] == ["0.3", "2", "0.7"]  # val_loss wins over loss
    assert table.item(2, 4).toolTip() == "Lowest val_loss: 0.7 (epoch 2)"
    assert table.item(2, 5).text() == "first run of this project"
    assert table.item(1, 5).text() == "setting learning_rate null → 10.0 (+1 more)"
    assert "• setting epochs 3 → 2" in table.item(1, 5).toolTip()
    assert "Failed: the loss became nan in epoch 2, batch 3" in table.item(1, 5).toolTip()
    assert table.item(1, 2).foreground().color() == colors(False).verdict["error"]
    panel.set_dark(True)
    assert table.item(1, 2).foreground().color() == colors(True).verdict["error"]
    assert table.item(2, 2).foreground().style() == Qt.BrushStyle.NoBrush  # finished: the normal text
    assert panel.history(runs[0].id) == {"loss": [0.9, 0.5, 0.6], "val_loss": [1.0, 0.7, 0.8]}


def test_overlay_check_by_mouse_emits_the_checked_runs_and_survives_refresh(qtbot: Any, project: Project) -> None:
    panel = _runs_panel(qtbot, project)
    ids = [panel.table.item(row, 1).text() for row in range(3)]
    with qtbot.waitSignal(panel.overlay_changed) as changed:
        _click_check(qtbot, panel.table, 2)
    assert changed.args == [[ids[2]]]
    with qtbot.waitSignal(panel.overlay_changed) as changed:
        _click_check(qtbot, panel.table, 0)
    assert changed.args == [[ids[0], ids[2]]] and panel.checked() == [ids[0], ids[2]]

    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=_cell(panel.table, 1, 1))
    assert panel.selected() == ids[1]
    with qtbot.assertNotEmitted(panel.overlay_changed):
        panel.refresh(project.runs())
    assert panel.checked() == [ids[0], ids[2]] and panel.selected() == ids[1]

    with qtbot.waitSignal(panel.overlay_changed) as changed:  # a checked run went away
        panel.refresh([run for run in project.runs() if run.id != ids[0]])
    assert changed.args == [[ids[2]]]
    with qtbot.waitSignal(panel.refresh_requested):
        qtbot.mouseClick(panel.refresh_button, Qt.MouseButton.LeftButton)


def test_restore_needs_one_selected_run_with_weights_and_no_training(qtbot: Any, project: Project) -> None:
    panel = _runs_panel(qtbot, project)
    table = panel.table
    with_weights = next(run for run in project.runs() if run.has_weights).id
    assert not panel.restore_button.isEnabled()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=_cell(table, 0, 1))  # no weights
    assert not panel.restore_button.isEnabled() and "saved no weights" in panel.restore_button.toolTip()
    row = next(r for r in range(3) if table.item(r, 1).text() == with_weights)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=_cell(table, row, 3))
    assert panel.restore_button.isEnabled()
    assert panel.restore_button.toolTip() == "Put this run's best weights back into the models"
    panel.set_busy(True)
    assert not panel.restore_button.isEnabled()
    panel.set_busy(False)
    with qtbot.waitSignal(panel.restore_requested) as restore:
        qtbot.mouseClick(panel.restore_button, Qt.MouseButton.LeftButton)
    assert restore.args == [with_weights]


def test_no_runs_shows_where_runs_go(qtbot: Any, tmp_path: Path) -> None:
    project = Project("empty")
    project.save(tmp_path / "empty.mgraft")
    panel = _runs_panel(qtbot, project)
    assert panel.empty.isVisible() and not panel.table.isVisible()
    assert panel.empty.text().startswith("No runs yet: runs are saved next to the project file")
    assert not panel.restore_button.isEnabled()
    missing = RunInfo("20990101-000000-9", tmp_path / "gone", "finished", 0.0, (), 2, False, None)
    panel.refresh([missing])  # a history that cannot be read shows no best value
    assert panel.table.item(0, 4).text() == "—" and panel.history(missing.id) == {}


def test_axes_hold_still_while_a_run_goes_on_and_a_hand_zoom_is_kept(qtbot: Any) -> None:
    panel = _show(qtbot, TrainingPanel())
    panel.begin_run("Run 1")
    events = [{**_batch(1, b, loss=2.0 - 0.1 * b), "epochs": 3} for b in range(1, STEPS + 1)]
    for event in events[:2]:
        panel.add_event(event)
    panel.flush()
    vb = panel.plots["loss"].vb
    (x0, x1), first_y = vb.viewRange()
    assert (x0, x1) == (0.0, pytest.approx(3.09))  # the epochs the run trains (and a margin)
    assert not any(vb.autoRangeEnabled())
    for event in events[2:]:
        panel.add_event(event)
    panel.flush()
    assert vb.viewRange()[0] == [0.0, pytest.approx(3.09)]
    y0, y1 = vb.viewRange()[1]
    lows = panel.store.batch_curve("loss")[1]
    assert y0 <= lows.min() and y1 >= lows.max()  # every point in view
    # a loss far below the view grows it by a margin, once
    panel.add_event({**_batch(2, 1, loss=-1.0), "epochs": 3})
    panel.flush()
    grown = vb.viewRange()[1]
    assert grown[0] < panel.store.batch_curve("loss")[1].min() and grown != [y0, y1]
    # zooming by hand (the wheel over the plot) keeps the user's view through later redraws
    center = panel.view.mapFromScene(vb.mapViewToScene(QPointF(1.0, 0.5)))
    qtbot.mouseMove(panel.view.viewport(), center)
    wheel = QWheelEvent(QPointF(center), QPointF(panel.view.viewport().mapToGlobal(center)), QPoint(0, 0),
                        QPoint(0, 240), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(panel.view.viewport(), wheel)
    zoomed = vb.viewRange()
    assert zoomed[0] != [0.0, pytest.approx(3.09)]
    panel.add_event({**_batch(2, 2, loss=-5.0), "epochs": 3})
    panel.flush()
    assert vb.viewRange() == zoomed
    panel.begin_run("Run 2")  # a new run fits its own data again
    panel.add_event({**_batch(1, 1, loss=1.0), "epochs": 2})
    panel.flush()
    assert vb.viewRange()[0] == [0.0, pytest.approx(2.06)]
