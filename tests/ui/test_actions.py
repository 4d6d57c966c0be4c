"""What Cancel asks: an upload loses its parts on the server, a download its partial file."""

from types import SimpleNamespace

from hoist.ui.actions import cancel_question


def test_cancel_says_what_a_download_loses_and_what_an_upload_does():
    up, down = SimpleNamespace(direction="upload"), SimpleNamespace(direction="download")
    title, text, yes, no = cancel_question([down])
    assert (title, yes, no) == ("Cancel this download?", "Cancel download", "Keep it")
    assert "object on the server is kept" in text and "on the server." not in text
    title, text, yes, _no = cancel_question([up, up])
    assert (title, yes) == ("Cancel 2 uploads?", "Cancel uploads")
    assert "discarded on the server" in text and "received" not in text
    title, text, _yes, _no = cancel_question([up, down])
    assert title == "Cancel 2 transfers?"
    assert "discarded on the server" in text and "object on the server is kept" in text
