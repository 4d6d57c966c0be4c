"""A fault-injecting HTTP reverse proxy on loopback, between an S3 client and moto's server.

The client talks HTTP/1.1 to ``endpoint_url`` as if it were S3. Each request
goes to the upstream server byte for byte (the Host header too, so what the
client signed is what arrives) and the answer streams back. A test arms
faults that hit chosen requests -- a TCP reset part-way through the body or
every N bytes, a stall before the request or before the answer, a slow drip,
an S3 error answer, a cut-off answer, every request signed with one access key
refused as expired (``refuse_key``) -- or breaks the link: refused or
accepted-then-reset connections (``down``), connections gone silent
(``half_open``). Only 127.0.0.1 is ever contacted and every loop and thread
ends on ``stop()``.

    with FaultProxy(s3_server.endpoint_url, seed=1) as proxy:
        proxy.error(503, "SlowDown", match="UploadPart", share=0.1)
        client = boto3.client("s3", endpoint_url=proxy.endpoint_url)

wire.py is the HTTP plumbing, faults.py what a test arms, exchange.py one
client connection, proxy.py the proxy and its controls.
"""

from .faults import Fault, ProxyRequest, ProxyStats
from .proxy import FaultProxy

__all__ = ["Fault", "FaultProxy", "ProxyRequest", "ProxyStats"]
