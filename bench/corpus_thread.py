"""Series, patches and replies of the synthetic corpus, and the text of each message."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import corpus_text as text
from corpus_mail import GIT_VERSION, LIST_ADDR, address, attribution, quote, uses_mutt
from corpus_source import CONTEXT, FileDiff, SourceFile, diffstat
from corpus_text import Person

_EPOCH = datetime(2023, 1, 1, tzinfo=UTC)
_MUTT = "Mutt/2.2.9 (2022-11-12)"
_THUNDERBIRD = "Mozilla/5.0 (X11; Linux x86_64; rv:102.0) Gecko/20100101 Thunderbird/102.7.1"


@dataclass
class Review:
    """A planned reply to the cover letter (target 0) or to patch ``target``."""

    target: int
    reviewer: Person
    rb: bool
    followup: bool
    msgid: str = ""
    date: datetime = _EPOCH
    fn: str = ""
    excerpt: list[str] = field(default_factory=list)


@dataclass
class Version:
    """What one posted version of a series gets: patches, reviews, a push note."""

    n: int
    reviews: list[Review]
    pushed: bool

    def count(self) -> int:
        """Number of messages this version contributes."""
        followups = sum(r.followup for r in self.reviews)
        return self.n + (self.n > 1) + len(self.reviews) + followups + self.pushed


@dataclass
class Patch:
    """One patch: where it changes files, who wrote it, and its text."""

    spec: list[tuple[SourceFile, list[int]]]
    author: Person
    subject: str
    message: list[str]
    diffs: list[FileDiff]
    trailers: list[str]


@dataclass
class Posting:
    """One version of a series as sent: ids[0] is the cover letter's id ("" if none)."""

    serial: int
    version: int
    sender: Person
    title: str
    tagged: bool
    patches: list[Patch]
    date: datetime
    ids: list[str]
    refs: list[str]
    plan: Version
    cover: list[str]

    def subject(self, k: int) -> str:
        """Subject of the cover letter (k=0) or of patch k."""
        n = len(self.patches)
        tag = "[libvirt] " if self.tagged else ""
        ver = f" v{self.version}" if self.version > 1 else ""
        num = f" {k:0{len(str(n))}d}/{n}" if n > 1 else ""
        title = self.title if k == 0 else self.patches[k - 1].subject
        return f"{tag}[PATCH{ver}{num}] {title}"

    def thread(self, k: int) -> list[str]:
        """References of message k: the thread ancestors it replies under."""
        return self.refs if k == 0 or not self.ids[0] else [*self.refs, self.ids[0]]

    def sent(self, k: int) -> datetime:
        """When message k went out (git send-email spaces them one second apart)."""
        return self.date + timedelta(seconds=k)


def send_headers(post: Posting, k: int, cc: Person | None) -> list[tuple[str, str]]:
    """Headers git send-email writes for the cover letter (k=0) or patch k."""
    headers = [("From", address(post.sender)), ("To", LIST_ADDR)]
    if cc is not None:
        headers.append(("Cc", address(cc)))
    headers += [("Subject", post.subject(k)), ("Message-Id", post.ids[k])]
    refs = post.thread(k)
    if refs:
        headers += [("In-Reply-To", refs[-1]), ("References", " ".join(refs))]
    return [*headers, ("X-Mailer", f"git-send-email {GIT_VERSION}")]


def reply_headers(
    replier: Person, to: Person, subject: str, msgid: str, refs: list[str]
) -> list[tuple[str, str]]:
    """Headers of a reply written with mutt or Thunderbird."""
    return [
        ("From", address(replier)),
        ("To", address(to)),
        ("Cc", LIST_ADDR),
        ("Subject", "Re: " + subject),
        ("Message-ID", msgid),
        ("In-Reply-To", refs[-1]),
        ("References", " ".join(refs)),
        ("User-Agent", _MUTT if uses_mutt(replier) else _THUNDERBIRD),
    ]


