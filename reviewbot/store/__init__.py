"""The only code that writes SQL: save_* / load_* / replace_* by noun.

Bulk paths use SQLAlchemy Core on the session's connection: the ORM's unit of
work costs more per row than parsing the mail does. Every function takes the
session as a keyword argument so a caller controls the transaction; locked
writes and their retries are `locked_write`. Loaders here serve the write path
(pipeline/); everything a person reads goes through read/. Callers use
`store.<name>`.
"""

from reviewbot.store.apply import (
    HunkOutcomeRow,
    NewApplyRun,
    PatchOutcomeRow,
    save_apply_run,
)
from reviewbot.store.events import (
    apply_changes,
    load_target,
    reapply_concern_statuses,
    save_events,
    set_state,
)
from reviewbot.store.locks import (
    is_transient,
    lock_writers,
    locked_write,
    newest_message_id,
)
from reviewbot.store.messages import (
    NewMessage,
    ReferenceChain,
    existing_msgids,
    find_placed,
    load_messages,
    load_messages_by_ref,
    message_ids,
    references_of,
    save_messages,
    save_refs,
    set_archive_urls,
    set_message_kind,
    set_message_series,
    set_reply_targets,
)
from reviewbot.store.patches import (
    NewPatch,
    ReplyTrailer,
    load_patches,
    replace_reply_trailers,
    save_patches,
    update_patch_states,
)
from reviewbot.store.reconstructed import (
    emails_by_name,
    load_seeds,
    reconstructed_among,
    replace_message,
    replace_refs,
)
from reviewbot.store.review import (
    load_placed_replies,
    mark_reviewed,
    previous_versions,
    replace_review,
    review_dirty,
)
from reviewbot.store.scrape import (
    month_complete,
    open_scrape_errors,
    record_scrape_error,
    resolve_scrape_errors,
    save_month,
)
from reviewbot.store.search import (
    index_messages,
    index_pending,
)
from reviewbot.store.series import (
    NewSeries,
    SeriesBaseCommit,
    SeriesCover,
    SeriesExplicitPrevious,
    SeriesLinks,
    SeriesRebuilt,
    SeriesStructure,
    SeriesUpdate,
    SeriesVerdict,
    count_dirty,
    count_rows,
    load_dirty_series,
    load_explicit_successors,
    load_series_rows,
    load_slots,
    load_version_group,
    mark_dirty,
    save_many_series,
    update_many_series,
)
from reviewbot.store.tokens import (
    create_token,
    revoke_token,
)

__all__ = [
    "HunkOutcomeRow",
    "NewApplyRun",
    "NewMessage",
    "NewPatch",
    "NewSeries",
    "PatchOutcomeRow",
    "ReferenceChain",
    "ReplyTrailer",
    "SeriesBaseCommit",
    "SeriesCover",
    "SeriesExplicitPrevious",
    "SeriesLinks",
    "SeriesRebuilt",
    "SeriesStructure",
    "SeriesUpdate",
    "SeriesVerdict",
    "apply_changes",
    "count_dirty",
    "count_rows",
    "create_token",
    "emails_by_name",
    "existing_msgids",
    "find_placed",
    "index_messages",
    "index_pending",
    "is_transient",
    "load_dirty_series",
    "load_explicit_successors",
    "load_messages",
    "load_messages_by_ref",
    "load_patches",
    "load_placed_replies",
    "load_seeds",
    "load_series_rows",
    "load_slots",
    "load_target",
    "load_version_group",
    "lock_writers",
    "locked_write",
    "mark_dirty",
    "mark_reviewed",
    "message_ids",
    "month_complete",
    "newest_message_id",
    "open_scrape_errors",
    "previous_versions",
    "reapply_concern_statuses",
    "reconstructed_among",
    "record_scrape_error",
    "references_of",
    "replace_message",
    "replace_refs",
    "replace_reply_trailers",
    "replace_review",
    "resolve_scrape_errors",
    "review_dirty",
    "revoke_token",
    "save_apply_run",
    "save_events",
    "save_many_series",
    "save_messages",
    "save_month",
    "save_patches",
    "save_refs",
    "set_archive_urls",
    "set_message_kind",
    "set_message_series",
    "set_reply_targets",
    "set_state",
    "update_many_series",
    "update_patch_states",
]
