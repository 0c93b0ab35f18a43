"""Dataset formats: LIMI / OpenAI rows (JSONL, parquet), ShareGPT for LLaMA-Factory, ATIF.

Each writer takes :class:`~agent.rows.DatasetRow` objects and writes its file(s) plus a
manifest (:func:`agent.rows.write_manifest`); the importers turn outside data back into rows.
Writers import only :mod:`agent.rows` (and one another); the reader (:mod:`agent.curation.dataset_io`) imports
them, never the other way round. docs/formats.md describes each format.
"""