def patch_body(post: Posting, patch: Patch, rng: random.Random) -> list[str]:
    """A patch as git format-patch writes it, from the commit message to the signature."""
    sender, body = post.sender, []
    if patch.author is not sender:
        body += [f"From: {patch.author.ident}", ""]
    body += [*patch.message, "", f"Signed-off-by: {patch.author.ident}"]
    if patch.author is not sender:
        body.append(f"Signed-off-by: {sender.ident}")
    body += [*patch.trailers, "---"]
    if post.version > 1 and rng.random() < 0.5:
        body += [f"v{post.version}: addressed review feedback", ""]
    body += [*diffstat([(d.source.path, d.insertions, d.deletions) for d in patch.diffs]), ""]
    for diff in patch.diffs:
        body += diff.render()
    return [*body, "-- ", GIT_VERSION, ""]


def cover_body(post: Posting) -> list[str]:
    """A cover letter: blurb, changes since the last version, shortlog, diffstat."""
    body = [*post.cover, ""]
    if post.version > 1:
        body += [f"Changes in v{post.version}:", "- addressed review feedback", "- rebased", ""]
    authors: dict[str, list[str]] = {}
    totals: dict[str, list[int]] = {}
    for patch in post.patches:
        authors.setdefault(patch.author.name, []).append(patch.subject)
        for d in patch.diffs:
            row = totals.setdefault(d.source.path, [0, 0])
            row[0] += d.insertions
            row[1] += d.deletions
    for name in sorted(authors):
        body += [f"{name} ({len(authors[name])}):", *("  " + s for s in authors[name]), ""]
    stat = diffstat([(path, a, d) for path, (a, d) in sorted(totals.items())])
    return [*body, *stat, "", "-- ", GIT_VERSION, ""]


def review_body(post: Posting, review: Review, rng: random.Random) -> list[str]:
    """A review: quoted hunks with inline comments, maybe a Reviewed-by trailer.

    Also records in ``review`` what the author's follow-up will quote.
    """
    k, who = review.target, review.reviewer
    body = [attribution(post.sent(k), post.sender, who)]
    if k == 0:
        body += [*quote(post.cover[:2]), "", "[...]", "", text.lgtm(rng), ""]
        if review.rb:
            body += ["For the series:", "", f"Reviewed-by: {who.ident}", ""]
        return body
    patch = post.patches[k - 1]
    if rng.random() < 0.3:
        para = patch.message[: patch.message.index("")] if "" in patch.message else []
        body += [*quote(para or patch.message), ""]
    diff = rng.choice(patch.diffs)
    review.fn = text.func_ident(diff.source.funcname(max(0, diff.hunks[0].at - CONTEXT)), "it")
    body += quote(diff.header())
    for i, block in enumerate(diff.hunk_blocks()):
        if i and rng.random() < 0.5:
            body += [*([""] if body[-1] else []), "[...]", ""]
            break
        changed = [j for j, line in enumerate(block) if j and line[:1] in "+-"]
        at = rng.choice(changed)
        while at + 1 < len(block) and block[at + 1][:1] in "+-":
            at += 1
        excerpt = [*quote(block[: at + 1]), "", *text.review_comment(review.fn, rng), ""]
        review.excerpt = review.excerpt or excerpt
        body += excerpt
        if rng.random() < 0.5:
            body += quote(block[at + 1 :])
    if review.rb:
        body += [*([""] if body[-1] else []), f"Reviewed-by: {who.ident}", ""]
    return body


def followup_body(review: Review, author: Person, rng: random.Random) -> list[str]:
    """The patch author's answer to a review, quoting the commented hunk."""
    body = [attribution(review.date, review.reviewer, author), *quote(review.excerpt)]
    return [*body, *text.author_answer(review.fn, rng), ""]


def pushed_body(post: Posting, maintainer: Person, rng: random.Random) -> list[str]:
    """The maintainer's "Pushed, thanks." reply to the cover letter or single patch."""
    first = post.cover if post.ids[0] else post.patches[0].message
    sent = post.sent(0 if post.ids[0] else 1)
    body = [attribution(sent, post.sender, maintainer), *quote(first[:2]), ""]
    if rng.random() < 0.25:
        return [*body, f"Reviewed-by: {maintainer.ident}", "", "and pushed."]
    return [*body, text.pushed(rng)]
