"""Code generated from the catalog by ``scripts/generate_types.py`` (``make generate``); never
edited by hand. ``tests/catalog/test_catalog_generated.py`` fails when it is out of date."""
