"""Curation: from session logs and outside datasets to a training set.

Annotations beside logs (:mod:`.annotations`), the one reader of logs, datasets and
ATIF (:mod:`.dataset_io`), validation, statistics, filters and dedupe, secret/PII scrubbing,
task-disjoint splits, and the LIMI, ShareGPT and ATIF formats (:mod:`.formats`). The raw
session logs are only ever read.
"""
