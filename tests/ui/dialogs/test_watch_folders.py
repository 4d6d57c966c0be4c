"""The Watch folders dialog's table: each watch's state in words a person reads (issue #27)."""

from PySide6.QtCore import Qt

from hoist.core.checkpoint.watches import Watch
from hoist.engine.watching.folder import WatchInfo
from hoist.ui.dialogs.watch_folders import FOLDER, STATE, WatchTableModel


def test_watch_states_read_as_words_with_the_engines_text_in_the_tooltip(qapp, monkeypatch):
    monkeypatch.setenv("HOME", "/home/me")
    watch = Watch("/home/me/Scans", "b", id=1)
    model = WatchTableModel()
    model.set_infos([
        WatchInfo(watch, "settling", "settling 3", settling=3),
        WatchInfo(Watch("/mnt/nas/share", "b", id=2), "folder missing",
                  "folder missing: /mnt/nas/share"),
        WatchInfo(Watch("/home/me/Photos", "b", id=3), "settling", "settling 1", settling=1),
        WatchInfo(Watch("/srv/in", "b", id=4), "catching up", "catching up 1200",
                  catching_up=1200),
        WatchInfo(Watch("/srv/big", "b", id=5), "watching", "too many folders: rescanning",
                  problem="too many folders to watch"),
        WatchInfo(Watch("/srv/p", "b", paused=True, id=6), "paused", "paused"),
    ])
    states = [model.index(row, STATE).data() for row in range(model.rowCount())]
    assert states == ["Settling 3 files", "Folder missing", "Settling 1 file",
                      "Catching up: 1,200 to queue", "Watching (rescanning)", "Paused"]
    assert model.index(1, STATE).data(Qt.ToolTipRole) == "folder missing: /mnt/nas/share"
    assert "too many folders to watch" in model.index(4, STATE).data(Qt.ToolTipRole)
    assert model.index(0, FOLDER).data() == "~/Scans"           # the home folder as ~
    assert model.index(1, FOLDER).data() == "/mnt/nas/share"
    assert model.index(0, FOLDER).data(Qt.ToolTipRole) == "/home/me/Scans"
