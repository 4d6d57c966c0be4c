"""Asks once what to do with files already in the download folder that differ from the objects.

It mirrors ui/dialogs/existing.py (an upload's key that exists), the other way round:
Overwrite, Skip, or Keep both (the download takes the next free "name (1).ext").
Closing it skips: nothing on this computer is overwritten without a click.
"""

from PySide6.QtWidgets import QMessageBox

OVERWRITE, SKIP, KEEP_BOTH = "overwrite", "skip", "keep-both"   # add_downloads' words


def ask_existing_files(parent, paths: list[str]) -> str:
    """OVERWRITE, SKIP or KEEP_BOTH for every one of ``paths``."""
    names = ", ".join(f"“{p.rsplit('/', 1)[-1]}”" for p in paths[:3])
    more = f" and {len(paths) - 3:,} more" if len(paths) > 3 else ""
    what = "A file is" if len(paths) == 1 else f"{len(paths):,} files are"
    box = QMessageBox(QMessageBox.Question, "Files already there",
                      f"{what} in the folder already and differ from the objects: {names}{more}."
                      "\n\nOverwrite them, skip them, or keep both (the download takes the next "
                      "free name, “name (1).ext”)?", QMessageBox.NoButton, parent)
    overwrite = box.addButton("Overwrite", QMessageBox.DestructiveRole)
    keep = box.addButton("Keep both", QMessageBox.AcceptRole)
    box.addButton("Skip", QMessageBox.RejectRole)
    box.setDefaultButton(keep)                  # the safe choice answers Enter
    box.exec()
    clicked = box.clickedButton()
    return OVERWRITE if clicked is overwrite else KEEP_BOTH if clicked is keep else SKIP
