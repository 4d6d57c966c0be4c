"""Credentials that expired: which refusals mean it, and what to tell people to do.

An assumed role, an SSO session or a rotated ``credential_process`` runs out
while an upload goes on. That is a pause, not a failure: the engine waits with
a probe that reads the credentials afresh (hoist.core.policy.network) and the
row says what would bring them back, which depends on where they come from.
"""

from botocore.exceptions import (
    CredentialRetrievalError,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)

EXPIRED_PREFIX = "Credentials expired:"

# S3's answers to a request signed with credentials that have run out
EXPIRED_CODES = {"ExpiredToken", "TokenRefreshRequired", "RequestExpired"}

# botocore's, when it cannot refresh them before signing: an SSO session that ended,
# a credential_process that fails (while it is being rotated, say)
EXPIRED_REFRESHES = (UnauthorizedSSOTokenError, SSOTokenLoadError, TokenRetrievalError,
                     CredentialRetrievalError)


def is_sso_profile(profile: str | None) -> bool:
    """Does ``profile`` get its credentials from IAM Identity Center (SSO)?"""
    if not profile:
        return False
    try:
        import botocore.session
        config = botocore.session.Session(profile=profile).full_config
        settings = config.get("profiles", {}).get(profile, {})
    except Exception:  # noqa: BLE001 -- a broken ~/.aws/config only costs the precise remedy
        return False
    return "sso_start_url" in settings or "sso_session" in settings


def expired_message(profile: str | None, account: str | None, typed_key: bool) -> str:
    """"Credentials expired: " and what brings them back (no trailing period: a waiting
    row adds "— next try in N s")."""
    if typed_key:
        remedy = f"update the access key of account {account} in Accounts…"
    elif is_sso_profile(profile):
        remedy = f"run `aws sso login --profile {profile}`"
    elif profile:
        remedy = (f"refresh the credentials of profile {profile} (its role, credential_process "
                  "or ~/.aws/credentials)")
    else:
        remedy = "refresh the credentials in ~/.aws/credentials or the environment"
    return f"{EXPIRED_PREFIX} {remedy}"
