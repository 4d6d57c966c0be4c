"""BucketModel without a view: pages of the listing it belongs to, lazy fetching, the filter."""

from hoist.core.remote.browse.listing import Entry, Page
from hoist.ui.bucket.model import NAME, SIZE, STORAGE, BucketModel, Listing


def page(prefix, names, token=None):
    return Page(prefix, [Entry(prefix + n, 2048, None, "STANDARD") for n in names], token)


def test_pages_are_asked_one_at_a_time_and_a_stale_page_is_dropped(qapp):
    model, asked = BucketModel(), []
    model.page_wanted.connect(lambda number, prefix, token: asked.append((number, prefix, token)))
    model.open("a/")
    first = asked[-1][0]
    assert model.state is Listing.LOADING and not model.canFetchMore()
    model.add_page(first, page("a/", ["x", "y"], token="t1"))
    assert model.rowCount() == 2 and model.canFetchMore()
    model.fetchMore()
    assert asked[-1] == (first, "a/", "t1") and not model.canFetchMore()   # one at a time
    model.open("b/")                                   # the user moved on
    model.add_page(first, page("a/", ["z"]))           # a late page of a/: dropped
    assert model.rowCount() == 0 and model.state is Listing.LOADING
    model.add_page(asked[-1][0], page("b/", []))
    assert model.state is Listing.EMPTY


def test_filter_narrows_and_stops_fetching(qapp):
    model = BucketModel()
    model.open("")
    model.add_page(model.number, page("", ["cat.jpg", "dog.jpg", "Cathedral.png"], token="t"))
    model.set_filter("CAT")
    assert [e.name for e in model.entries()] == ["cat.jpg", "Cathedral.png"]
    assert not model.canFetchMore()
    model.set_filter("")
    assert model.rowCount() == 3 and model.canFetchMore()


def test_a_failed_later_page_keeps_the_rows_and_a_first_refusal_is_denied(qapp):
    model = BucketModel()
    model.open("")
    model.add_page(model.number, page("", ["a"], token="t"))
    model.fetchMore()
    model.fail(model.number, "RequestTimeout", "timed out")
    assert model.state is Listing.READY and model.rowCount() == 1 and model.error == "timed out"
    model.open("")
    model.fail(model.number, "AccessDenied", "may not list")
    assert model.state is Listing.DENIED


def test_cells(qapp):
    model = BucketModel()
    model.open("")
    model.add_page(model.number, Page("", [Entry("f/"), Entry("deep", 3 * 1024 ** 2, None,
                                                              "DEEP_ARCHIVE")], None))
    assert [model.index(0, c).data() for c in (NAME, SIZE, STORAGE)] == ["f/", "", "Folder"]
    assert [model.index(1, c).data() for c in (NAME, SIZE, STORAGE)] == \
        ["deep", "3.0 MiB", "Glacier Deep Archive · restore before download"]
