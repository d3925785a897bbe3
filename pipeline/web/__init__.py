"""fawen serve: the office's window on the archive and the inbox, in a browser, read-only; its
one form (拟文, /new) writes nothing but a new input file into the inbox, for the watcher to file.

An interface like ``pipeline/cli``: pages over the same library calls (pipeline.run,
store.archive, store.registry), templates and static files inside the package (no CDN: the
office LAN may have no internet), files reached only by 档号, version and component name.
"""

from pipeline.web.app import create_app

__all__ = ["create_app"]
