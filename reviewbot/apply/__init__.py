"""The one git runner; a series applied to a throw-away index; a tree's history and
which of its commits carries a patch (no database)."""
