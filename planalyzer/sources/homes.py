"""Single users' transcript folders of several people named in one load: one user each.

A folder holding one user's Claude Code or Codex logs (a config folder holding ``projects/``,
a Codex home holding ``sessions/``, or a home folder holding ``.claude/``, ``.config/claude/``
or ``.codex/``) is the user's whom ``--user`` names (default ``me``): a folder says nothing of
whose it is. A load that names such folders of two or more home folders without ``--user``
(``load alice/.claude bob/.claude``, ``report team/alice team/bob``) names different people's
logs: each folder's transcripts are stored under its home folder's name (``alice``, ``bob``),
as a folder of users' folders names each user by folder, and ``--user-map`` maps the names.
Folders of one home (``~/.claude`` and ``~/.config/claude``, where Claude Code writes in turn)
stay one user, ``me``; so does one folder named alone (without a store holding it under
another user).

A --db store that holds transcripts of such a folder already keeps the user they were stored
under for the folder's new transcripts, so one folder's rows never split between two ids:
named with other homes after an earlier load named it alone, it stays ``me``; named alone after
a load of a folder of users' folders or of several homes stored it under its home folder's
name (``alice``, or the id ``--user-map`` mapped it to), or one with ``--user`` under that
user, it keeps that user, with a note.
A load with ``--user`` (and ``planalyzer me``) stores every folder under that one user: one
developer's copies from two machines.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from planalyzer.accounting import display_path
from planalyzer.sources.claude_code import DEFAULT_USER
from planalyzer.sources.files import SourceFile
from planalyzer.sources.layouts import HIDDEN_TOOL_FOLDERS, TOOL_SUBFOLDERS

# (home folder, the folder named, the files found in it that no folder of users names)
_Found = tuple[str, str, list[SourceFile]]
# the user a --db store holds files under, most of them first: given their keys
StoredUsers = Callable[[list[str]], list[str]]

# the note's start where a folder named alone keeps the user a store holds it under (a rerun
# that reads nothing new leaves it out: planalyzer.store)
KEPT_NOTE = "new transcripts of a folder whose earlier ones the --db file holds keep their user"
_SHOWN = 3  # folders a note names before "and N more"
_SAMPLE = 32  # files of a folder asked about first (planalyzer.sources.homes._stored)


def home_of(folder: Path) -> Path:
    """The home folder of one user's transcript folder named: ``alice`` for ``alice``,
    ``alice/.claude``, ``alice/.claude/projects``, ``alice/.config``, ``alice/.config/claude``,
    ``alice/.codex`` or ``alice/.codex/sessions``; a config folder or Codex home named
    otherwise (``$CODEX_HOME=/x/alice-codex``) is its own. The path as named (links kept:
    their names are what the user chose), made absolute."""
    p = Path(os.path.normpath(folder.absolute()))
    if p.name in TOOL_SUBFOLDERS:
        p = p.parent
    for hidden in HIDDEN_TOOL_FOLDERS:  # the folder, or a folder above it (.config)
        parts = hidden.split("/")
        for k in range(len(parts), 0, -1):
            if p.parts[-k:] == tuple(parts[:k]):
                return p.parents[k - 1]
    return p


@dataclass
class Homes:
    """The single users' transcript folders a resolve expanded (planalyzer.sources.registry)."""

    found: list[_Found] = field(default_factory=list)

    def add(self, folder: Path, files: list[SourceFile]) -> None:
        """Files a transcript source found in ``folder`` (named, or met by a walk); those no
        folder of users names (``user_id`` None) are its home folder's."""
        mine = [f for f in files if f.user_id is None and f.source is not None]
        if mine:
            self.found.append((str(home_of(folder)), str(folder), mine))


def name_homes(sources: list[SourceFile], homes: Homes, user_map: Mapping[str, str],
               stored: StoredUsers | None = None) -> tuple[list[SourceFile], list[str]]:
    """``sources`` with the files of single users' folders of two or more home folders named
    by their home folder (``user_map``, the load's --user-map, then maps the names; a store's
    user for a folder it holds, from ``stored``, is kept), and a note saying so. Folders of one
    home folder (or none) are ``me``'s, unless a store holds the home's transcripts under
    another user (``_keep_stored``)."""
    names = {home: os.path.basename(home) for home, _, _ in homes.found}
    if len({n for n in names.values() if n}) < 2:
        return _keep_stored(sources, homes, user_map, stored)
    files: dict[str, list[SourceFile]] = {}
    named: dict[str, list[str]] = {}
    for home, folder, found in homes.found:
        if names[home]:  # a folder in / has no home folder name: its files stay --user's
            files.setdefault(home, []).extend(found)
            named.setdefault(home, []).append(folder)
    users: dict[str, str] = {}
    kept: list[str] = []
    for home in sorted(files):
        users[home] = names[home]
        held = _stored(stored, files[home]) if stored is not None else []
        # kept unless --user-map maps it: the map names it anew (options given apply to new
        # files; planalyzer.file_options notes the stored ones)
        if held and held[0] != user_map.get(names[home], names[home]) and (
                user_map.get(held[0], held[0]) == held[0]):
            users[home] = held[0]
            kept.append(f"{display_path(named[home][0])} as {held[0]}")
    return _named(sources, files, users), [_note(named, users, kept, user_map)]


