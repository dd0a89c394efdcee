"""Remembered folder listings: a --db reload lists only the folders that changed.

A folder's mtime changes when an entry is created, deleted or renamed in it (not when a file in
it is written to). With a --db file the store remembers, for every folder a batch source walked,
its mtime and the names of its log files and subfolders (``folder_listings``, written in the
load's transaction next to the manifest). A later walk reads each folder's mtime; where it is
the remembered one, the folder is not listed: its remembered files are stat'ed by path (size and
mtime, as a listing would give; the manifest then decides whether each changed) and its
remembered subfolders walked the same way. Folders that are new or whose mtime changed are
listed afresh, so new files and new subfolders are found and deleted ones dropped.

Racy mtimes (as git's index): a listing is trusted only when the folder's mtime is at least
``RACY_NS`` older than the moment the listing was made. A file created in the same clock tick
as the listing (or on a file system with coarse timestamps) could otherwise leave the folder's
mtime as remembered; such a folder is listed again on every walk until its mtime is old.

Anything unexpected (a remembered file gone or now a folder) makes the walk list the folder.
Listings record the files of the suffixes a walk looks for: a store whose listings an older
planalyzer made (``.jsonl`` only, before compressed transcripts were read: no store setting
``LISTING_SETTING``) has every folder listed afresh once.
The result is always the files a full walk would find, with their size and mtime. (One
difference: a remembered folder whose read permission alone was taken away, keeping its search
permission, is not listed, so its files are still found where a full walk passes over it.)
"""

from __future__ import annotations

import os
import stat as stat_mod
import time
from dataclasses import dataclass, field

# the store setting naming what the listings hold (planalyzer.store: absent, listings older
# than compressed transcripts, which they do not name, are not used)
LISTING_SETTING = ("folder_listings", ".jsonl .jsonl.gz .jsonl.zst")
RACY_NS = 2_000_000_000  # listings of folders changed less than 2 s before are not trusted
SEP = "/"  # joins names in a stored listing: no file name holds it

Found = list[tuple[str, tuple[int, int] | None]]  # (path, (size, mtime_ns) or None)
Suffix = str | tuple[str, ...]  # the ends of the names of the files a walk finds


# A folder as last listed: (folder, its mtime then, when the listing was made (epoch ns, taken
# before the mtime was read), names of its log files joined by SEP, names of its subfolders (not
# symlinks) joined by SEP): a row of sql/folder_listings.sql as fetched (plain tuples: a --db
# reload fetches one per folder, thousands).
Listing = tuple[str, int, int, str, str]


def entry_stat(e: os.DirEntry[str]) -> tuple[int, int] | None:
    """(size, mtime_ns) of a listed file, or None (a broken link, or not a regular file: a
    pipe named x.jsonl; the load stats it again and says why)."""
    try:
        st = e.stat()
    except OSError:
        return None
    if not stat_mod.S_ISREG(st.st_mode):
        return None
    return st.st_size, st.st_mtime_ns


def list_files(folder: str, suffix: Suffix, out: Found) -> None:
    """Every ``*suffix`` file below ``folder`` (symlinked folders are not entered, like os.walk)
    with its (size, mtime_ns) from the directory entry: one stat each, no Path objects (a --db
    reload of thousands of unchanged files spends most of its time here). Unordered."""
    try:
        with os.scandir(folder) as it:
            entries = list(it)
    except OSError:  # an unreadable folder is passed over, as os.walk does
        return
    append = out.append
    for e in entries:
        if e.name.endswith(suffix) and not e.is_dir():
            append((e.path, entry_stat(e)))
        elif e.is_dir(follow_symlinks=False):
            list_files(e.path, suffix, out)


def find_files(root: str, suffix: Suffix, memo: FolderMemo | None) -> Found:
    """Every ``*suffix`` file below ``root`` with its (size, mtime_ns): through the remembered
    listings when a --db store gives ``memo`` (only folders that changed are listed), else
    listed afresh. Unordered."""
    out: Found = []
    if memo is None:
        list_files(root, suffix, out)
    else:
        memo.walk(root, suffix, out)
    return out


