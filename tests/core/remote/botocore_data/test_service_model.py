"""The slim S3 service model (core/remote/botocore_data/service_model.py, issue #24): it holds
every operation Hoist calls (found in the source, so a new call cannot be forgotten), a
client on it sends every one of them byte for byte as a client on the whole model does and
reads the store's answers alike, and it is kept owner-only and made again when stale."""

import datetime
import json
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from botocore import xform_name
from botocore.loaders import Loader
from botocore.parsers import create_parser
from botocore.session import Session

from hoist.core.remote import s3 as hoist_s3
from hoist.core.remote.botocore_data import lean_data
from hoist.core.remote.botocore_data.service_model import MODEL_NAME, OPERATIONS, lean_model
from hoist.core.remote.clients import Destination, S3Clients

APP = Path(__file__).resolve().parents[4] / "app" / "hoist"
# what varies from one request to the next whatever the model: the time and the signature
VARYING = {"authorization", "x-amz-date", "amz-sdk-invocation-id", "amz-sdk-request",
           "x-amz-signature", "x-amz-credential", "user-agent"}


@pytest.fixture(scope="module")
def whole_client():
    return Session().create_client("s3", region_name="us-east-1")


@pytest.fixture(scope="module")
def whole_model(whole_client):
    return whole_client.meta.service_model


def _client(cache_dir=None, **kwargs):
    session = Session()
    if cache_dir is not None:
        lean_data(session, cache_dir)
    return session.create_client("s3", region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE",
                                 aws_secret_access_key="secret", **kwargs)


# -- every call Hoist makes is in it -----------------------------------------------------
def _calls_in_source(whole_client) -> set[str]:
    """Every S3 operation the app's source asks botocore for."""
    snake = {xform_name(name): name for name in whole_client.meta.service_model.operation_names}
    found = set(hoist_s3._METHODS)                              # Bucket._call's table
    for path in APP.rglob("*.py"):
        text = path.read_text()
        # bucket.request("DeleteObjects", ...), self._call("HeadObject", ...)
        found |= set(re.findall(r"(?:_call|request)\(\s*\"([A-Z][A-Za-z0-9]+)\"", text))
        found |= {snake[name] for name in
                  re.findall(r"generate_presigned_url\(\s*\"([a-z0-9_]+)\"", text)}
        for name in re.findall(r"\bclient\.([a-z][a-z0-9_]*)\(", text):   # client.head_object(
            assert name in snake or hasattr(whole_client, name), \
                f"{path.name} calls client.{name}, which is no S3 operation botocore knows"
            if name in snake:
                found.add(snake[name])
    return found


def test_every_operation_hoist_calls_is_in_the_slim_model(whole_client, whole_model):
    calls = _calls_in_source(whole_client)
    assert len(calls) >= 15                  # the search still finds the calls it should
    assert calls - OPERATIONS == set(), "add these to OPERATIONS in service_model.py"
    # and botocore's own: S3 Express sessions, the region of a redirected bucket
    assert {"CreateSession", "HeadBucket"} <= OPERATIONS
    assert OPERATIONS <= set(whole_model.operation_names)         # no misspelt name


def test_a_client_on_the_slim_model_has_exactly_those_operations(tmp_path):
    client = _client(tmp_path)
    assert set(client.meta.service_model.operation_names) == OPERATIONS
    with pytest.raises(AttributeError):
        client.copy_object                                        # noqa: B018 -- not kept


# -- it sends and reads as the whole model does --------------------------------------------
def _sample(shape, within=()):
    """A value for every member of ``shape``, each as its type and limits allow."""
    kind = shape.type_name
    if kind == "structure":
        assert shape.name not in within, f"{shape.name} holds itself"
        return {name: _sample(member, (*within, shape.name))
                for name, member in shape.members.items()}
    if kind == "list":
        return [_sample(shape.member, within)]
    if kind == "map":
        return {"k": _sample(shape.value, within)}
    if kind == "string":
        return shape.enum[0] if shape.enum else "x" * max(1, shape.metadata.get("min", 1))
    if kind in ("integer", "long"):
        return max(1, shape.metadata.get("min", 1))
    if kind in ("float", "double"):
        return 1.5
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    if kind == "blob":
        return b"body bytes"
    raise AssertionError(f"no sample for a {kind}")


class Sent(Exception):
    """Raised in place of sending: the request is all the test wants."""


def _request_of(client, operation: str, params: dict):
    """What ``client`` would send for ``operation``: method, URL, headers and body, less the
    parts that change with the time."""
    captured = {}

    def capture(request, **_kwargs):
        url = urlsplit(request.url)
        captured.update(
            method=request.method, where=(url.scheme, url.netloc, url.path),
            query=sorted((k, v) for k, v in parse_qsl(url.query, keep_blank_values=True)
                         if k.lower() not in VARYING),
            headers=sorted((k.lower(), v) for k, v in request.headers.items()
                           if k.lower() not in VARYING),
            body=request.body if isinstance(request.body, (bytes, str, type(None)))
            else request.body.read())
        raise Sent()

    client.meta.events.register_first(f"before-send.s3.{operation}", capture)
    try:
        getattr(client, xform_name(operation))(**params)
    except Sent:
        return captured
    except Exception as error:  # noqa: BLE001 -- a refusal must be the same refusal
        return type(error).__name__, str(error)
    raise AssertionError(f"{operation} was not sent")


