"""Which series and version a message belongs to, its state, and the range-diff.  (pure)"""
