"""Reviewers' words anchored to hunks: concerns, races, messages rebuilt from quotes.  (pure)"""
