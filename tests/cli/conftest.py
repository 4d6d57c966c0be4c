"""Fixtures for running `hoist` as a subprocess against the test server."""

import os

import pytest


@pytest.fixture
def cli_env(s3_server, data_dir):
    env = dict(os.environ)
    env.update(HOIST_DATA_DIR=str(data_dir), AWS_ENDPOINT_URL=s3_server.endpoint_url,
               PYTHONUNBUFFERED="1",
               # outages are waited out with probes at most 1 s apart (60 s for users), so an
               # outage test lasts seconds; the rules of waiting are the same
               HOIST_NETWORK_BASE="0.25", HOIST_NETWORK_CAP="1")
    env.pop("QT_QPA_PLATFORM", None)          # the CLI needs no platform plugin at all
    return env
