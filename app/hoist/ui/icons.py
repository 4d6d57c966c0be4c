"""Icons from the package data (resources/icons/*.svg in the repository), with the style's standard icon when a file is missing.

The toolbar icons are drawn in one slate colour (#3b4a5a); on a dark palette
that colour would vanish, so it is swapped for a light one when loading.
"""

from functools import lru_cache
from importlib.resources import files

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QStyle

ICON_DIR = files("hoist.resources") / "icons"   # a Traversable: works from a wheel or a bundle
INK, INK_ON_DARK = "#3b4a5a", "#d5dde6"
_SIZES = (16, 20, 24, 32, 48, 64)

# Stand-ins from the platform style, so a missing file never leaves a blank button.
_FALLBACK = {
    "hoist": QStyle.SP_ArrowUp, "tray": QStyle.SP_ArrowUp,
    "add-file": QStyle.SP_FileIcon, "add-folder": QStyle.SP_DirIcon,
    "pause": QStyle.SP_MediaPause, "resume": QStyle.SP_MediaPlay, "cancel": QStyle.SP_DialogCancelButton,
    "retry": QStyle.SP_BrowserReload, "remove": QStyle.SP_TrashIcon,
    "settings": QStyle.SP_FileDialogDetailedView, "account": QStyle.SP_DriveNetIcon,
    "clear": QStyle.SP_DialogResetButton, "copy": QStyle.SP_FileLinkIcon, "folder": QStyle.SP_DirOpenIcon,
}


def _dark_palette() -> bool:
    app = QApplication.instance()
    return app is not None and app.palette().color(QPalette.Window).lightness() < 110


def _recoloured(svg: str) -> QIcon:
    """An icon painted from SVG text at the usual sizes (QIcon cannot load SVG from memory)."""
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    result = QIcon()
    for size in _SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.transparent)
        painter = QPainter(pixmap)
        renderer.render(painter)
        painter.end()
        result.addPixmap(pixmap)
    return result


@lru_cache(maxsize=None)
def icon(name: str) -> QIcon:
    path = ICON_DIR / f"{name}.svg"
    if path.is_file():
        # drawn from the text, not a file name: package data need not be a file on disk
        text = path.read_text(encoding="utf-8")
        if INK in text and _dark_palette():
            text = text.replace(INK, INK_ON_DARK)
        loaded = _recoloured(text)
        if not loaded.isNull():
            return loaded
    return QApplication.style().standardIcon(_FALLBACK.get(name, QStyle.SP_FileIcon))
