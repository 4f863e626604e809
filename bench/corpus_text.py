"""People, subjects and prose for the synthetic libvir-list corpus.

All names and addresses are invented (example.* domains). A few names are not
ASCII so that RFC 2047 headers and UTF-8 bodies get exercised.
"""

from __future__ import annotations

import random
import re
import textwrap
from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    """A list participant: display name, address and UTC offset in minutes."""

    name: str
    addr: str
    tz: int

    @property
    def ident(self) -> str:
        """``Name <addr>`` as used in trailers and in-body From: lines."""
        return f"{self.name} <{self.addr}>"


_PEOPLE = [
    ("Jana Nováková", "jnovakov@example.com", 60),
    ("Tomáš Dvořák", "tdvorak@example.com", 60),
    ("Pavel Horák", "phorak@example.com", 60),
    ("Lukáš Černý", "lcerny@example.org", 60),
    ("Martina Svobodová", "msvobodo@example.com", 60),
    ("Erik Lindqvist", "erik.lindqvist@example.net", 60),
    ("Søren Madsen", "soren@madsen.example.org", 60),
    ("Priya Raman", "praman@example.com", 330),
    ("Wei Zhang", "zhangwei@example.cn", 480),
    ("Li Na", "lina@example.cn", 480),
    ("Carlos Núñez", "cnunez@example.es", 60),
    ("Ana Petrović", "ana.petrovic@example.net", 60),
    ("Jörg Becker", "jbecker@example.de", 60),
    ("Élodie Martin", "emartin@example.fr", 60),
    ("Daniel O'Neil", "doneil@example.com", -300),
    ("Robert A. Kowalski", "rkowalski@example.com", -300),
    ("Sarah Chen", "schen@example.com", -480),
    ("Michael Brandt", "mbrandt@example.de", 60),
    ("Hiroshi Tanaka", "htanaka@example.jp", 540),
    ("Olga Ivanova", "oivanova@example.org", 180),
    ("Kevin Walsh", "kwalsh@example.ie", 0),
    ("Fatima Haddad", "fhaddad@example.com", 120),
    ("Marek Novotný", "mnovotny@example.com", 60),
    ("Ivo Petrov", "ipetrov@example.bg", 120),
    ("Grace Okafor", "gokafor@example.com", 0),
    ("Rahul Mehta", "rmehta@example.in", 330),
    ("Julia Schmidt", "jschmidt@example.de", 60),
    ("Nathan Brooks", "nbrooks@example.com", -360),
]
PEOPLE = [Person(n, a, tz) for n, a, tz in _PEOPLE]
MAINTAINERS = PEOPLE[:6]

_PREFIXES = {
    "src/conf/virstorageobj.c": ["conf: ", "virstorageobj: ", "storage: "],
    "src/qemu/qemu_block.c": ["qemu: block: ", "qemu_block: "],
    "src/qemu/qemu_blockjob.c": ["qemu: blockjob: ", "qemu_blockjob: "],
    "src/qemu/qemu_blockjob.h": ["qemu: blockjob: "],
    "src/qemu/qemu_domain.c": ["qemu: domain: ", "qemu_domain: "],
    "src/qemu/qemu_extdevice.c": ["qemu_extdevice: "],
    "src/qemu/qemu_interface.c": ["qemu_interface: "],
    "src/qemu/qemu_namespace.c": ["qemu_namespace: ", "qemu: namespace: "],
    "src/qemu/qemu_process.c": ["qemu_process: ", "qemu: process: "],
}
_AREAS = {
    "src/conf/virstorageobj.c": "storage pool objects",
    "src/qemu/qemu_block.c": "the block layer",
    "src/qemu/qemu_blockjob.c": "block jobs",
    "src/qemu/qemu_blockjob.h": "block jobs",
    "src/qemu/qemu_domain.c": "domain private data",
    "src/qemu/qemu_extdevice.c": "external devices",
    "src/qemu/qemu_interface.c": "network interfaces",
    "src/qemu/qemu_namespace.c": "mount namespaces",
    "src/qemu/qemu_process.c": "process startup",
}
_SUBJECTS = [
    "Fix error handling in {fn}",
    "Don't leak memory in {fn}",
    "Use g_autofree in {fn}",
    "Remove unused variable from {fn}",
    "Refactor {fn}",
    "Avoid NULL dereference in {fn}",
    "Simplify cleanup path in {fn}",
    "Check return value in {fn}",
    "Drop dead code from {fn}",
    "Add debug output to {fn}",
    "Report proper error from {fn}",
    "Convert {fn} to automatic memory management",
    "Don't skip the last element in {fn}",
    "Propagate errors from {fn}",
]
_TITLES = [
    "Fix various issues in {area}",
    "Cleanups in {area}",
    "Refactor {area} code",
    "Improve error reporting for {area}",
    "Remove legacy handling of {area}",
    "Prepare {area} for the blockdev-only world",
]
_SENTENCES = [
    "The function {fn} does not properly report an error when the lookup fails.",
    "Callers of {fn} expect an error to be set when -1 is returned.",
    "Since commit {commit} the code path in {fn} is no longer reachable.",
    "Use automatic memory clearing to simplify the code.",
    "This makes the code in {file} consistent with the rest of the driver.",
    "The variable was set but never used.",
    "On the error path the allocated string was leaked.",
    "QEMU no longer supports the old interface, so drop the fallback.",
    "No functional change intended.",
    "The object is now unlocked before returning to the caller.",
    "Found by running the test suite under valgrind.",
    "This is a preparatory step for the following patches.",
]
_BLURBS = [
    "While working on {area} I've noticed a few problems which this series fixes.",
    "This series cleans up {area} before the upcoming feature work.",
    "Some fixes for {area} found during review of the previous series.",
    "From a bug report: {area} misbehave when the daemon is restarted. Fix it.",
]
_FROM_OPENERS = [
    "From the QEMU documentation it is clear that {fn} must not be called twice.",
    "From now on {fn} reports the error itself.",
]
_COMMENTS = [
    "This leaks '{var}' on the error path.",
    "Please use g_autofree here.",
    "Is this really needed? {fn} already checks that.",
    "I think this should be reported as VIR_ERR_OPERATION_UNSUPPORTED.",
    "Nit: extra space.",
    "Unrelated change, please split it into a separate patch.",
    "This breaks the build with clang:\n\n  error: unused variable '{var}'",
    "Shouldn't we unlock the object before returning here?",
    "The caller in {fn} doesn't handle -1 at all.",
    "Please don't mix whitespace changes with functional ones.",
    "Why not use virStringListHasString() here?",
    "This changes the behaviour for transient domains, is that intended?",
]
_ANSWERS = [
    "Right, I'll fix that in v2.",
    "Good catch, thanks.",
    "Actually the caller already handles that; see {fn}.",
    "Agreed. I'll send a v2 shortly.",
    "From what I can see the lock is already dropped at this point.",
    "I don't think so, the object cannot go away here.",
]
_LGTMS = [
    "Series looks good to me.",
    "The whole series looks reasonable.",
    "I've tested this with a few guests and it works as expected.",
    "From my testing this works fine.",
]
_PUSHED = ["Pushed, thanks.", "Pushed, thanks.", "Pushed now. Thanks!"]
_VARS = ["path", "alias", "props", "nodename", "tmp", "backend", "src", "buf"]


