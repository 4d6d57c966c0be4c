"""Fixtures for running `hoist` as a subprocess against the test server."""

import os

import pytest


@pytest.fixture
def cli_env(s3_server, data_dir):
    env = dict(os.environ)
    env.update(HOIST_DATA_DIR=str(data_dir), AWS_ENDPOINT_URL=s3_server.endpoint_url,
               PYTHONUNBUFFERED="1")
    env.pop("QT_QPA_PLATFORM", None)          # the CLI needs no platform plugin at all
    return env
