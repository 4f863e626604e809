"""save_* / load_*: the one place that writes SQL.

Bulk paths use SQLAlchemy Core on the session's connection: the ORM's unit of
work costs more per row than parsing the mail does. Every function takes the
session as a keyword argument so a caller controls the transaction. One module
per noun; callers use `store.<function>`.
"""

from reviewbot.store.apply import (
    save_apply_run,
)
from reviewbot.store.events import (
    load_target,
    reapply_concern_statuses,
    save_events,
    set_if_unchanged,
)
from reviewbot.store.locks import (
    lock_writers,
    newest_message_id,
)
from reviewbot.store.messages import (
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
    PatchRecord,
    count_dirty,
    count_rows,
    load_dirty_series,
    load_explicit_successors,
    load_patches,
    load_series_rows,
    load_slots,
    load_version_group,
    mark_dirty,
    replace_reply_trailers,
    save_many_series,
    save_patches,
    save_trailers,
    update_many_series,
    update_patch_states,
    update_series,
)
from reviewbot.store.tokens import (
    load_token_by_hash,
    load_tokens,
    revoke_token,
    save_token,
)

__all__ = [
    "previous_versions",
    "emails_by_name",
    "load_seeds",
    "reconstructed_among",
    "replace_message",
    "replace_refs",
    "lock_writers",
    "newest_message_id",
    "load_placed_replies",
    "mark_reviewed",
    "review_dirty",
    "replace_review",
    "references_of",
    "existing_msgids",
    "save_messages",
    "save_refs",
    "set_message_series",
    "find_placed",
    "load_messages_by_ref",
    "load_messages",
    "message_ids",
    "set_reply_targets",
    "set_archive_urls",
    "set_message_kind",
    "save_many_series",
    "update_series",
    "mark_dirty",
    "count_dirty",
    "load_dirty_series",
    "update_many_series",
    "load_slots",
    "load_series_rows",
    "load_version_group",
    "load_explicit_successors",
    "PatchRecord",
    "save_patches",
    "load_patches",
    "replace_reply_trailers",
    "save_trailers",
    "update_patch_states",
    "count_rows",
    "month_complete",
    "save_month",
    "record_scrape_error",
    "resolve_scrape_errors",
    "open_scrape_errors",
    "save_apply_run",
    "index_messages",
    "index_pending",
    "save_events",
    "load_target",
    "set_if_unchanged",
    "reapply_concern_statuses",
    "save_token",
    "load_token_by_hash",
    "load_tokens",
    "revoke_token",
]
