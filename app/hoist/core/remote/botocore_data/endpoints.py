"""S3's slice of botocore's endpoints table, kept in the data directory (issue #24).

Every botocore client reads botocore's legacy endpoints table (endpoints.json: 1.2 MB of
JSON, ~30 ms and 6.7 MiB kept, 7.9 MiB at its peak) though an S3 client consults only S3's
entries in it (its endpoints come from S3's rule set; the table names the region and
signing name). The slice is kept beside the checkpoints, made once per table; any other
service (STS for an assumed role, SSO) reads the whole table on first use.
"""

import json
import logging
import os
from pathlib import Path

from hoist.core.local.private_files import write_private_text

log = logging.getLogger("hoist.s3")

ENDPOINTS_NAME = "s3-endpoints.json"
S3 = "s3"


def lean_endpoints(session, cache: Path) -> None:
    """Have ``session``'s clients resolve from S3's slice of the endpoints table, kept in
    ``cache``; leave botocore's own resolver if the slice cannot be had."""
    from botocore import __version__ as botocore_version
    from botocore.loaders import JSONFileLoader
    from botocore.regions import EndpointResolver
    loader = session.get_component("data_loader")
    source = _table_source(loader, botocore_version)
    if source is None:
        return
    try:
        kept = json.loads(cache.read_text(encoding="utf-8"))
        table = kept["table"] if kept.get("source") == source else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        table = None
    if table is None:
        # read past the loader, whose cache would keep the whole table for the run
        try:
            whole = JSONFileLoader().load_file(source[1])
            table = dict(whole, partitions=[
                dict(partition, services={S3: partition["services"][S3]}
                     if S3 in partition.get("services", {}) else {})
                for partition in whole["partitions"]])
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            log.debug("S3's endpoints not sliced from %s: %s", source[1], error)
            return                      # botocore reads its own, and says what is wrong
        del whole
        try:
            write_private_text(cache, json.dumps({"source": source, "table": table}))
        except OSError as error:      # another run writing it, a full disk: next time, then
            log.debug("S3's endpoints not kept in %s: %s", cache, error)

    class S3Endpoints(EndpointResolver):
        """botocore's resolver over S3's slice; any other service asks the whole table."""

        whole = None

        def _for(self, service_name):
            if service_name == S3:
                return super()
            if self.whole is None:
                data, path = loader.load_data_with_path("endpoints")
                self.whole = EndpointResolver(data, loader.is_builtin_path(path))
            return self.whole

        def construct_endpoint(self, service_name, *args, **kwargs):
            return self._for(service_name).construct_endpoint(service_name, *args, **kwargs)

        def get_available_endpoints(self, service_name, *args, **kwargs):
            return self._for(service_name).get_available_endpoints(service_name, *args, **kwargs)

        def get_service_endpoints_data(self, service_name, *args, **kwargs):
            return self._for(service_name).get_service_endpoints_data(
                service_name, *args, **kwargs)

    builtin = source[0] == "builtin"
    # botocore keeps the resolver among its internal components (get_component warns)
    session._internal_components.register_component(
        "endpoint_resolver", S3Endpoints(table, uses_builtin_data=builtin))


def _table_source(loader, botocore_version: str) -> list | None:
    """What identifies the endpoints table ``loader`` would read: its path, size and mtime,
    and botocore's version; None if none is found."""
    for directory in loader.search_paths:
        for name in ("endpoints.json", "endpoints.json.gz"):
            try:
                stat = os.stat(os.path.join(directory, name))
            except OSError:
                continue
            where = os.path.join(directory, "endpoints")
            return ["builtin" if loader.is_builtin_path(where) else "custom", where,
                    stat.st_size, stat.st_mtime_ns, botocore_version]
    return None
