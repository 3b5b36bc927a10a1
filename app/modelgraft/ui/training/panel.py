"""The live training plots: one pyqtgraph plot per metric, with saved runs overlaid.

Each metric group (``loss`` with ``val_loss``, ``mae`` with ``val_mae``, …; the total loss
first) gets a plot; the plots are stacked and share their x axis (epochs). In each plot:

* the running mean of every batch, faint (``train, per batch``);
* the same, smoothed (``train, smoothed``, solid);
* the training value at the end of each epoch (``train, per epoch``, hollow circles);
* the validation value of each epoch (``validation``, squares on a solid line);
* the saved runs chosen as overlays, dashed, one colour per run (squares: validation).

Progress events only mark curves dirty; a timer pushes the data to the plots at most every
:data:`REDRAW_MS`, so a fast stream of events costs little. The plots are redrawn one at a
time, spread over that interval, and a curve whose data did not change is not pushed: the
event loop never does more than one plot's worth of drawing at once. When redraws are costly
the pauses between them grow, so drawing never takes more than a small share of a core from
training (:mod:`.pacing`). Moving the mouse over a plot
shows a vertical crosshair on every plot and, below them, the value of each visible curve
of that plot nearest to the mouse's epoch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSlider,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..theme import FAMILY_COLORS, colors, system_is_dark
from .curves import DEFAULT_SMOOTHING, CurveStore, group_title, metric_groups
from .pacing import DrawBudget, PacedPlotView

__all__ = ["REDRAW_MS", "TrainingPanel"]

REDRAW_MS = 200
_GROWTH = 0.25  # an axis outgrown by the data grows by a quarter of the data's span
_SHRINK = 3.0  # a y axis more than 3× the data's span is refitted
_Y_MARGIN = 0.08
_X_MARGIN = 0.03
_PLOT_HEIGHT = 120  # minimum height of one plot; more plots than fit scroll
_AXIS_WIDTH = 60
_TRAIN = FAMILY_COLORS["io"]
_VAL = FAMILY_COLORS["adapter"]
_OVERLAYS = (FAMILY_COLORS["model"], FAMILY_COLORS["merge"], "#d6457a", "#8a9a2b", "#4aa8c4", "#a0674b")
_RAW = "train, per batch"
_HINT = "Press Train (F5) to train the composite on its bound data; curves appear here."
_READOUT_HINT = "Hover over a plot to read its values."

Arrays = tuple[np.ndarray, np.ndarray]


@dataclass(eq=False)
class _Curve:
    """One drawn curve and where its data comes from.

    Attributes:
        item: The pyqtgraph item.
        label: Its name in the legend and the readout.
        color: Its colour (the readout's swatch).
        data: Returns its current ``(x, y)``.
        key: The store key it draws (``None`` for a saved run's curve).
        x: A copy of the x values last pushed to the item (after the log-scale filter).
        y: A copy of the y values last pushed.
        pushed: Whether the item got its data since it was made.
    """

    item: pg.PlotDataItem
    label: str
    color: str
    data: Callable[[], Arrays]
    key: str | None = None
    x: np.ndarray = field(default_factory=lambda: np.empty(0))
    y: np.ndarray = field(default_factory=lambda: np.empty(0))
    pushed: bool = False


class TrainingPanel(QWidget):
    """Live curves of the current run and the saved runs chosen as overlays.

    Call everything on the GUI thread. The panel emits no signals.

    Attributes:
        store: The live curves' data.
        plots: The plot of each metric group, by group title (``"loss"``, ``"mae"``, …).
        log_check: "Log scale" (logarithmic y on every plot).
        smoothing_slider: Smoothing weight × 100 (0–99).
        readout: The crosshair's text (rich text).
        view: The pyqtgraph widget holding the plots.
        budget: The CPU time the plots' drawing takes, and the pauses that keep it in its share.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = CurveStore()
        self.plots: dict[str, pg.PlotItem] = {}
        self._curves: dict[str, list[_Curve]] = {}
        self._lines: dict[str, pg.InfiniteLine] = {}
        self._grids: dict[str, pg.GridItem] = {}
        self._filled: dict[str, tuple[tuple[str, ...], int]] = {}
        self._overlays: dict[str, dict[str, list[float]]] = {}
        self._overlay_version = 0
        self._dirty: set[str] = set()
        self._all_dirty = False
        self._last_redrawn = ""  # the plot the redraw timer pushed last
        self._smoothing: float | None = None  # a new weight waiting for the next flush
        self._title = ""
        self._manual: set[str] = set()  # plots the user zoomed or panned: not refitted
        self._epochs: int | None = None  # how many epochs the live run trains: the x axis
        self._ranging = False
        self._starting = False  # a run began and sent no event yet: its plots are likely the last run's
        self._dark = system_is_dark()
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(REDRAW_MS)
        self.timer.timeout.connect(self._redraw_next)

        self.title_label = QLabel()
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.smoothing_slider = QSlider(Qt.Orientation.Horizontal)
        self.smoothing_slider.setRange(0, 99)
        self.smoothing_slider.setValue(round(DEFAULT_SMOOTHING * 100))
        self.smoothing_slider.setFixedWidth(120)
        self.smoothing_slider.setToolTip("How much the per-batch curve is smoothed (exponential "
                                         "moving average, as in TensorBoard); 0 shows the raw values")
        self.smoothing_value = QLabel(f"{DEFAULT_SMOOTHING:.2f}")
        self.smoothing_value.setMinimumWidth(self.smoothing_value.fontMetrics().horizontalAdvance("0.00 "))
        self.smoothing_slider.valueChanged.connect(self._smoothing_moved)
        self.log_check = QCheckBox("Log scale")
        self.log_check.setToolTip("Logarithmic y axes (values ≤ 0 are left out)")
        self.log_check.toggled.connect(self._log_toggled)
        bar = QHBoxLayout()
        bar.setContentsMargins(8, 6, 8, 2)
        bar.setSpacing(8)
        bar.addWidget(self.title_label)
        bar.addStretch(1)
        bar.addWidget(QLabel("Smoothing"))
        bar.addWidget(self.smoothing_slider)
        bar.addWidget(self.smoothing_value)
        bar.addSpacing(12)
        bar.addWidget(self.log_check)

        self.budget = DrawBudget()
        self.view = PacedPlotView(self.budget)
        self.view.ci.setContentsMargins(6, 6, 14, 6)
        self.view.ci.setSpacing(10)
        self.view.scene().sigMouseMoved.connect(self._mouse_moved)
        self.view.installEventFilter(self)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.view)
        self.hint = QLabel(_HINT)
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setContentsMargins(24, 24, 24, 24)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.hint)
        self.stack.addWidget(scroll)
        self.readout = QLabel(_READOUT_HINT)
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setWordWrap(True)
        self.readout.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.readout.setContentsMargins(8, 4, 8, 4)
        self.readout.setFixedHeight(2 * self.readout.fontMetrics().lineSpacing() + 10)  # no jumps

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.readout)
        self.set_dark(self._dark)

    # ------------------------------------------------------------------ public API

    def begin_run(self, title: str, continue_curves: bool = False) -> None:
        """A run starts: show ``title`` and clear the live curves (unless ``continue_curves``,
        for a resumed run whose curves go on where they stopped)."""
        self._title = title
        self.title_label.setText(title)
        if not continue_curves:
            self.store.clear()
            self._all_dirty = True
            self._starting = True
            self._epochs = None
            for plot in self.plots.values():
                plot.vb.enableAutoRange()  # refitted to the new run's data at the next redraw
        self.flush()

    def add_event(self, event: dict[str, Any]) -> None:
        """Record a ``batch`` or ``epoch`` progress event (others are ignored); the plots
        follow at the next redraw."""
        if isinstance(event.get("epochs"), int):
            self._epochs = event["epochs"]
        changed = self.store.add_event(event)
        if changed:
            self._dirty |= changed
            if not self.timer.isActive():
                self.timer.start()

    def set_overlays(self, histories: dict[str, dict[str, list[float]]]) -> None:
        """Draw these saved runs' per-epoch curves (run id → metric → value per epoch),
        replacing the previous overlays; their colours follow the dict's order. A metric the
        live run lacks gets its own plot, after the live run's plots."""
        self._overlays = {run: dict(history) for run, history in histories.items()}
        self._overlay_version += 1
        self.flush()

    def set_dark(self, dark: bool) -> None:
        """Follow the light or dark appearance (colours from :func:`~modelgraft.ui.theme.colors`)."""
        self._dark = dark
        pal = colors(dark)
        self.view.setBackground(pal.canvas)
        self.hint.setStyleSheet(f"color: {pal.text_dim.name()};")
        self.readout.setStyleSheet(f"color: {pal.text_dim.name()};")
        for plot in self.plots.values():
            self._style_plot(plot)
        self._filled.clear()  # curves are re-made in the new colours
        self.flush()

    def flush(self) -> None:
        """Push pending data to every plot now."""
        self.timer.stop()
        self._prepare()
        self._redraw(list(self.plots))
        self._all_dirty = False

    def _redraw_next(self) -> None:
        """The redraw timer: push the pending data of one plot, and come back for the next
        plot with pending data after a share of :data:`REDRAW_MS`."""
        if self._all_dirty or self._smoothing is not None:
            self.flush()
            return
        self._prepare()
        titles = list(self.plots)
        if self._last_redrawn in titles:  # round robin: the plot after the last one redrawn first
            after = titles.index(self._last_redrawn) + 1
            titles = titles[after:] + titles[:after]
        pending = [title for title in titles if any(group_title(key) == title for key in self._dirty)]
        if not pending:
            self._dirty.clear()
            return
        with self.budget.drawing():
            self._redraw(pending[:1])
        self._last_redrawn = pending[0]
        if self._dirty:
            self.timer.start(self.budget.pause_ms(max(1, REDRAW_MS // len(self.plots))))

    def _prepare(self) -> None:
        if self._smoothing is not None:
            self.store.set_smoothing(self._smoothing)
            self._smoothing = None
        self._sync_plots()
        self.hint.setText(f"{self._title}: no batch has finished yet." if self._title else _HINT)
        self.stack.setCurrentIndex(1 if self.plots else 0)
        self.readout.setVisible(bool(self.plots))

    def _redraw(self, titles: list[str]) -> None:
        """Push the changed curves of these plots and keep their data in view."""
        log = self.log_check.isChecked()
        for title in titles:
            for curve in self._curves.get(title, []):
                if not curve.pushed or self._all_dirty or curve.key in self._dirty:
                    self._push(curve, log, force=self._all_dirty)
            self._dirty -= {key for key in self._dirty if group_title(key) == title}
            self._fit_range(title)
        if not self.plots:
            self._dirty.clear()

    def _fit_range(self, title: str) -> None:
        """Keep the curves of one plot in view without moving the axes at each redraw.

        pyqtgraph's own auto-range refits the view to the data whenever it changes, and every
        refit redraws the axes' ticks and the grid: with training keeping the cores busy that
        made the event loop stall for 30–50 ms several times a second. Here the x axis spans
        the epochs the run trains, and the y axis only changes when data leaves it (growing
        by a quarter of the data's span) or fills less than a third of it.
        Zooming or panning by hand turns this off for that plot until its auto-range button
        ("A") is pressed or the next run begins.
        """
        plot = self.plots[title]
        vb = plot.vb
        fresh = any(vb.autoRangeEnabled())  # a new plot or run, or the user pressed "A"
        if fresh:
            vb.disableAutoRange()
            self._manual.discard(title)
        if title in self._manual:
            return
        bounds = vb.childrenBounds()
        if bounds[0] is None or bounds[1] is None:
            return
        (x0, x1), (y0, y1) = vb.viewRange()
        (dx0, dx1), (dy0, dy1) = bounds
        x_range = y_range = None
        planned = None if self._epochs is None else self._epochs * (1 + _X_MARGIN)
        if planned is not None and dx1 <= planned and dx0 >= -_X_MARGIN * planned:
            if (x0, x1) != (0.0, planned):  # symbols reach a little past the last epoch
                x_range = (0.0, planned)
        elif fresh or dx0 < x0 or dx1 > x1:
            x_range = (min(dx0, 0.0), dx1 + _GROWTH * max(dx1 - dx0, 1e-9))
        span = max(dy1 - dy0, 1e-9 * max(abs(dy1), 1.0))
        if fresh or (y1 - y0) > _SHRINK * span:
            y_range = (dy0 - _Y_MARGIN * span, dy1 + _Y_MARGIN * span)
        elif dy0 < y0 or dy1 > y1:  # room to go on in the direction the data left
            y_range = (min(y0, dy0 - _GROWTH * span), max(y1, dy1 + _GROWTH * span))
        if x_range is not None or y_range is not None:
            self._ranging = True
            vb.setRange(xRange=x_range, yRange=y_range, padding=0)
            self._ranging = False

    def _range_changed_by_hand(self, title: str) -> None:
        if not self._ranging:
            self._manual.add(title)

    def curve(self, group: str, label: str) -> pg.PlotDataItem:
        """The item drawing one curve, by plot and label as in the legend and the readout
        (``curve("loss", "validation")``, ``curve("loss", "train, per batch")``, a run id).

        Raises:
            KeyError: no such curve.
        """
        for curve in self._curves.get(group, []):
            if curve.label == label:
                return curve.item
        raise KeyError(f"no curve '{label}' in plot '{group}'")

    # ------------------------------------------------------------------ plots

    def _sync_plots(self) -> None:
        """Make one plot per metric group and the curves each needs now.

        Between the start of a run and its first event the plots stay (emptied): the run
        most likely reports the same metrics, and remaking plots costs tens of milliseconds.
        """
        if self._starting and not self.store.keys():
            return
        self._starting = False
        overlay_keys = [key for history in self._overlays.values() for key in history]
        groups = metric_groups(self.store.keys() + overlay_keys)
        if [title for title, _ in groups] != list(self.plots):
            self._rebuild([title for title, _ in groups])
        live = dict(self.store.groups())
        for title in self.plots:
            signature = (tuple(live.get(title, ())), self._overlay_version)
            if self._filled.get(title) != signature:
                self._fill(title, live.get(title, []))
                self._filled[title] = signature

    def _rebuild(self, titles: list[str]) -> None:
        self.view.clear()
        self.plots.clear()
        self._curves.clear()
        self._lines.clear()
        self._grids.clear()
        self._filled.clear()
        for row, title in enumerate(titles):
            plot = self.view.addPlot(row=row, col=0)
            plot.setLabel("left", title)
            # a GridItem in the view box: the axes' own grid lines cost ~6 ms per axis per repaint
            grid = pg.GridItem(textPen=None)
            grid.setTickSpacing(x=[None, None], y=[None, None])
            plot.vb.addItem(grid, ignoreBounds=True)
            self._grids[title] = grid
            plot.vb.sigRangeChangedManually.connect(lambda _mask, t=title: self._range_changed_by_hand(t))
            plot.setDownsampling(auto=True, mode="peak")
            plot.setClipToView(True)
            plot.setLogMode(False, self.log_check.isChecked())
            plot.addLegend(offset=(-8, 6), labelTextSize="8pt", verSpacing=-4)
            plot.getAxis("bottom").setStyle(showValues=row == len(titles) - 1)
            plot.getAxis("left").setWidth(_AXIS_WIDTH)  # the plots line up
            for name in ("left", "bottom"):
                plot.getAxis(name).enableAutoSIPrefix(False)
            if row:
                plot.setXLink(self.plots[titles[0]])
            self.plots[title] = plot
            self._style_plot(plot)
        if titles:
            self.plots[titles[-1]].setLabel("bottom", "epoch")
        self.view.setMinimumHeight(len(titles) * _PLOT_HEIGHT)

    def _style_plot(self, plot: pg.PlotItem) -> None:
        pal = colors(self._dark)
        plot.vb.setBackgroundColor(pal.node_body)
        for title, grid in self._grids.items():
            if self.plots.get(title) is plot:
                grid.setPen(pg.mkPen(pal.text_dim, width=1))
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            axis.setPen(pal.text_dim)
            axis.setTextPen(pal.text_dim)
        legend = plot.legend
        background = QColor(pal.node_body)
        background.setAlpha(225)
        legend.setBrush(background)
        legend.setPen(pal.node_border)
        legend.setLabelTextColor(pal.text)

    def _fill(self, title: str, live: list[str]) -> None:
        """(Re)make the curves of one plot: saved runs behind, then the live lines, then
        the live epoch markers on top."""
        plot = self.plots[title]
        plot.clear()
        bg = colors(self._dark).node_body
        overlays = self._overlay_curves(title, bg)
        current = [curve for key in live for curve in self._live_curves(key, bg)]
        lines = [c for c in current if c.item.opts["symbol"] is None]
        markers = [c for c in current if c.item.opts["symbol"] is not None]
        for curve in overlays + lines + markers:
            plot.addItem(curve.item)
        for curve in current + overlays:
            if curve.label != _RAW:
                plot.legend.addItem(curve.item, curve.label)
        line = pg.InfiniteLine(angle=90, movable=False,
                               pen=pg.mkPen(colors(self._dark).text_dim, width=1, style=Qt.PenStyle.DashLine))
        line.hide()
        plot.addItem(line, ignoreBounds=True)
        self._lines[title] = line
        self._curves[title] = current + overlays

    def _overlay_curves(self, title: str, bg: QColor) -> list[_Curve]:
        """The saved runs' curves of one plot: dashed, one colour per run, squares on validation."""
        curves = []
        for i, (run, history) in enumerate(self._overlays.items()):
            color = _OVERLAYS[i % len(_OVERLAYS)]
            for key in sorted((k for k in history if group_title(k) == title), key=_is_val):
                val = _is_val(key)
                item = pg.PlotDataItem(pen=pg.mkPen(color, width=1.5, style=Qt.PenStyle.DashLine),
                                       symbol="s" if val else None, symbolSize=5, symbolBrush=color,
                                       symbolPen=pg.mkPen(bg))
                values = np.asarray(history[key], dtype=float)
                curves.append(_Curve(item, f"{run} val" if val else run, color,
                                     _constant((np.arange(1.0, len(values) + 1), values))))
        return curves

    def _live_curves(self, key: str, bg: QColor) -> list[_Curve]:
        """The live run's curves of one metric key, in the readout's order."""
        store = self.store
        if _is_val(key):
            item = pg.PlotDataItem(pen=pg.mkPen(_VAL, width=2), symbol="s", symbolSize=7,
                                   symbolBrush=_VAL, symbolPen=pg.mkPen(bg))
            return [_Curve(item, "validation", _VAL, _bind(store.epoch_curve, key), key)]
        faint = QColor(_TRAIN)
        faint.setAlpha(70)
        raw = pg.PlotDataItem(pen=pg.mkPen(faint, width=1))
        smooth = pg.PlotDataItem(pen=pg.mkPen(_TRAIN, width=2))
        epoch = pg.PlotDataItem(pen=pg.mkPen(_TRAIN, width=1, style=Qt.PenStyle.DotLine), symbol="o",
                                symbolSize=8, symbolBrush=bg, symbolPen=pg.mkPen(_TRAIN, width=1.5))
        return [_Curve(raw, _RAW, _TRAIN, _bind(store.batch_curve, key), key),
                _Curve(smooth, "train, smoothed", _TRAIN, _bind(store.smoothed_curve, key), key),
                _Curve(epoch, "train, per epoch", _TRAIN, _bind(store.epoch_curve, key), key)]

    @staticmethod
    def _push(curve: _Curve, log: bool, force: bool) -> None:
        """Give the item its curve's data, unless (not ``force``) it has exactly that already."""
        x, y = curve.data()
        keep = np.isfinite(y) & (y > 0) if log else np.isfinite(y)  # log10 of y <= 0 is undefined
        if not keep.all():  # a NaN or infinite loss is reported in words, not drawn
            x, y = x[keep], y[keep]
        if curve.pushed and not force and np.array_equal(x, curve.x) and np.array_equal(y, curve.y):
            return  # e.g. the per-epoch points while an epoch's batches come in
        curve.item.setData(x, y)
        curve.x, curve.y, curve.pushed = x.copy(), y.copy(), True  # the store's arrays change in place

    # ------------------------------------------------------------------ controls

    def _smoothing_moved(self, value: int) -> None:
        self.smoothing_value.setText(f"{value / 100:.2f}")
        self._smoothing = value / 100
        self._dirty.update(self.store.keys())
        if not self.timer.isActive():
            self.timer.start()

    def _log_toggled(self, on: bool) -> None:
        self._all_dirty = True
        for plot in self.plots.values():
            plot.setLogMode(False, on)
        self.flush()
        for plot in self.plots.values():
            plot.enableAutoRange()

    # ------------------------------------------------------------------ crosshair

    def _mouse_moved(self, pos: QPointF) -> None:
        for title, plot in self.plots.items():
            if plot.vb.sceneBoundingRect().contains(pos):
                x = plot.vb.mapSceneToView(pos).x()
                for line in self._lines.values():
                    line.setPos(x)
                    line.show()
                self.readout.setText(self._readout(title, x))
                return
        self._hide_crosshair()

    def _readout(self, title: str, x: float) -> str:
        """``loss at epoch 2.37: ━ train, smoothed 0.412 · …`` for the curves near ``x``."""
        parts = []
        for curve in self._curves.get(title, []):
            if not curve.item.isVisible() or not len(curve.x):
                continue
            i = _nearest(curve.x, x)
            if abs(curve.x[i] - x) <= 0.5:
                parts.append(f"<span style='color:{curve.color}'>━</span>&nbsp;{escape(curve.label)} "
                             f"<b>{curve.y[i]:.4g}</b>")
        head = f"<b>{escape(title)}</b> at epoch {x:.2f}"
        return head + (":&nbsp;&nbsp;" + " &nbsp;·&nbsp; ".join(parts) if parts else "")

    def _hide_crosshair(self) -> None:
        for line in self._lines.values():
            line.hide()
        self.readout.setText(_READOUT_HINT)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view and event.type() == QEvent.Type.Leave:
            self._hide_crosshair()
        return super().eventFilter(watched, event)


def _is_val(key: str) -> bool:
    return key.startswith("val_")


def _bind(read: Callable[[str], Arrays], key: str) -> Callable[[], Arrays]:
    return lambda: read(key)


def _constant(arrays: Arrays) -> Callable[[], Arrays]:
    return lambda: arrays


def _nearest(xs: np.ndarray, x: float) -> int:
    """Index of the value of the increasing ``xs`` nearest to ``x``."""
    i = int(np.searchsorted(xs, x))
    if i == len(xs) or (i > 0 and x - xs[i - 1] <= xs[i] - x):
        return i - 1
    return i
