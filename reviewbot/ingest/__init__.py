"""Bytes in, raw messages out: the only modules that read files or the network."""
