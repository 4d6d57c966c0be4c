"""PutObject and UploadPart as one signed request each, on botocore's own parts.

botocore's call pipeline adds about 0.3 ms of CPU to each small PUT (issue #24; 1.1 ms in
all, of which its HTTP session takes 0.45): a dozen events, the endpoint rule set, retry
bookkeeping, a request's headers kept and copied as email messages, a parser walking the
output shape. For the data requests the direct path keeps what decides the bytes on the
wire, each step botocore's own: the client's parameter handlers (``before-parameter-build``:
SSE-C, metadata checks), its validating rest-xml serializer, its ``before-call`` handlers
(Expect: 100-continue, Hoist's own rule for small bodies), its checksum context, its SigV4
signer over the client's credentials object, so refreshing credentials refresh
(:mod:`.signing`), its HTTP session (pool, CA bundle, proxies, timeouts and the exception
types of a lost connection), its parser for error answers and its modelled exceptions. A
success answer is read from its headers as botocore would (:mod:`.answers`). Where the
request goes comes from botocore's last request to the bucket (:mod:`.learning`); until
then, and after an error answer, botocore sends it. Nothing here logs a header.
"""

import uuid

from botocore.awsrequest import AWSPreparedRequest, prepare_request_dict
from botocore.context import start_as_current_context
from botocore.endpoint import convert_to_response_dict
from botocore.handlers import add_retry_headers
from botocore.httpchecksum import apply_request_checksum, resolve_checksum_context

from hoist.core.remote.direct.answers import HeaderReader
from hoist.core.remote.direct.learning import BaseLearner
from hoist.core.remote.direct.signing import DirectSigner, PlainRequest
from hoist.core.remote.direct.switch import ATTRIBUTE, DIRECT_OPERATIONS
from hoist.core.remote.direct.wire import SmallPuts

# answers that mean "ask elsewhere": botocore's region redirector follows them within the call
_REDIRECT_CODES = {"PermanentRedirect", "AuthorizationHeaderMalformed",
                   "IllegalLocationConstraintException", "301", "TemporaryRedirect"}


class DirectRequests:
    """The direct path of one botocore S3 client; attach with ``DirectRequests(client)``."""

    def __init__(self, client):
        self._client = client
        self._endpoint = client._endpoint
        self._signer = client._request_signer
        self._events = client.meta.events
        self._learner = BaseLearner(self._events, client.meta.region_name,
                                    self._signer._signing_name)
        self._models = {name: client.meta.service_model.operation_model(name)
                        for name in DIRECT_OPERATIONS}
        self._readers = {name: HeaderReader(model.output_shape)
                         for name, model in self._models.items()}
        self.sent = 0               # requests sent on the direct path, answered or not
        self._small = SmallPuts(self._endpoint.http_session)   # a small body's, on the socket
        vars(client)[ATTRIBUTE] = self

    def knows(self, bucket: str) -> bool:
        """Has a request to ``bucket`` shown where its data requests go?"""
        return self._learner.base(bucket) is not None

    def forget(self, bucket: str) -> None:
        self._learner.forget(bucket)

    def call(self, operation: str, params: dict) -> dict | None:
        """``operation`` with ``params`` (Bucket included) sent directly: botocore's parsed
        answer, or a ClientError raised as botocore raises it. None when botocore must
        send it: no base learnt for the bucket yet, no credentials, or a redirect."""
        base = self._learner.base(params["Bucket"])
        credentials = self._signer._credentials
        if base is None or credentials is None:
            return None
        with start_as_current_context():    # botocore's: what the User-Agent says was used
            return self._send(operation, params, base, credentials)

    def _send(self, operation: str, params: dict, base, credentials) -> dict | None:
        bucket = params["Bucket"]
        model = self._models[operation]
        meta = self._client.meta
        context = {"client_region": meta.region_name, "client_config": meta.config,
                   "has_streaming_input": model.has_streaming_input, "auth_type": "s3v4",
                   "unsigned_payload": model.unsigned_payload,
                   "signing": {"region": base.region, "signing_name": base.signing_name}}
        self._events.emit(f"before-parameter-build.s3.{operation}", params=params,
                          model=model, context=context)
        request_dict = self._client._serializer.serialize_to_request(params, model)
        prepare_request_dict(request_dict, endpoint_url=base.url, context=context)
        resolve_checksum_context(request_dict, model, params)
        request_dict["headers"]["User-Agent"] = self._client._user_agent_creator.to_string()
        _, answered = self._events.emit_until_response(
            f"before-call.s3.{operation}", model=model, params=request_dict,
            request_signer=self._signer, context=context)
        if answered is not None:        # a handler answered (botocore's Stubber, say)
            return self._answer(answered[0], answered[1], operation, bucket)
        apply_request_checksum(request_dict)
        headers = request_dict["headers"]
        if "Content-Length" not in headers or request_dict.get("host_prefix"):
            return None                 # botocore would work out the length or the host
        request = PlainRequest(request_dict["method"], request_dict["url"], headers,
                               request_dict["body"], context, base.host)
        context["retries"] = {"attempt": 1, "invocation-id": str(uuid.uuid4())}
        if base.max_attempts is not None:
            context["retries"]["max"] = base.max_attempts
        add_retry_headers(request)
        DirectSigner(credentials.get_frozen_credentials(), base.signing_name,
                     base.region).add_auth(request)
        self._endpoint._encode_headers(headers)          # as botocore sends them: UTF-8
        self.sent += 1
        prepared = AWSPreparedRequest(request.method, request.url, headers, request.body, False,
                                      context)
        http = (self._small.send(prepared) if self._small.takes(prepared)
                else self._endpoint.http_session.send(prepared))
        reader = self._readers[operation]
        if 200 <= http.status_code < 300 and reader.complete:
            return reader.read(http.status_code, http.headers)
        response_dict = convert_to_response_dict(http, model)
        parser = self._endpoint._response_parser_factory.create_parser("rest-xml")
        parsed = parser.parse(response_dict, model.output_shape)
        if http.status_code >= 300:
            self._endpoint._add_modeled_error_fields(response_dict, parsed, model, parser)
            if _is_redirect(http.status_code, parsed) and _rewind(params.get("Body")):
                self._learner.forget(bucket)
                return None             # botocore follows it, and learns where it went
        parsed.setdefault("ResponseMetadata", {})["RetryAttempts"] = 0
        return self._answer(http, parsed, operation, bucket)

    def _answer(self, http, parsed: dict, operation: str, bucket: str) -> dict:
        if http.status_code < 300:
            return parsed
        self._learner.forget(bucket)    # the engine's retry goes through botocore
        code = parsed.get("Error", {}).get("Code")
        raise self._client.exceptions.from_code(code)(parsed, operation)


def _is_redirect(status: int, parsed: dict) -> bool:
    error = parsed.get("Error", {})
    return 300 <= status < 400 or (
        error.get("Code") in _REDIRECT_CODES
        and (error.get("Code") != "AuthorizationHeaderMalformed" or "Region" in error))


def _rewind(body) -> bool:
    """Put ``body`` back at its start for botocore to send again; False if it cannot be."""
    try:
        body.seek(0)
    except (AttributeError, OSError, ValueError):
        return False
    return True
