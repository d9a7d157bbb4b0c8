"""The core every part of ringdata builds on: records and their Arrow schema (records.py), readers
and writers (io/), errors, the one \\boxed{} reader (answers.py), output folders, progress, logs,
the console and the cache. It imports nothing of curate/, cli/, rewards/, sandboxes/ or train/
(tests/test_layers.py checks it)."""
