"""Subcommands that hand the built graph to others: serve (an endpoint) and push (a store)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mmkg.cli.common import EPILOG, EXIT_OK, bounded
from mmkg.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="a read-only SPARQL 1.1 endpoint over the built graph", epilog=EPILOG)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1: this machine only)")
    p.add_argument("--port", type=bounded(int, 1, 65535), default=8000, help="port to listen on")
    p.add_argument("--timeout", type=bounded(float, 0.001), default=10.0, help="seconds a query may run")
    p.add_argument("--max-rows", type=bounded(int, 1), default=10000, help="largest result returned, in rows")
    p.add_argument("--max-response-bytes", type=bounded(int, 1024), default=16 * 1024 * 1024,
                   help="largest response body, in bytes")
    p.add_argument("--max-request-bytes", type=bounded(int, 64), default=64 * 1024, help="largest request body")
    p.add_argument("--max-memory-mb", type=bounded(int, 64), default=2048,
                   help="address-space limit of each query worker, in MiB")
    p.add_argument("--workers", type=bounded(int, 1, 64), default=2, help="query worker processes")
    p.add_argument("--cache-mb", type=bounded(int, 0, 65536), default=64,
                   help="memory for answers to repeated requests (the served build never changes); 0 turns it off")
    p.add_argument("--cors-origin", default="*", help="Access-Control-Allow-Origin value; '' turns CORS off")
    p.add_argument("--allow-service", action="append", default=[], metavar="URL",
                   help="allow federated SERVICE calls to this endpoint (off by default)")
    p.add_argument("--build", type=Path, help="build folder (default: build/, or $MMKG_BUILD)")
    p.set_defaults(func=cmd_serve)

    g = sub.add_parser("push", help="load the built graph into a remote store (Graph Store Protocol)", epilog=EPILOG)
    g.add_argument("--store", required=True, metavar="URL", help="graph store endpoint, e.g. http://127.0.0.1:7878/store")
    g.add_argument("--graph", help="named graph IRI (default: the default graph)")
    g.add_argument("--user", help="user name for HTTP Basic or Digest authentication (password from "
                   "$MMKG_PUSH_PASSWORD); a bearer token comes from $MMKG_PUSH_TOKEN")
    g.add_argument("--build", type=Path, help="build folder (default: build/, or $MMKG_BUILD)")
    g.set_defaults(func=cmd_push)


def cmd_serve(args: argparse.Namespace) -> int:
    from mmkg.builder import current_run, open_built
    from mmkg.server import ServerConfig, serve

    open_built(args.build)  # builds first when missing or stale
    run = current_run(args.build)
    assert run is not None
    config = ServerConfig(run_dir=run, host=args.host, port=args.port, timeout=args.timeout, max_rows=args.max_rows,
                          max_request_bytes=args.max_request_bytes, workers=args.workers,
                          cors_origin=args.cors_origin or None, allow_service=args.allow_service,
                          max_response_bytes=args.max_response_bytes, max_memory_mb=args.max_memory_mb,
                          cache_bytes=args.cache_mb * 1024 * 1024)
    print(f"serving {run} at http://{args.host}:{args.port}/ (SPARQL at /sparql); Ctrl-C stops", file=sys.stderr, flush=True)
    serve(config)
    return EXIT_OK


def cmd_push(args: argparse.Namespace) -> int:
    import os

    from mmkg.builder import current_run, open_built
    from mmkg.remote import push

    open_built(args.build)
    run = current_run(args.build)
    if run is None:
        raise InputError("no build to push")
    auth = None
    if args.user:
        password = os.environ.get("MMKG_PUSH_PASSWORD")
        if password is None:
            raise InputError("--user needs the password in $MMKG_PUSH_PASSWORD")
        auth = (args.user, password)
    status = push(args.store, run / "mmkg.nt", graph=args.graph, auth=auth, token=os.environ.get("MMKG_PUSH_TOKEN"))
    print(f"pushed {run / 'mmkg.nt'} to {args.store} (HTTP {status})")
    return EXIT_OK
