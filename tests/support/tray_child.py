"""Run by tests/ui/test_tray_x11.py on a real X display: the window with its tray icon uploads
one file; print what the tray showed as JSON. argv: data dir, file to upload."""

import json
import sys
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel

from hoist.ui.main import Session

app = QApplication(sys.argv[:1])
session = Session(Path(sys.argv[1]))
window = session.window
window.show()
seen = {"tray": window.tray is not None, "tooltips": set(), "balloons": []}


def look() -> None:
    if window.tray is not None:
        seen["tooltips"].add(window.tray.icon.toolTip())
    for widget in QApplication.topLevelWidgets():
        if widget.metaObject().className() == "QBalloonTip" and widget.isVisible():
            text = " | ".join(label.text() for label in widget.findChildren(QLabel) if label.text())
            if text not in seen["balloons"]:
                seen["balloons"].append(text)


poll = QTimer(interval=50)
poll.timeout.connect(look)
poll.start()
window.add_paths([sys.argv[2]])
deadline = time.monotonic() + 60
while time.monotonic() < deadline and not any("uploaded" in b for b in seen["balloons"]):
    app.processEvents()
    time.sleep(0.01)
poll.stop()
session.close()
print(json.dumps({**seen, "tooltips": sorted(seen["tooltips"])}))