def test_every_operation_is_sent_as_with_the_whole_model(tmp_path, whole_model):
    lean, whole = _client(tmp_path, endpoint_url="http://127.0.0.1:9"), \
        _client(endpoint_url="http://127.0.0.1:9")
    for operation in sorted(OPERATIONS):
        params = _sample(whole_model.operation_model(operation).input_shape)
        sent = _request_of(lean, operation, params)
        assert isinstance(sent, dict), (operation, sent)          # every member went out
        assert sent == _request_of(whole, operation, params), operation
    url = {name: c.generate_presigned_url("get_object", {"Bucket": "b", "Key": "k/é"})
           for name, c in (("lean", lean), ("whole", whole))}
    assert {k: v for k, v in parse_qsl(urlsplit(url["lean"]).query) if k.lower() not in VARYING} \
        == {k: v for k, v in parse_qsl(urlsplit(url["whole"]).query) if k.lower() not in VARYING}


def test_the_stores_answers_read_as_with_the_whole_model(tmp_path, s3_server, bucket, whole_model):
    """Hoist's own client (S3Clients with a data directory) talks to moto; each answer it
    got, success or error, is parsed again on both models and must come out the same."""
    dest = Destination(bucket=bucket, endpoint_url=s3_server.endpoint_url, region="us-east-1")
    client = S3Clients(max_pool_connections=2, cache_dir=tmp_path).client_for(dest)
    assert (tmp_path / MODEL_NAME).exists()
    answers = []
    client.meta.events.register(
        "before-parse.s3", lambda operation_model, response_dict, **_: answers.append(
            (operation_model.name, dict(response_dict))))
    b = {"Bucket": bucket}
    client.head_bucket(**b)
    client.put_object(**b, Key="one", Body=b"one", Metadata={"m": "v"}, ChecksumAlgorithm="CRC32")
    client.head_object(**b, Key="one")
    client.get_object(**b, Key="one")["Body"].read()
    upload = client.create_multipart_upload(**b, Key="two")["UploadId"]
    etag = client.upload_part(**b, Key="two", UploadId=upload, PartNumber=1, Body=b"x" * 10)["ETag"]
    client.list_parts(**b, Key="two", UploadId=upload)
    client.list_multipart_uploads(**b)
    client.complete_multipart_upload(**b, Key="two", UploadId=upload, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": etag}]})
    client.head_object(**b, Key="two", PartNumber=1)
    client.get_object_attributes(**b, Key="two", ObjectAttributes=["ETag", "ObjectParts"])
    client.list_objects_v2(**b, MaxKeys=1)
    client.list_objects_v2(**b, Delimiter="/", Prefix="")
    doomed = client.create_multipart_upload(**b, Key="three")["UploadId"]
    client.abort_multipart_upload(**b, Key="three", UploadId=doomed)
    client.delete_objects(**b, Delete={"Objects": [{"Key": "one"}, {"Key": "none"}]})
    client.delete_object(**b, Key="two")
    for refused in (lambda: client.head_object(**b, Key="gone"),
                    lambda: client.get_object(**b, Key="gone"),
                    lambda: client.list_parts(**b, Key="two", UploadId="no-such-upload"),
                    lambda: client.restore_object(**b, Key="gone", RestoreRequest={"Days": 1})):
        with pytest.raises(client.exceptions.ClientError):
            refused()
    assert len({name for name, _ in answers}) >= 14
    lean_model_ = client.meta.service_model
    for name, answer in answers:
        if whole_model.operation_model(name).has_streaming_output and answer["status_code"] < 300:
            answer = dict(answer, body=None)              # read once already
        parse = create_parser("rest-xml").parse
        assert parse(dict(answer), lean_model_.operation_model(name).output_shape) == \
            parse(dict(answer), whole_model.operation_model(name).output_shape), name


# -- kept in the data directory ------------------------------------------------------------
def test_the_kept_model_is_owner_only_small_and_made_again_when_stale(tmp_path):
    cache = tmp_path / MODEL_NAME
    lean_model(Session(), cache)
    kept = json.loads(cache.read_text())
    assert cache.stat().st_mode & 0o077 == 0                      # as the data directory
    whole_size = Path(kept["source"][0]).stat().st_size           # gzipped, even so
    assert cache.stat().st_size < whole_size
    assert kept["source"][-1] == sorted(OPERATIONS)               # a new call: made again

    cache.write_text(json.dumps(dict(kept, source=[*kept["source"][:3], "0.0.0",
                                                   *kept["source"][4:]])))
    lean_model(Session(), cache)                                  # another botocore
    assert json.loads(cache.read_text()) == kept
    cache.write_text('{"source": ')                               # a broken file
    session = Session()
    lean_model(session, cache)
    assert json.loads(cache.read_text()) == kept
    client = session.create_client("s3", region_name="us-east-1")
    assert set(client.meta.service_model.operation_names) == OPERATIONS


def test_without_a_place_to_keep_it_the_client_is_still_made(tmp_path):
    cache = tmp_path / "missing" / MODEL_NAME                     # cannot be written
    session = Session()
    lean_model(session, cache)
    assert not cache.exists()
    client = session.create_client("s3", region_name="us-east-1")
    assert set(client.meta.service_model.operation_names) == OPERATIONS


def test_a_model_that_cannot_be_read_leaves_the_session_to_botocore(tmp_path):
    models = tmp_path / "models" / "s3" / "2006-03-01"
    models.mkdir(parents=True)
    (models / "service-2.json").write_text('{"broken": ')     # found before botocore's own
    session = Session()
    loader = Loader(extra_search_paths=[str(tmp_path / "models")])
    session.register_component("data_loader", loader)
    lean_model(session, tmp_path / MODEL_NAME)
    assert session.get_component("data_loader") is loader
    assert not (tmp_path / MODEL_NAME).exists()