def wrap(paragraph: str, width: int = 72) -> list[str]:
    """Wrap one paragraph of prose like an editor set to ``width`` columns."""
    return textwrap.wrap(paragraph, width, break_long_words=False, break_on_hyphens=False)


def func_ident(context: str, fallback: str) -> str:
    """Pull a function name out of a hunk-header context line."""
    match = re.search(r"(\w+)\s*\(", context)
    return match.group(1) if match else fallback


def subject_prefix(path: str, rng: random.Random) -> str:
    """A libvirt-style subject prefix ("qemu_domain: ") for a changed file."""
    return rng.choice(_PREFIXES.get(path, ["qemu: "]))


def patch_subject(path: str, fn: str, rng: random.Random) -> str:
    """A one-line summary for a patch changing ``fn`` in ``path``."""
    return subject_prefix(path, rng) + rng.choice(_SUBJECTS).format(fn=fn)


def series_title(path: str, rng: random.Random) -> str:
    """A cover-letter title for a series mostly about ``path``."""
    area = _AREAS.get(path, "the QEMU driver")
    return subject_prefix(path, rng) + rng.choice(_TITLES).format(area=area)


def commit_message(fn: str, path: str, rng: random.Random) -> list[str]:
    """Body of a commit message: wrapped paragraphs separated by blank lines."""
    out: list[str] = []
    for i in range(rng.choice((1, 1, 2, 2, 3))):
        sentences = [rng.choice(_FROM_OPENERS)] if i == 0 and rng.random() < 0.04 else []
        sentences += rng.sample(_SENTENCES, rng.randint(1, 3))
        commit = f"{rng.getrandbits(48):012x}"
        text = " ".join(sentences).format(fn=fn, file=path, commit=commit)
        out += [*wrap(text), ""]
    return out[:-1]


def cover_text(path: str, rng: random.Random) -> list[str]:
    """Free text of a cover letter for a series mostly about ``path``."""
    area = _AREAS.get(path, "the QEMU driver")
    opener = rng.choice(_BLURBS).format(area=area)
    text = " ".join(rng.sample(_SENTENCES[3:], 2)).format(file=path)
    return [*wrap(opener), "", *wrap(text)]


def review_comment(fn: str, rng: random.Random) -> list[str]:
    """An inline review comment, one or more lines."""
    return rng.choice(_COMMENTS).format(fn=fn, var=rng.choice(_VARS)).split("\n")


def author_answer(fn: str, rng: random.Random) -> list[str]:
    """An author's answer to a review comment."""
    return wrap(rng.choice(_ANSWERS).format(fn=fn))


def lgtm(rng: random.Random) -> str:
    """A short approving sentence for a cover-letter reply."""
    return rng.choice(_LGTMS)


def pushed(rng: random.Random) -> str:
    """The maintainer's note that the series was applied."""
    return rng.choice(_PUSHED)
