"""Where the transcript tools keep one user's logs: the folder names every module that walks,
names or explains a Claude Code or Codex folder reads from here (one place to change when a
tool moves its files).

Claude Code: a config folder (``~/.claude``, or ``~/.config/claude`` where some versions write)
holding ``projects/<project>/<session>.jsonl``. Codex: a home (``~/.codex``, or
``$CODEX_HOME``) holding ``sessions/YYYY/MM/DD/rollout-*.jsonl`` and ``archived_sessions/``.
"""

from __future__ import annotations

# Claude Code's config folders inside a home folder, and its transcripts' folder inside one
CLAUDE_CONFIG_FOLDERS = (".claude", ".config/claude")
CLAUDE_TRANSCRIPTS = "projects"
# Codex's home inside a home folder, and its rollouts' folders inside one (both read)
CODEX_HOME = ".codex"
CODEX_ROLLOUTS = ("sessions", "archived_sessions")

# the folders that hold a tool's transcripts directly
TOOL_SUBFOLDERS = (CLAUDE_TRANSCRIPTS, *CODEX_ROLLOUTS)
# the hidden folders of a home folder that hold one tool's logs
HIDDEN_TOOL_FOLDERS = (*CLAUDE_CONFIG_FOLDERS, CODEX_HOME)
# the names a tool's layout shows within two levels of a folder it claims or owns
# (projects/, .claude/projects/, .config/claude/projects/; sessions/, archived_sessions/,
# .codex/)
LAYOUT_NAMES = frozenset({*TOOL_SUBFOLDERS, *(h.split("/")[0] for h in HIDDEN_TOOL_FOLDERS)})