def _keep_stored(sources: list[SourceFile], homes: Homes, user_map: Mapping[str, str],
                 stored: StoredUsers | None) -> tuple[list[SourceFile], list[str]]:
    """``sources`` of folders of one home folder (named alone, or ``~/.claude`` beside
    ``~/.config/claude``): their new transcripts keep the user a --db store holds the home's
    stored transcripts under, where that is not ``me`` (a load of a folder of users' folders,
    or of several homes, stored them under the home folder's name; or one with --user), with
    a note; unchanged (no note) without a store, or where it holds none of them or holds them
    as ``me``."""
    if stored is None:
        return sources, []
    files: dict[str, list[SourceFile]] = {}
    named: dict[str, list[str]] = {}
    for home, folder, found in homes.found:
        files.setdefault(home, []).extend(found)
        named.setdefault(home, []).append(folder)
    users: dict[str, str] = {}
    kept: list[str] = []
    for home in sorted(files):
        held = _stored(stored, files[home])
        if not held or held[0] == DEFAULT_USER:
            continue
        name = os.path.basename(home)
        if name and user_map.get(name, name) == held[0]:
            users[home] = name  # the name --user-map maps to the stored user: mapped so again
        elif user_map.get(held[0], held[0]) != held[0]:
            # --user-map maps the stored user anew: the map applies to the new transcripts
            # (planalyzer.file_options notes the stored ones keep theirs)
            users[home] = held[0]
            continue
        else:
            users[home] = held[0]
        kept.append(f"{display_path(named[home][0])} as {held[0]}")
    if not users:
        return sources, []
    return _named(sources, files, users), [] if not kept else [
        f"{KEPT_NOTE}, so one person's rows do not split between two users: "
        f"{', '.join(kept)} (the user an earlier load stored them under: as a folder of "
        "users' folders or several home folders name them, or as --user gave); give --user "
        "NAME to store new transcripts as another user"]


def _named(sources: list[SourceFile], files: dict[str, list[SourceFile]],
           users: dict[str, str]) -> list[SourceFile]:
    """``sources`` with the files of each home in ``users`` (``files``: by home) stored under
    that home's user; the others as they were."""
    user_of = {f.key: users[home] for home, found in files.items() if home in users
               for f in found}
    return [SourceFile(s.key, s.format, s.source, user_of[s.key], s.stat)
            if s.user_id is None and s.source is not None and s.key in user_of else s
            for s in sources]


def _stored(stored: StoredUsers, files: list[SourceFile]) -> list[str]:
    """The users a store holds ``files`` under: asked of a few of them spread over the folder
    (a --db rerun of thousands of transcripts asks in a few ms), then of all where none of
    those is in the store (new transcripts beside stored ones)."""
    step = max(1, len(files) // _SAMPLE)
    return stored([f.key for f in files[::step]]) or (
        stored([f.key for f in files]) if step > 1 else [])


def _note(named: dict[str, list[str]], users: dict[str, str], kept: list[str],
          user_map: Mapping[str, str]) -> str:
    """Each home's user and folders; a user --user-map maps is shown as the id stored."""
    def user(h: str) -> str:
        mapped = user_map.get(users[h], users[h])
        return users[h] if mapped == users[h] else f"{users[h]} as {mapped}"

    shown = [f"{user(h)} ({', '.join(display_path(f) for f in named[h])})"
             for h in sorted(named, key=lambda h: (users[h], h))]
    more = f" and {len(shown) - _SHOWN} more" if len(shown) > _SHOWN else ""
    note = (f"single users' transcript folders of {len(named)} home folders were named in one "
            "load: each home's transcripts are stored under its folder's name, as in a folder "
            f"of users' folders (--user-map maps the names): {'; '.join(shown[:_SHOWN])}{more}")
    if kept:
        note += (f"; a store keeps the user it holds a folder's earlier transcripts under: "
                 f"{', '.join(kept)}")
    return (note + ". If they are one person's (copies from two machines), give --user NAME "
            "to load them as one user")
