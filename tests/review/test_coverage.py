"""Review coverage, pure: a reply covers the hunks it quotes itself or comments on;
the patch's author covers nothing; a quote of a quote is an earlier message's."""

from __future__ import annotations

from reviewbot.mail.diff import parse_diff
from reviewbot.mail.quotes import parse_quotes
from reviewbot.review.anchor import read_reply
from reviewbot.review.conversation import Person, comments_of
from reviewbot.review.coverage import COMMENTED, QUOTED, covers_of

DIFF = """\
diff --git a/src/util/virfile.c b/src/util/virfile.c
--- a/src/util/virfile.c
+++ b/src/util/virfile.c
@@ -10,3 +10,4 @@ virFileOpen(void)
     int fd = -1;
+    int flags = O_CLOEXEC;
     return fd;
 }
@@ -40,3 +41,3 @@ virFileClose(int fd)
     if (fd < 0)
-        return 0;
+        return -1;
     return close(fd);
diff --git a/src/util/virfile.h b/src/util/virfile.h
--- a/src/util/virfile.h
+++ b/src/util/virfile.h
@@ -1,2 +1,3 @@
 int virFileOpen(void);
+int virFileFlags(void);
 int virFileClose(int fd);
"""
FILES = parse_diff(DIFF)[0]
ADA = Person("Ada Reviewer", "ada@example.org")
AUTHOR = Person("Pat Author", "pat@example.org")


def _heard(body: str):  # type: ignore[no-untyped-def]
    return comments_of(9, "r@x", "p@x", ADA, None, body, (1, FILES, "", AUTHOR), AUTHOR)


def test_quoted_hunks_are_those_whose_lines_the_reply_quotes() -> None:
    body = "> +    int flags = O_CLOEXEC;\n>      return fd;\n\n> +int virFileFlags(void);\n\nOK\n"
    read = read_reply(parse_quotes(body), FILES, "")
    assert read.quoted == {("src/util/virfile.c", 0), ("src/util/virfile.h", 0)}


def test_a_quote_of_a_quote_is_not_the_senders_coverage() -> None:
    body = "> > +        return -1;\n> Why?\n\nBecause.\n"
    assert read_reply(parse_quotes(body), FILES, "").quoted == frozenset()


def test_commented_hunks_are_marked_commented_and_quoted_ones_quoted() -> None:
    body = (
        "> +    int flags = O_CLOEXEC;\n\nWhy not O_RDONLY too?\n\n"
        "> @@ -40,3 +41,3 @@ virFileClose(int fd)\n>      if (fd < 0)\n> -        return 0;\n"
        "> +        return -1;\n>      return close(fd);\n"
    )
    covers = covers_of(1, 1, 9, ADA, AUTHOR, _heard(body))
    got = {(c.file, c.hunk, c.how) for c in covers}
    assert got == {("src/util/virfile.c", 0, COMMENTED), ("src/util/virfile.c", 1, QUOTED)}
    assert all(c.reviewer == ADA and c.reply_id == 9 for c in covers)


def test_the_patch_author_answering_covers_nothing() -> None:
    body = "> +    int flags = O_CLOEXEC;\n\nI will drop it.\n"
    assert covers_of(1, 1, 9, AUTHOR, AUTHOR, _heard(body)) == []


def test_a_top_posted_ack_covers_no_hunk() -> None:
    body = "Reviewed-by: Ada Reviewer <ada@example.org>\n\nOn Mon, Pat wrote:\n> just text\n"
    assert covers_of(1, 1, 9, ADA, AUTHOR, _heard(body)) == []
