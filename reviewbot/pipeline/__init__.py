"""The steps in order: import, scrape, watch, link, apply; the only callers of store/.

Each step reads what it needs through store/ or read/, calls the pure
packages (mail/, series/, review/, apply/) and writes through store/.
"""
