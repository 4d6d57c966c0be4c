"""Content-Type from the file name: Hoist's own table, the same on every computer."""

import mimetypes

import pytest

from hoist.core.remote.content_types import TYPES, UNKNOWN, guess_content_type

EXPECTED = {
    "index.html": "text/html", "site.css": "text/css", "app.js": "text/javascript",
    "mod.mjs": "text/javascript", "data.json": "application/json", "logo.svg": "image/svg+xml",
    "lib.wasm": "application/wasm", "font.woff": "font/woff", "font.woff2": "font/woff2",
    "photo.jpg": "image/jpeg", "PHOTO.JPEG": "image/jpeg", "shot.png": "image/png",
    "anim.gif": "image/gif", "pic.webp": "image/webp", "pic.avif": "image/avif",
    "IMG_0001.HEIC": "image/heic", "clip.mp4": "video/mp4", "clip.mov": "video/quicktime",
    "film.mkv": "video/x-matroska", "clip.webm": "video/webm", "song.mp3": "audio/mpeg",
    "song.flac": "audio/flac", "paper.pdf": "application/pdf", "notes.txt": "text/plain",
    "table.csv": "text/csv", "README.md": "text/markdown",
    "letter.docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "sheet.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "deck.pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "letter.odt": "application/vnd.oasis.opendocument.text", "all.zip": "application/zip",
    "all.tar": "application/x-tar", "all.7z": "application/x-7z-compressed",
    "log.gz": "application/gzip", "backup.tar.gz": "application/gzip",
    "backup.tgz": "application/gzip", "dir/sub/page.HTML": "text/html",
    r"C:\Users\me\page.html": "text/html",
}


@pytest.mark.parametrize("name,content_type", EXPECTED.items())
def test_known_names(name, content_type):
    assert guess_content_type(name) == content_type


@pytest.mark.parametrize("name", ["Makefile", "blob.unknownext", ".bashrc", "trailing.", ""])
def test_unknown_names_are_octet_stream(name):
    assert guess_content_type(name) == UNKNOWN == "application/octet-stream"


def test_the_system_registry_changes_nothing(monkeypatch):
    """mimetypes reads /etc/mime.types or the Windows registry; the table does not."""
    before = {name: guess_content_type(name) for name in EXPECTED}
    monkeypatch.setattr(mimetypes, "types_map", dict(mimetypes.types_map))
    monkeypatch.setattr(mimetypes, "_db", None)
    mimetypes.add_type("text/plain", ".js")
    mimetypes.add_type("application/x-evil", ".html")
    mimetypes.add_type("application/x-gzip", ".tgz")
    mimetypes.add_type("text/x-made-up", ".unknownext")
    assert mimetypes.guess_type("app.js")[0] == "text/plain"        # the poison took
    assert {name: guess_content_type(name) for name in EXPECTED} == before
    assert guess_content_type("blob.unknownext") == UNKNOWN


def test_compressed_tarballs_have_no_content_encoding():
    """A .tar.gz is a gzip file, not a tar to be unpacked by the browser on download."""
    for name in ("a.tar.gz", "a.tgz"):
        assert guess_content_type(name) == "application/gzip"


def test_every_entry_is_a_lowercase_extension_and_a_type():
    for ext, content_type in TYPES.items():
        assert ext.startswith(".") and ext == ext.lower()
        assert "/" in content_type and content_type == content_type.strip()
