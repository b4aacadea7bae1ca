"""The side-by-side benchmark harness: ChannelGraph vs PostGraphile vs the raw-SQL bound (`python -m bench`).

See bench/README.md. Modules: `config` (options and data-set size), `datagen` (the seeded, streaming
generator), `dataset` (database, bulk load, the persona and request rotation tables), `scenarios` (GraphQL
documents and the equivalent SQL), `systems/` (how each system is started and driven), `load` (wrk and
pgbench runs, CPU and memory sampling), `report` (table, JSON, markdown and chart).
"""
