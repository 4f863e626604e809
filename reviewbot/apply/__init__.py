"""The one git runner, and a series applied in a throw-away worktree (no database)."""
