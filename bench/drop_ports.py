"""Drop a ResNet50 ``.keras`` on the canvas → its input ports drawn (goal ≤ 100 ms).

Times ``GraphView.add_model_file`` (what a file drop calls) until the node's input port items
are in the scene. The first drop happens in a fresh workbench before TensorFlow is imported
(the engine thread then loads the model in the background); between drops the node is
removed and the engine left to go idle. The slowest of the drops is reported.
"""

from __future__ import annotations

import os
import sys
import time

from bench.common import report
from bench.ports_resnet import resnet_file

REPEAT = 5


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    path = resnet_file()
    from PySide6.QtWidgets import QApplication

    from modelgraft.ui.app import create_application
    from modelgraft.ui.bridge import EngineBridge
    from modelgraft.ui.canvas.port_item import PortItem
    from modelgraft.ui.canvas.view import GraphView
    from modelgraft.ui.document import Document

    create_application()
    doc = Document(EngineBridge())
    view = GraphView(doc)
    view.resize(1280, 800)
    view.show()
    QApplication.processEvents()

    def input_ports(name: str) -> list[PortItem]:
        return [item for item in view.graph_scene.items()
                if isinstance(item, PortItem) and item.direction == "in" and item.node_item.name == name]

    times = []
    for i in range(REPEAT):
        cold = "tensorflow" not in sys.modules
        start = time.perf_counter()
        name = view.add_model_file(path)
        while not input_ports(name):
            QApplication.processEvents()
        times.append((time.perf_counter() - start) * 1000)
        if i == 0 and not cold:
            raise RuntimeError("TensorFlow was imported before the first drop")
        while doc.loading or doc.bridge.busy:  # let the background load finish between drops
            QApplication.processEvents()
            time.sleep(0.01)
        doc.undo_stack.undo()
        QApplication.processEvents()
    report("drop a ResNet50 .keras → input ports on the canvas (slowest of 5)", max(times), 100.0, "max")


if __name__ == "__main__":
    main()
