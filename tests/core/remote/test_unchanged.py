"""The rule for an unchanged file: Hoist's record (fingerprint and ETag), else size and time."""

import datetime
import os

from hoist.core.checkpoint.sent import SentFile
from hoist.core.local.fingerprint import fingerprint
from hoist.core.remote.checksums import file_etag
from hoist.core.remote.s3 import RemoteObject
from hoist.core.remote.unchanged import OVERWRITE, UNCHANGED, verdicts


def remote(size, etag='"e1"', seconds_after_file=10, path=None):
    when = os.stat(path).st_mtime + seconds_after_file
    return RemoteObject(size, etag, None, datetime.datetime.fromtimestamp(when, datetime.timezone.utc))


def test_with_a_record_the_fingerprint_and_the_etag_decide(make_file):
    path = make_file("a.txt", 100)
    source = [(str(path), "a.txt", 100)]
    record = {("a.txt", str(path)): SentFile(fingerprint(path), '"e1"')}
    assert verdicts(source, {"a.txt": remote(100, path=path)}, record) == {"a.txt": UNCHANGED}
    # the object was replaced since (another ETag), though its size and time look right
    assert verdicts(source, {"a.txt": remote(100, '"e2"', path=path)}, record) == {"a.txt": OVERWRITE}
    os.utime(path, (1, 1))       # touched: the fingerprint differs, even with an older time
    assert verdicts(source, {"a.txt": remote(100, path=path)}, record) == {"a.txt": OVERWRITE}


def test_without_a_record_the_aws_cli_rule(make_file):
    path = make_file("b.txt", 100)
    source = [(str(path), "b.txt", 100)]
    assert verdicts(source, {"b.txt": remote(100, path=path)}, {}) == {"b.txt": UNCHANGED}
    assert verdicts(source, {"b.txt": remote(99, path=path)}, {}) == {"b.txt": OVERWRITE}
    older = remote(100, seconds_after_file=-5, path=path)
    assert verdicts(source, {"b.txt": older}, {}) == {"b.txt": OVERWRITE}
    assert verdicts(source, {}, {}) == {}                    # not there: simply sent


def test_checksum_compares_the_md5_of_a_single_part_object(make_file):
    path = make_file("c.bin", 3000)
    source = [(str(path), "c.bin", 3000)]
    etag = f'"{file_etag(path, 3000)}"'
    old = remote(3000, etag, seconds_after_file=-99, path=path)     # time does not matter
    assert verdicts(source, {"c.bin": old}, {}, checksum=True) == {"c.bin": UNCHANGED}
    other = remote(3000, '"0123456789abcdef0123456789abcdef"', path=path)
    assert verdicts(source, {"c.bin": other}, {}, checksum=True) == {"c.bin": OVERWRITE}


def test_a_multipart_etag_is_recomputed_with_the_part_size(make_file):
    path = make_file("d.bin", 2500)

    class Parts:
        def part_size(self, key):
            return 1000
    etag = f'"{file_etag(path, 2500, 1000)}"'
    assert etag.endswith('-3"')
    there = {"d.bin": remote(2500, etag, path=path)}
    assert verdicts([(str(path), "d.bin", 2500)], there, {}, True, Parts()) == {"d.bin": UNCHANGED}
