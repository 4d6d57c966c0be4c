"""Secrets taken out of text before it is logged or shown to anyone.

What an S3 request carries that must never be written down: the Authorization
header (its signature), request signatures and session tokens in a header or a
presigned URL's query string, and SSE-C keys. They are found by name, in the
forms they take in header lines, query strings, JSON and botocore's reprs of
dicts, and replaced by ``[redacted]``; the SSE-C key's MD5 is not a secret and stays.
"""

import re

REDACTED = "[redacted]"

# what separates a name from its value: "Name: v", "name:v", "Name=v", "'Name': b'v'", '"Name": "v"'
_SEP = r"""['"]?[ \t]*[:=]\s*(?:b?['"])?"""
_PATTERNS = (
    # a presigned URL: its whole query string, which says how to use it without a key
    (re.compile(r"""(https?://[^\s?'"<>]*\?)[^\s'"<>]*?(?:Signature|Security-Token)=[^\s'"<>]*""",
                re.IGNORECASE), r"\1" + REDACTED),
    # the Authorization header: its whole value (SigV4's Credential, SignedHeaders and
    # Signature, or SigV2's key id and signature)
    (re.compile(rf"""(\bAuthorization{_SEP})[^'"\r\n]+""", re.IGNORECASE), r"\1" + REDACTED),
    # signatures, session tokens, secret keys and SSE-C keys: as headers, query parameters,
    # boto params or credential settings
    (re.compile(rf"""(\b(?:X-Amz-Signature|X-Amz-Security-Token|SessionToken|SecretAccessKey
                   |(?:aws_)?(?:session_token|secret_access_key)
                   |x-amz-(?:copy-source-)?server-side-encryption-customer-key(?!-md5)
                   |(?:CopySource)?SSECustomerKey(?!MD5))
                   {_SEP})[^&\s'",;<>]+""", re.IGNORECASE | re.VERBOSE), r"\1" + REDACTED),
    # a bare "Signature" (SigV2's query, SigV4's header, botocore's debug line) only before
    # what looks like one: prose says "the request signature: check the secret key"
    (re.compile(rf"""(\bSignature{_SEP})[0-9A-Za-z+/%=]{{16,}}""", re.IGNORECASE),
     r"\1" + REDACTED),
)


# Every pattern above needs one of these words (in any case): text with none of them, nearly
# every log line, is returned without running the patterns (a folder of small files logs a
# line a file).
_CUES = ("signature", "authorization", "token", "secret", "customer")


def redact(text: str) -> str:
    """``text`` with every signature, session token, SSE-C key and presigned query replaced."""
    lowered = text.lower()
    if not any(cue in lowered for cue in _CUES):
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
