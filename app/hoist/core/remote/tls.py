"""Trusting a store's TLS certificate: which CA bundle applies, and what a refusal means.

The order, first found wins: the account's CA bundle (or ``--ca-bundle``), then
``AWS_CA_BUNDLE``, then the profile's ``ca_bundle`` in ~/.aws/config, then the
system's store (botocore's certifi bundle). botocore already resolves the last three
when handed ``verify=None``; this module decides the first and says which one applied.
"""

import os
import ssl
from enum import Enum


class CertificateProblem(Enum):
    UNKNOWN_ISSUER = "TLSUnknownIssuer"   # self-signed, or signed by a CA not trusted here
    EXPIRED = "TLSExpired"                # or not valid yet: a clock or a renewal
    WRONG_HOST = "TLSWrongHost"           # the certificate names another host
    OTHER = "TLSCertificate"              # revoked, bad usage, weak key...


CERTIFICATE_CODES = {problem.value for problem in CertificateProblem}   # S3Error.code

# OpenSSL's X509_V_ERR_* codes, as ssl.SSLCertVerificationError.verify_code carries them
_BY_CODE = {
    2: CertificateProblem.UNKNOWN_ISSUER,    # unable to get issuer certificate
    18: CertificateProblem.UNKNOWN_ISSUER,   # self-signed leaf
    19: CertificateProblem.UNKNOWN_ISSUER,   # self-signed root in the chain
    20: CertificateProblem.UNKNOWN_ISSUER,   # unable to get local issuer certificate
    21: CertificateProblem.UNKNOWN_ISSUER,   # unable to verify the first certificate
    9: CertificateProblem.EXPIRED,           # not yet valid
    10: CertificateProblem.EXPIRED,          # expired
    62: CertificateProblem.WRONG_HOST,       # host name mismatch
    64: CertificateProblem.WRONG_HOST,       # IP address mismatch
}


def verify_argument(ca_bundle: str | None, verify_tls: bool):
    """botocore's ``verify``: False when switched off, a bundle the account names, or None
    (not True: None lets botocore read AWS_CA_BUNDLE and the profile's ca_bundle)."""
    if not verify_tls:
        return False
    return ca_bundle or None


def certificate_problem(exc: BaseException) -> tuple[CertificateProblem, str] | None:
    """What a TLS failure says of the certificate, and OpenSSL's or urllib3's words for it;
    None when the failure is not about the certificate (a handshake cut short)."""
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            problem = _BY_CODE.get(getattr(cause, "verify_code", None), CertificateProblem.OTHER)
            return problem, str(getattr(cause, "verify_message", "") or cause)
        # urllib3 matches host names itself when the address is an IP or hostname checks are
        # left to it: its CertificateError (a ValueError, not an SSLError) is the wrong host
        if type(cause).__name__ == "CertificateError":
            return CertificateProblem.WRONG_HOST, str(cause)
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate" in text.lower():
        # only words to go on (a wrapped error that lost its cause): OpenSSL's own phrases
        lower = text.lower()
        problem = next((p for words, p in _BY_WORDS if any(w in lower for w in words)),
                       CertificateProblem.OTHER)
        return problem, text
    return None


_BY_WORDS = [
    (("self-signed", "self signed", "local issuer", "issuer certificate"),
     CertificateProblem.UNKNOWN_ISSUER),
    (("has expired", "not yet valid"), CertificateProblem.EXPIRED),
    (("doesn't match", "mismatch"), CertificateProblem.WRONG_HOST),
]


def _causes(exc: BaseException):
    """``exc`` and what it wraps: botocore keeps urllib3's error in ``kwargs['error']``, and
    urllib3 keeps the ssl module's as an argument or a cause."""
    seen, todo = [], [exc]
    while todo:
        item = todo.pop(0)
        if not isinstance(item, BaseException) or any(item is s for s in seen):
            continue
        seen.append(item)
        yield item
        kwargs = getattr(item, "kwargs", None)
        wrapped = kwargs.get("error") if isinstance(kwargs, dict) else None
        todo += [wrapped, item.__cause__, item.__context__, *item.args]


def trusted(ca_bundle: str | None, profile: str | None) -> str:
    """In words, which certificates a connection trusted: the first of the order above."""
    if ca_bundle:
        return f"the CA bundle {ca_bundle}"
    if os.environ.get("AWS_CA_BUNDLE"):
        return f"AWS_CA_BUNDLE ({os.environ['AWS_CA_BUNDLE']})"
    profile_bundle = _profile_bundle(profile)
    if profile_bundle:
        return f"the ca_bundle of the AWS profile ({profile_bundle})"
    return "the system's certificates"


def _profile_bundle(profile: str | None) -> str | None:
    import botocore.session
    try:
        return botocore.session.Session(profile=profile).get_scoped_config().get("ca_bundle")
    except Exception:  # noqa: BLE001 -- a broken ~/.aws/config is reported elsewhere
        return None


def certificate_message(problem: CertificateProblem, detail: str, where: str,
                        trust: str) -> str:
    """What a user reads: the problem in plain words, then what would fix it."""
    if problem is CertificateProblem.UNKNOWN_ISSUER:
        return (f"The TLS certificate of {where} comes from an unknown issuer (self-signed, "
                f"or signed by a private CA that {trust} does not include). Give the account "
                "that CA's certificate as its CA bundle (or --ca-bundle FILE, or AWS_CA_BUNDLE).")
    if problem is CertificateProblem.EXPIRED:
        return (f"The TLS certificate of {where} has expired or is not valid yet ({detail}): "
                "the store's certificate needs renewing, or this computer's clock is wrong.")
    if problem is CertificateProblem.WRONG_HOST:
        return (f"The TLS certificate of {where} is for another host name ({detail}): check "
                "the endpoint URL's host name, or use the name the certificate was made for.")
    return (f"The TLS certificate of {where} could not be verified ({detail}): check the "
            "endpoint URL and the account's CA bundle.")


def bundle_problem(path: str) -> str | None:
    """Why ``path`` cannot serve as a CA bundle (None if it can): a missing file or one
    that holds no PEM certificate fails every connection with a confusing TLS error."""
    try:
        ssl.create_default_context(cafile=path)
    except FileNotFoundError:
        return f"The CA bundle {path} does not exist."
    except IsADirectoryError:
        return f"The CA bundle {path} is a directory: choose the PEM file itself."
    except PermissionError:
        return f"The CA bundle {path} cannot be read (permission denied)."
    except (ssl.SSLError, OSError, ValueError):
        return f"The CA bundle {path} holds no PEM certificate."
    return None
