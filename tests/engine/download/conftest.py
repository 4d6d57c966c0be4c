"""The download tests' fixtures: objects on moto, and downloads run by the engine fixture."""

import random

import pytest

from hoist.core.remote.s3 import Destination

MiB = 1024 * 1024


@pytest.fixture
def dest(s3_server, bucket):
    return Destination(bucket=bucket, endpoint_url=s3_server.endpoint_url, region="us-east-1")


@pytest.fixture
def put(s3, bucket):
    """put(key, size or bytes, seed=…, crc=True) -> the object's bytes, stored in moto."""
    def make(key: str, data, seed: int = 0, crc: bool = True) -> bytes:
        if isinstance(data, int):
            data = random.Random(f"{key}{seed}").randbytes(data)
        extra = {"ChecksumAlgorithm": "CRC32"} if crc else {}
        s3.put_object(Bucket=bucket, Key=key, Body=data, **extra)
        return data
    return make


@pytest.fixture
def download(engine, dest, tmp_path):
    """download(keys, **options) -> AddedDownloads into tmp_path/"dl", ranges of 1 MiB."""
    def run(keys, target=None, **options):
        options.setdefault("range_size", MiB)
        return engine.manager.add_downloads(dest, dest.bucket, list(keys),
                                            str(target or tmp_path / "dl"), **options)
    return run
