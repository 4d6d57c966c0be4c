"""How the window hosts its engine: a worker process behind a proxy, or a thread."""
