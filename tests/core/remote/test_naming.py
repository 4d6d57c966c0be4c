from hoist.core.remote.naming import keep_both_key


def test_first_free_name_beside_the_key():
    taken = {"photos/a (1).jpg", "photos/a (2).jpg"}
    assert keep_both_key("photos/a.jpg", taken.__contains__) == "photos/a (3).jpg"
    assert keep_both_key("a.tar.gz", set().__contains__) == "a.tar (1).gz"
    assert keep_both_key("README", set().__contains__) == "README (1)"
    assert keep_both_key("dir/.bashrc", set().__contains__) == "dir/.bashrc (1)"


def test_a_free_name_is_used_at_once():
    assert keep_both_key("a/b/report.pdf", lambda key: False) == "a/b/report (1).pdf"


def test_every_candidate_is_asked_in_order():
    asked = []

    def exists(key):
        asked.append(key)
        return len(asked) < 3
    assert keep_both_key("x.txt", exists) == "x (3).txt"
    assert asked == ["x (1).txt", "x (2).txt", "x (3).txt"]