def trusted(listing: Listing) -> bool:
    """Is the listing safe to reuse while the folder's mtime is unchanged (not racy)?"""
    return listing[1] <= listing[2] - RACY_NS


@dataclass
class FolderMemo:
    """The remembered listings (``known``, from the store) and this walk's changes to them."""

    known: dict[str, Listing] = field(default_factory=dict)
    listed: dict[str, Listing] = field(default_factory=dict)  # listed afresh by this walk
    stale: set[str] = field(default_factory=set)  # remembered folders that are gone
    started_ns: int = field(default_factory=time.time_ns)  # before any mtime was read
    replayed: int = 0  # folders not listed (for tests and profiling)
    # stored listings not used (an older planalyzer's, of other files): all replaced
    replaced: list[str] = field(default_factory=list)

    def walk(self, root: str, suffix: Suffix, out: Found) -> None:
        """Append every ``*suffix`` file below ``root`` (a folder; symlinked subfolders are not
        entered, like os.walk) with its (size, mtime_ns), or None where it cannot be stat'ed.
        Unordered."""
        visited: set[str] = set()
        self._walk(root, suffix, out, visited, True)
        prefix = root + SEP
        self.stale.update(f for f in self.known
                          if f not in visited and (f == root or f.startswith(prefix)))

    def _walk(self, folder: str, suffix: Suffix, out: Found, visited: set[str],
              top: bool) -> None:
        visited.add(folder)
        try:
            # the top folder may be a symlink (projects/ -> elsewhere); subfolders are entered
            # only when they are real folders, as the listing found them
            st = os.stat(folder) if top else os.lstat(folder)
        except OSError:
            return
        if not stat_mod.S_ISDIR(st.st_mode):
            return
        prev = self.known.get(folder)
        if (prev is not None and prev[1] == st.st_mtime_ns and trusted(prev)
                and self._replay(folder, prev, suffix, out, visited)):
            return
        self._list(folder, st.st_mtime_ns, suffix, out, visited)

    def _replay(self, folder: str, prev: Listing, suffix: Suffix, out: Found,
                visited: set[str]) -> bool:
        """The folder's remembered files, stat'ed; False (nothing appended) when one is gone
        or is no longer a file: the folder is then listed."""
        prefix = folder + SEP
        found: Found = []
        add = found.append
        stat = os.stat
        isreg = stat_mod.S_ISREG
        if prev[3]:
            for name in prev[3].split(SEP):
                path = prefix + name
                try:
                    st = stat(path)
                except OSError:
                    return False
                if not isreg(st.st_mode):  # a folder, a pipe: list it again
                    return False
                add((path, (st.st_size, st.st_mtime_ns)))
        out.extend(found)
        self.replayed += 1
        if prev[4]:
            for name in prev[4].split(SEP):
                self._walk(prefix + name, suffix, out, visited, False)
        return True

    def _list(self, folder: str, mtime_ns: int, suffix: Suffix, out: Found,
              visited: set[str]) -> None:
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:  # an unreadable folder is passed over, as os.walk does
            self.stale.add(folder)  # and its listing, if any, forgotten
            return
        files: list[str] = []
        dirs: list[str] = []
        append = out.append
        for e in entries:
            if e.name.endswith(suffix) and not e.is_dir():
                files.append(e.name)
                append((e.path, entry_stat(e)))
            elif e.is_dir(follow_symlinks=False):
                dirs.append(e.name)
        self.listed[folder] = (folder, mtime_ns, self.started_ns, SEP.join(files),
                               SEP.join(dirs))
        for name in dirs:
            self._walk(folder + SEP + name, suffix, out, visited, False)

    def changes(self) -> tuple[list[str], list[Listing]]:
        """(folders whose stored listing is to be deleted, listings to insert): the folders
        listed afresh (replaced) and those gone (dropped)."""
        new = [lst for f, lst in self.listed.items() if self.known.get(f) != lst]
        gone = [f for f in [lst[0] for lst in new] + sorted(self.stale - self.listed.keys())
                if f in self.known]
        return gone + self.replaced, new
