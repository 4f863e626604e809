"""One e-mail's bytes -> frozen dataclasses: message, subject, thread, quotes, trailers, diff.

Pure: nothing here reads a file, the network or the database, and nothing of
reviewbot is imported but errors.
"""
