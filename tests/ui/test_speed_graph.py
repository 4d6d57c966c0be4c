"""The speed graph: its history, its axis, and what it draws (read back from the pixels)."""

from PySide6.QtGui import QColor

from hoist.ui.speed_graph import (LIMIT_COLOUR, SELECTED_COLOUR, TOTAL_COLOUR, SpeedGraph,
                                  SpeedHistory, axis_top)

MiB = 1024 * 1024


def test_history_keeps_the_last_span_of_samples():
    history = SpeedHistory(span=3)
    assert history.idle() and history.peak() == 0
    for total in (1.0, 5.0, 2.0, 3.0):
        history.add(total, None)
    assert [s.total for s in history.samples] == [5.0, 2.0, 3.0]
    history.add(-4.0, 9.0)                    # a retried part can make a delta negative
    assert history.samples[-1].total == 0.0 and history.peak() == 9.0
    assert not history.idle()


def test_axis_top_is_a_round_number_above_peak_and_limit():
    assert axis_top(11 * MiB) == 20 * MiB
    assert axis_top(3 * MiB, limit=12 * MiB) == 20 * MiB
    assert axis_top(0) == 100 * 1024          # an idle graph still has a sensible scale
    assert axis_top(40 * 1024) == 100 * 1024


def _pixels(widget) -> set[str]:
    image = widget.grab().toImage()
    return {image.pixelColor(x, y).name() for x in range(0, image.width(), 2)
            for y in range(image.height())}


def test_graph_draws_total_selected_and_limit(qtbot):
    selected = [None]
    graph = SpeedGraph(lambda: 8 * MiB, lambda: selected[0], lambda: 12 * MiB, interval_ms=60_000)
    qtbot.addWidget(graph)
    graph.resize(600, 160)
    graph.show()
    for _ in range(30):
        graph.sample()
    colours = _pixels(graph)
    assert TOTAL_COLOUR.name() in colours and LIMIT_COLOUR.name() in colours
    assert SELECTED_COLOUR.name() not in colours      # nothing selected: no line, no legend
    selected[0] = 2 * MiB
    graph.selected_name = "big.iso"
    for _ in range(30):
        graph.sample()
    assert graph.history.samples[-1].selected == 2 * MiB
    assert QColor(SELECTED_COLOUR).name() in _pixels(graph)


def test_idle_graph_says_so_and_draws_no_line(qtbot):
    graph = SpeedGraph(lambda: 0.0, lambda: None, lambda: 0, interval_ms=60_000)
    qtbot.addWidget(graph)
    graph.resize(600, 160)
    graph.show()
    graph.sample()
    colours = _pixels(graph)
    assert TOTAL_COLOUR.name() in colours             # only the legend's swatch
    assert LIMIT_COLOUR.name() not in colours         # no limit, no line, no legend entry
    assert graph.history.idle()


def test_window_graph_follows_the_model_and_the_selection(qtbot, data_dir):
    from hoist.ui.main import Session
    session = Session(data_dir)
    try:
        window = session.window
        window.show()
        qtbot.waitExposed(window)
        assert window.speed_dock.isVisible() and window.speed_action.isChecked()
        window.speed_graph.sample()
        assert window.speed_graph.history.samples[-1].selected is None
        window.speed_action.trigger()               # Ctrl+G hides it, and again shows it
        assert not window.speed_dock.isVisible()
    finally:
        session.close()
