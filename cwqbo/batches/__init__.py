"""Batches in the app: selection, submission, the database store, unbatch, retry (spec D).

The domain work happens in ``cwqbo.transfer`` (no Flask, no RQ); this package holds the
glue that needs the database and the queue.
"""
