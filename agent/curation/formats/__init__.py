"""Dataset formats: LIMI / OpenAI rows (JSONL, parquet), ShareGPT for LLaMA-Factory, ATIF.

Each writer takes :class:`~agent.curation.dataset_io.Trajectory` objects and writes its
file(s) plus a manifest; the importers turn outside data back into trajectories.
"""

EXPORT_FORMATS = ("limi", "parquet", "sharegpt", "atif")
