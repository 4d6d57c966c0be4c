"""S3's slice of botocore's endpoints table (core/remote/botocore_data/endpoints.py, issue
#24): a client made with a cache directory resolves S3 exactly as botocore's whole table
does, reads the whole table only the first time (or when it changed), and lets other
services (STS) read the whole table as before."""

import json

from botocore.regions import EndpointResolver
from botocore.session import Session

from hoist.core.remote.botocore_data.endpoints import ENDPOINTS_NAME, lean_endpoints
from hoist.core.remote.clients import Destination, S3Clients

VARIANTS = [{}, {"use_fips_endpoint": True}, {"use_dualstack_endpoint": True},
            {"use_fips_endpoint": True, "use_dualstack_endpoint": True}]


def _whole_read(session) -> bool:
    # botocore's loader caches each file it has read, by call and name
    return ("load_data_with_path", "endpoints") in session.get_component("data_loader")._cache


def _outcome(call, *args, **kwargs):
    """What ``call`` returns, or the error it raises, as something to compare."""
    try:
        return call(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 -- a refused variant must be refused alike
        return type(error).__name__, str(error)


def _lean_session(cache) -> Session:
    session = Session()
    lean_endpoints(session, cache)
    return session


def test_the_slice_resolves_s3_as_the_whole_table_does_in_every_region(tmp_path):
    cache = tmp_path / ENDPOINTS_NAME
    _lean_session(cache)                                  # writes the slice
    session = _lean_session(cache)                        # reads it
    assert not _whole_read(session)
    lean = session._get_internal_component("endpoint_resolver")
    whole_data = session.get_component("data_loader").load_data("endpoints")
    whole = EndpointResolver(whole_data, uses_builtin_data=True)
    regions = [(p["partition"], r) for p in whole_data["partitions"] for r in p["regions"]]
    assert len(regions) > 30
    for partition, region in [*regions, ("aws", "xx-made-up-1"), ("aws", None)]:
        for variant in VARIANTS:
            assert _outcome(lean.construct_endpoint, "s3", region, **variant) == \
                _outcome(whole.construct_endpoint, "s3", region, **variant), (region, variant)
        assert _outcome(lean.get_partition_for_region, region or "us-east-1") == \
            _outcome(whole.get_partition_for_region, region or "us-east-1")
    for partition in whole.get_available_partitions():
        assert lean.get_available_endpoints("s3", partition) == \
            whole.get_available_endpoints("s3", partition)
    assert len(cache.read_text()) < len(json.dumps(whole_data)) / 20


def test_other_services_read_the_whole_table(tmp_path):
    cache = tmp_path / ENDPOINTS_NAME
    _lean_session(cache)
    session = _lean_session(cache)
    lean = session._get_internal_component("endpoint_resolver")
    whole = EndpointResolver(session.get_component("data_loader").load_data("endpoints"), True)
    for region in ("us-east-1", "eu-west-3", "cn-north-1", "us-gov-west-1"):
        assert lean.construct_endpoint("sts", region) == whole.construct_endpoint("sts", region)
    assert lean.get_available_endpoints("sts") == whole.get_available_endpoints("sts")


def test_a_stale_or_broken_slice_is_made_again(tmp_path):
    cache = tmp_path / ENDPOINTS_NAME
    _lean_session(cache)
    kept = json.loads(cache.read_text())
    cache.write_text(json.dumps(dict(kept, source=[*kept["source"][:-1], "0.0.0"])))
    # another botocore: made again, and the whole table read for it is not kept in memory
    assert not _whole_read(_lean_session(cache))
    assert json.loads(cache.read_text())["source"] == kept["source"]
    cache.write_text("{not json")
    assert not _whole_read(_lean_session(cache))
    assert json.loads(cache.read_text()) == kept
    assert cache.stat().st_mode & 0o077 == 0              # owner-only, as the data directory


def test_a_client_from_the_slice_talks_to_the_store(tmp_path, s3_server, bucket):
    clients = S3Clients(max_pool_connections=2, cache_dir=tmp_path)
    dest = Destination(bucket=bucket, endpoint_url=s3_server.endpoint_url, region="us-east-1")
    clients.client_for(dest).put_object(Bucket=bucket, Key="k", Body=b"bytes")
    fresh = S3Clients(max_pool_connections=2, cache_dir=tmp_path).client_for(dest)
    assert fresh.get_object(Bucket=bucket, Key="k")["Body"].read() == b"bytes"
    assert (tmp_path / ENDPOINTS_NAME).exists()


def test_clients_of_the_slice_are_made_as_botocore_makes_them(tmp_path):
    cache = tmp_path / ENDPOINTS_NAME
    _lean_session(cache)
    for region in ("eu-central-1", "cn-north-1"):
        lean = _lean_session(cache).create_client("s3", region_name=region)
        plain = Session().create_client("s3", region_name=region)
        assert (lean.meta.endpoint_url, lean.meta.region_name, lean.meta.partition) == \
            (plain.meta.endpoint_url, plain.meta.region_name, plain.meta.partition)
        url = lean.generate_presigned_url("get_object", {"Bucket": "b", "Key": "k"})
        assert url.split("?")[0] == \
            plain.generate_presigned_url("get_object", {"Bucket": "b", "Key": "k"}).split("?")[0]
