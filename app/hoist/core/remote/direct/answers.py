"""A data request's success answer read as botocore reads it, from its headers alone.

A PutObject or UploadPart answer has no body: everything is in headers the operation's
output shape names (ETag, the checksums, encryption, VersionId, …). botocore's rest-xml
parser walks that shape for every answer (~30 µs); :class:`HeaderReader` walks it once,
at start, into a list of (member, header, type), and reads an answer in a few µs. The
ResponseMetadata is botocore's: RequestId, HostId, HTTPStatusCode, HTTPHeaders (names in
lower case) and RetryAttempts. Error answers are not read here: botocore's parser does that.
"""

from botocore.utils import lowercase_dict

_TYPES = {"string": str, "long": int, "integer": int,
          "boolean": lambda text: text == "true"}     # botocore's rest-xml rule for booleans


class HeaderReader:
    """The answer of one operation whose output lives in headers only."""

    def __init__(self, output_shape):
        self.fields = []
        self.complete = True        # False: a member outside headers; botocore must parse
        for name, member in (output_shape.members.items() if output_shape else ()):
            location = member.serialization.get("location")
            if location == "header" and member.type_name in _TYPES:
                self.fields.append((name, member.serialization.get("name", name).lower(),
                                    _TYPES[member.type_name]))
            else:
                self.complete = False

    def read(self, status: int, headers) -> dict:
        """The parsed answer of ``status`` and ``headers`` (a 2xx), as botocore's parser
        and endpoint give it."""
        lower = lowercase_dict(headers)
        parsed = {name: kind(lower[header]) for name, header, kind in self.fields
                  if header in lower}
        metadata = {}
        if "x-amzn-requestid" in lower:
            metadata["RequestId"] = lower["x-amzn-requestid"]
        elif "x-amz-request-id" in lower:
            metadata["RequestId"] = lower["x-amz-request-id"]
            metadata["HostId"] = lower.get("x-amz-id-2", "")
        metadata.update(HTTPStatusCode=status, HTTPHeaders=lower, RetryAttempts=0)
        parsed["ResponseMetadata"] = metadata
        return parsed
