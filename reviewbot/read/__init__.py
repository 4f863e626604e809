"""The only code that reads SQL: one function per question, returning typed records.

The CLI's --json, the web pages and the REST API's response models are all
built from these records, so a count or a status never differs between them.
Nothing here writes: linking and indexing happen when mail arrives
(pipeline/), so any page or list can be served from a read-only database.
"""
