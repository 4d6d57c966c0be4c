"""Hoist's runtime files (icons), installed as the package ``hoist.resources``.

Code loads them with ``importlib.resources.files("hoist.resources")``, so they are
found the same way from a source checkout, an installed wheel or a bundle.
"""
