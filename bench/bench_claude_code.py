"""Benchmark: cold, warm (--db, unchanged) and appended loads of a Claude Code projects folder,
against ccusage's ``daily --json --offline`` on the same folder (same machine, same run).

    python bench/bench_claude_code.py generate [--mb 540] [--files 5900]
    python bench/bench_claude_code.py run --ccusage /path/to/ccusage [--repeat 3]

``generate`` writes bench/data/claude/projects/... (git-ignored): compact JSON as Claude Code
writes it, with the realistic line mix: user prompts and large tool results, assistant turns
streamed as several lines of one message (same id + requestId, same usage), summaries,
file-history snapshots (one session file of ~120 MB of them, one snapshot line over 16 MB),
subagent sidechains replaying their parent's first message, resumed sessions repeating an
earlier session's lines, synthetic API-error messages, and a few truncated lines.

``run`` times each tool as a separate process (wall clock and peak RSS from /usr/bin/time -v),
compares daily token totals (they must be identical) and writes bench/out/results.json. It first
compiles planalyzer's and the environment's Python files to bytecode, as ``pip install`` does
(where PYTHONDONTWRITEBYTECODE is set, every run would otherwise compile ~180 modules from
source: 0.1-0.4 s per process); ``--no-compile`` leaves them as they are.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
ROOT = HERE.parent
OURS_ENV = {**os.environ, "PYTHONPATH": str(ROOT), "TZ": "UTC"}
DATA = HERE / "data" / "claude"
OUT = HERE / "out"
MODELS = ("claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", "claude-haiku-4-5-20251001")
WORDS = ("the", "function", "returns", "value", "error", "file", "test", "import", "class",
         "def", "self", "data", "config", "path", "update", "fix", "build", "run", "check",
         "line", "module", "result", "user", "request", "cache", "token", "model", "plan")


def _pool(rng: random.Random, size: int) -> str:
    parts: list[str] = []
    n = 0
    while n < size:
        w = rng.choice(WORDS)
        parts.append(w)
        n += len(w) + 1
        if rng.random() < 0.08:
            parts.append("\\n")
    return " ".join(parts)


class Gen:
    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.pool = _pool(self.rng, 1 << 22)
        self.n = 0

    def text(self, size: int) -> str:
        start = self.rng.randrange(0, len(self.pool) - size - 1)
        t = self.pool[start:start + size]
        return t.rstrip("\\")

    def uid(self) -> str:
        self.n += 1
        a, b = self.rng.getrandbits(32), self.rng.getrandbits(48)
        return f"{a:08x}-{self.n:04x}-4000-8000-{b:012x}"

    def head(self, sid: str, sidechain: bool) -> str:
        return (f'{{"parentUuid":"{self.uid()}","isSidechain":{str(sidechain).lower()},'
                f'"userType":"external","cwd":"/home/dev/project","sessionId":"{sid}",'
                f'"version":"2.0.14","gitBranch":"main"')

    def user(self, sid: str, ts: str, size: int, sidechain: bool = False) -> str:
        if size < 600:
            msg = f'{{"role":"user","content":"{self.text(size)}"}}'
            extra = ""
        else:
            body = self.text(size)
            msg = (f'{{"role":"user","content":[{{"tool_use_id":"toolu_{self.n:08d}",'
                   f'"type":"tool_result","content":"{body}","is_error":false}}]}}')
            extra = (f',"toolUseResult":{{"stdout":"{body[: size // 3]}","stderr":"",'
                     f'"interrupted":false,"isImage":false}}')
        return (f'{self.head(sid, sidechain)},"type":"user","message":{msg},'
                f'"uuid":"{self.uid()}","timestamp":"{ts}"{extra}}}')

    def usage(self) -> str:
        r = self.rng
        cw = r.choice((0, 0, r.randrange(0, 30000)))
        cw1h = r.randrange(0, cw + 1) if r.random() < 0.3 else 0
        return (f'"usage":{{"input_tokens":{r.randrange(1, 60)},'
                f'"cache_creation_input_tokens":{cw},'
                f'"cache_read_input_tokens":{r.randrange(0, 160000)},'
                f'"cache_creation":{{"ephemeral_5m_input_tokens":{cw - cw1h},'
                f'"ephemeral_1h_input_tokens":{cw1h}}},'
                f'"output_tokens":{r.randrange(1, 2500)},"service_tier":"standard"}}')

    def assistant(self, sid: str, ts: str, mid: str, req: str, model: str, usage: str,
                  block: str, sidechain: bool = False) -> str:
        return (f'{self.head(sid, sidechain)},"message":{{"id":"{mid}","type":"message",'
                f'"role":"assistant","model":"{model}","content":[{block}],'
                f'"stop_reason":null,"stop_sequence":null,{usage}}},"requestId":"{req}",'
                f'"type":"assistant","uuid":"{self.uid()}","timestamp":"{ts}"}}')

    def blocks(self) -> list[str]:
        r = self.rng
        out = []
        if r.random() < 0.5:
            out.append(f'{{"type":"thinking","thinking":"{self.text(r.randrange(100, 1500))}",'
                       f'"signature":"{self.text(80).replace(" ", "")}"}}')
        if r.random() < 0.6:
            out.append(f'{{"type":"tool_use","id":"toolu_{self.n:08d}","name":"Edit",'
                       f'"input":{{"file_path":"/home/dev/project/app.py",'
                       f'"old_string":"{self.text(r.randrange(50, 2000))}",'
                       f'"new_string":"{self.text(r.randrange(50, 3000))}"}}}}')
        else:
            out.append(f'{{"type":"text","text":"{self.text(r.randrange(50, 1500))}"}}')
        return out

    def snapshot(self, size: int) -> str:
        return (f'{{"type":"file-history-snapshot","messageId":"{self.uid()}","snapshot":'
                f'{{"messageId":"{self.uid()}","trackedFileBackups":{{"app.py":'
                f'{{"backupFileName":"abc@v2","version":2,"backupTime":"2026-09-01T00:00:00Z",'
                f'"content":"{self.text(min(size, len(self.pool) - 2))}"}}}},'
                f'"timestamp":"2026-09-01T00:00:00Z"}},"isSnapshotUpdate":false}}')


def _ts(epoch: float) -> str:
    t = time.gmtime(epoch)
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + f".{int(epoch * 1000) % 1000:03d}Z"


def session_lines(g: Gen, sid: str, target: int, start: float,
                  sidechain: bool = False) -> list[str]:
    r = g.rng
    lines: list[str] = []
    if r.random() < 0.3 and not sidechain:
        lines.append(f'{{"type":"summary","summary":"{g.text(60)}","leafUuid":"{g.uid()}"}}')
    size, t = 0, start
    model = r.choice(MODELS)
    while size < target:
        t += r.uniform(5, 400)
        lines.append(g.user(sid, _ts(t), r.choice((200, 400, 2000, 6000, 20000)), sidechain))
        for _ in range(r.randrange(1, 4)):
            t += r.uniform(2, 60)
            mid = f"msg_{g.uid().replace('-', '')[:24]}"
            req = f"req_{g.uid().replace('-', '')[:24]}"
            usage = g.usage()
            for block in g.blocks():  # streamed: one line per content block, same usage
                lines.append(g.assistant(sid, _ts(t), mid, req, model, usage, block, sidechain))
            if r.random() < 0.5:
                t += r.uniform(1, 30)
                lines.append(g.user(sid, _ts(t), r.choice((1500, 5000, 12000)), sidechain))
        if r.random() < 0.05:
            lines.append(g.snapshot(r.randrange(2000, 40000)))
        if r.random() < 0.01:
            lines.append(g.assistant(sid, _ts(t), f"msg_s{g.n}", f"req_s{g.n}", "<synthetic>",
                                     '"usage":{"input_tokens":0,"output_tokens":0,'
                                     '"cache_creation_input_tokens":0,'
                                     '"cache_read_input_tokens":0}',
                                     '{"type":"text","text":"API Error"}', sidechain))
        size = sum(len(x) + 1 for x in lines)
    if r.random() < 0.01:
        lines.append(lines[-1][: len(lines[-1]) // 2])  # a write cut short
    return lines


def generate(mb: int, files: int, seed: int = 7) -> None:
    if DATA.exists():
        shutil.rmtree(DATA)
    g = Gen(seed)
    r = g.rng
    total_target = mb * 1_000_000
    big = int(min(120e6, total_target * 0.22))
    per_file = (total_target - big) / files
    projects = [DATA / "projects" / f"-home-dev-project-{i:02d}" for i in range(40)]
    written = 0
    previous: list[tuple[Path, list[str]]] = []
    t0 = 1788220800.0  # 2026-09-01
    for i in range(files - 1):
        proj = projects[i % len(projects)]
        sid = g.uid()
        target = int(r.lognormvariate(0, 1.0) * per_file / 1.65)
        start = t0 + r.uniform(0, 60 * 86400)
        lines = session_lines(g, sid, target, start)
        if previous and r.random() < 0.08:  # a resumed session repeats an earlier one
            _, prev = r.choice(previous[-50:])
            lines = prev[: max(1, len(prev) // 2)] + lines
        path = proj / f"{sid}.jsonl"
        if r.random() < 0.12 and previous:  # a subagent of an earlier session
            parent_path, parent = previous[-1]
            first = next((ln for ln in parent if '"type":"assistant"' in ln), None)
            replay = [first.replace('"isSidechain":false', '"isSidechain":true')] if first else []
            path = parent_path.with_suffix("") / "subagents" / f"agent-{g.uid()[:8]}.jsonl"
            lines = replay + session_lines(g, sid, target, start, sidechain=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = "\n".join(lines) + "\n"
        path.write_text(data, encoding="utf-8")
        written += len(data)
        previous.append((path, lines))
        if len(previous) > 200:
            previous.pop(0)
    # one session dominated by file-history snapshots (~120 MB, one line over 16 MB)
    sid = g.uid()
    lines = session_lines(g, sid, 200_000, t0 + 86400)
    size = 0
    while size < big:
        n = min(24_000_000, big // 4) if size == 0 else r.randrange(1_000_000, 4_000_000)
        snap = g.snapshot(n)
        while len(snap) < n:
            snap = snap.replace('"content":"', '"content":"' + g.text(1_000_000), 1)
        lines.append(snap)
        size += len(snap)
        lines += session_lines(g, sid, 50_000, t0 + 86400 + size / 1e4)
    path = projects[0] / f"{sid}.jsonl"
    data = "\n".join(lines) + "\n"
    path.write_text(data, encoding="utf-8")
    written += len(data)
    n_files = sum(1 for _ in DATA.rglob("*.jsonl"))
    print(f"wrote {written / 1e6:.0f} MB in {n_files} files under {DATA}")


# -- running -------------------------------------------------------------------------------

def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in MB, stdout) of a command run under /usr/bin/time -v; its CPU
    time (user + system seconds) is kept in CPU_SECONDS[-1]."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        t0 = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-v", "-o", tf.name, *cmd], env=env or OURS_ENV,
                              cwd=ROOT, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit(f"{cmd[0]} failed: {proc.stderr[-2000:]}")
        report = tf.read().splitlines()
        rss = next(int(ln.split(":")[1]) for ln in report if "Maximum resident set size" in ln)
        CPU_SECONDS.append(sum(float(ln.split(":")[1]) for ln in report
                               if "User time" in ln or "System time" in ln))
    return wall, rss // 1024, proc.stdout


CPU_SECONDS: list[float] = []  # user + system seconds of each timed command, in order


def ours_cmd(db: Path | None) -> list[str]:
    code = ("import json,sys;from planalyzer.store import Store;"
            "from planalyzer.usage import daily_tokens;"
            f"s=Store({str(db)!r} if {db is not None} else None);r=s.load([{str(DATA)!r}]);"
            "d=daily_tokens(s.con,'UTC').as_dicts();"
            "print(json.dumps({'seconds':r.seconds,'read':r.rows_read,'loaded':r.rows_loaded,"
            "'files_read':sum(f.status!='unchanged' for f in r.files),'daily':d}))")
    return [sys.executable, "-c", code]


def cli_cmd(db: Path) -> list[str]:
    return [sys.executable, "-m", "planalyzer", "load", str(DATA), "--db", str(db), "--quiet"]


def compile_bytecode() -> None:
    for folder in (ROOT / "planalyzer", Path(sysconfig.get_paths()["purelib"])):
        subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", str(folder)],
                       env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
                       capture_output=True, check=False)


def compare(ours: list[dict[str, Any]], theirs: dict[str, Any]) -> list[str]:
    diffs = []
    mine = {d["day"]: d for d in ours}
    for d in theirs["daily"]:
        o = mine.pop(d["period"], None)
        want = (d["inputTokens"], d["outputTokens"], d["cacheCreationTokens"],
                d["cacheReadTokens"])
        got = None if o is None else (o["input_tokens"], o["output_tokens"],
                                      o["cache_creation_tokens"], o["cache_read_tokens"])
        if got != want:
            diffs.append(f"{d['period']}: ccusage {want}, planalyzer {got}")
    diffs += [f"{day}: only planalyzer" for day in mine]
    return diffs


def append_lines(n_files: int, seed: int = 11) -> int:
    """Append a new assistant turn (two lines of one message) to a few files; returns the
    usage lines appended."""
    g = Gen(seed)
    files = sorted(DATA.rglob("*.jsonl"))[:: max(1, len(list(DATA.rglob("*.jsonl"))) // n_files)]
    added = 0
    for f in files[:n_files]:
        mid, req = f"msg_app{g.uid()[:8]}", f"req_app{g.uid()[:8]}"
        usage = g.usage()
        ts = _ts(1793491200.0 + added)  # 2026-11-01
        with f.open("a", encoding="utf-8") as fh:
            for block in g.blocks():
                fh.write(g.assistant("appended", ts, mid, req, MODELS[0], usage, block) + "\n")
                added += 1
    return added


def run(ccusage: str, repeat: int, compile_first: bool = True) -> None:
    OUT.mkdir(exist_ok=True)
    if compile_first:
        compile_bytecode()
    env = {**os.environ, "CLAUDE_CONFIG_DIR": str(DATA), "TZ": "UTC"}
    size = sum(p.stat().st_size for p in DATA.rglob("*.jsonl"))
    n_files = sum(1 for _ in DATA.rglob("*.jsonl"))
    results: dict[str, Any] = {"data_mb": round(size / 1e6), "files": n_files,
                               "load_average": os.getloadavg(), "bytecode_compiled": compile_first}
    cc_runs: list[tuple[float, int, float]] = []
    our_runs: list[tuple[float, int, float]] = []
    our_loads: list[float] = []
    theirs: dict[str, Any] = {}
    ours: dict[str, Any] = {}
    for _ in range(repeat):  # interleaved so that both see the same machine load
        wall, rss, out = timed([ccusage, "daily", "--json", "--offline"], env)
        cc_runs.append((wall, rss, CPU_SECONDS[-1]))
        theirs = json.loads(out)
        wall, rss, out = timed(ours_cmd(None))
        our_runs.append((wall, rss, CPU_SECONDS[-1]))
        ours = json.loads(out)
        our_loads.append(ours["seconds"])
    results["ccusage"] = _summary(cc_runs)
    results["planalyzer_cold"] = _summary(our_runs) | {
        "load_seconds": ours["seconds"], "rows_read": ours["read"],
        "load_seconds_median": round(statistics.median(our_loads), 3),
        "load_seconds_all": [round(x, 3) for x in our_loads]}
    results["daily_diffs"] = compare(ours["daily"], theirs)
    results["days"] = len(theirs["daily"])
    db = OUT / "bench.duckdb"
    db.unlink(missing_ok=True)
    wall, rss, out = timed(ours_cmd(db))
    first = json.loads(out)
    results["planalyzer_db_first"] = {"wall_s": round(wall, 2), "rss_mb": rss,
                                      "load_seconds": round(first["seconds"], 3)}
    warm = []
    for _ in range(repeat):
        wall, rss, out = timed(ours_cmd(db))
        w = json.loads(out)
        warm.append((wall, rss, w["seconds"], w["files_read"]))
    cli = [timed(cli_cmd(db))[0] for _ in range(repeat)]
    results["planalyzer_db_unchanged"] = {
        "wall_s": round(statistics.median(x[0] for x in warm), 3),
        "load_seconds": round(statistics.median(x[2] for x in warm), 4),
        "load_seconds_all": [round(x[2], 4) for x in warm],
        "rss_mb_max": max(x[1] for x in warm),
        "cli_wall_s": round(statistics.median(cli), 3),
        "cli_wall_s_all": [round(w, 3) for w in cli],
        "files_read": warm[-1][3]}
    results["cold_over_warm_load"] = round(
        results["planalyzer_cold"]["load_seconds_median"]
        / results["planalyzer_db_unchanged"]["load_seconds"], 1)
    # the same ratio against the first --db run (the run the rerun repeats: its load call also
    # hashes every file for the manifest and writes the store); one run, so noisier
    results["first_db_over_warm_load"] = round(
        first["seconds"] / results["planalyzer_db_unchanged"]["load_seconds"], 1)
    added = append_lines(5)
    wall, rss, out = timed(ours_cmd(db))
    app = json.loads(out)
    results["planalyzer_db_appended"] = {"wall_s": round(wall, 3),
                                         "load_seconds": round(app["seconds"], 4),
                                         "usage_lines_appended": added,
                                         "rows_read": app["read"],
                                         "files_read": app["files_read"]}
    wall, rss, out = timed([ccusage, "daily", "--json", "--offline"], env)
    results["daily_diffs_after_append"] = compare(app["daily"], json.loads(out))
    results["load_average_after"] = os.getloadavg()
    (OUT / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


def _summary(runs: list[tuple[float, int, float]]) -> dict[str, Any]:
    return {"wall_s_median": round(statistics.median(w for w, _, _ in runs), 2),
            "wall_s_all": [round(w, 2) for w, _, _ in runs],
            "cpu_s_median": round(statistics.median(c for _, _, c in runs), 2),
            "cpu_s_all": [round(c, 2) for _, _, c in runs],
            "rss_mb_max": max(r for _, r, _ in runs),
            "rss_mb_all": [r for _, r, _ in runs]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--mb", type=int, default=540)
    g.add_argument("--files", type=int, default=5900)
    r = sub.add_parser("run")
    r.add_argument("--ccusage", required=True)
    r.add_argument("--repeat", type=int, default=3)
    r.add_argument("--no-compile", action="store_true",
                   help="do not compile Python files to bytecode first")
    args = ap.parse_args()
    if args.cmd == "generate":
        generate(args.mb, args.files)
    else:
        run(args.ccusage, args.repeat, not args.no_compile)


if __name__ == "__main__":
    main()
