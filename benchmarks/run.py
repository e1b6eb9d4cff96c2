"""hfscaffold against the plain tools, in the same run, as ratios.

    python benchmarks/run.py [--repeat N] [--out benchmarks/results]

Rows:
  startup  `hfscaffold --help`                              vs `python -c pass`
  new      `hfscaffold new NAME --with transformers,datasets,accelerate --no-sync`
                                                            vs `copier copy` + `uv lock` by hand
  lock     `hfscaffold lock` (scratch copy, matrix, atomic write) vs `uv lock` on the same project
  check    `hfscaffold check --no-resolve` of a 100- and a 1,000-package pin set vs `python -c pass`;
           with 1,000 and 10,000 more user rules (--rules), on their first use (validated and
           compiled) and cached; and the floor: importing the modules no check can do without
  lock     also a lock that resolves from nothing (no uv.lock) vs `uv lock` doing the same
  upgrade  `hfscaffold upgrade --dry-run` vs its two uv calls one after the other
  run      `hfscaffold run python -c pass` in a project in step vs `uv run --locked python -c pass`
  status   `hfscaffold status` of 20 projects (a bounded pool) vs the same, one at a time (--jobs 1)
  envs     N project environments of one torch-free stack (tokenizers, safetensors, datasets):
           `hfscaffold sync` per project vs `pip install -r` into a venv per project;
           disk of all N (hard links counted once, as `du` does) against one, and sync time
The package is byte-compiled first, as pip installs it. The `new` row resolves against the real
package index with uv's cache warm (one untimed warm-up run first), so it measures hfscaffold's
own cost, not the network. Results: JSON and Markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
COMPONENTS = "transformers,datasets,accelerate"


@dataclass
class Row:
    name: str
    ours: str
    baseline: str
    ours_seconds: float
    baseline_seconds: float
    goal: str

    @property
    def ratio(self) -> float:
        return self.ours_seconds / self.baseline_seconds


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env.setdefault("UV_PYTHON_DOWNLOADS", "never")
    return env


def timed(command: Sequence[str], cwd: Path | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=_env(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def interleaved(
    repeat: int, ours: Sequence[str], plain: Sequence[str], *, ours_timer: Callable[[Sequence[str]], float] = timed
) -> tuple[float, float]:
    """Median seconds of each command, run in turns after one warm-up each, so that drift in the
    machine's load hits both alike."""
    ours_timer(ours), timed(plain)
    ours_times, plain_times = [], []
    for _ in range(repeat):
        ours_times.append(ours_timer(ours))
        plain_times.append(timed(plain))
    return statistics.median(ours_times), statistics.median(plain_times)


def startup(repeat: int) -> Row:
    hfscaffold = [str(BIN / "hfscaffold"), "--help"]
    bare = [sys.executable, "-c", "pass"]
    return Row("startup", "hfscaffold --help", "python -c pass", *interleaved(repeat, hfscaffold, bare), "< 5x")


def new_project(repeat: int) -> Row:
    from uv import find_uv_bin

    uv = find_uv_bin()
    minor = f"{sys.version_info.major}.{sys.version_info.minor}"
    template = REPO / "templates" / "project"

    def ours() -> float:
        with tempfile.TemporaryDirectory() as work:
            return timed([str(BIN / "hfscaffold"), "new", "demo", "--with", COMPONENTS, "--no-sync", "-q"], cwd=Path(work))

    def by_hand() -> float:
        with tempfile.TemporaryDirectory() as work:
            data = ["-d", "project_name=demo", "-d", f"python_version={minor}",
                    "-d", 'components=["transformers", "datasets", "accelerate", "torch"]',
                    "-d", "imports={}"]  # fmt: skip
            start = time.perf_counter()
            subprocess.run([str(BIN / "copier"), "copy", "--defaults", "--quiet", *data, str(template), "demo"],
                           cwd=work, env=_env(), check=True, capture_output=True)  # fmt: skip
            subprocess.run([uv, "lock", "--python", sys.executable], cwd=Path(work, "demo"), env=_env(), check=True, capture_output=True)
            return time.perf_counter() - start

    ours(), by_hand()  # warm uv's cache and the file cache
    ours_times, hand_times = [], []
    for _ in range(repeat):  # interleaved, so drift in the machine's load hits both alike
        ours_times.append(ours())
        hand_times.append(by_hand())
    return Row(
        "new", f"hfscaffold new --with {COMPONENTS} --no-sync", "copier copy + uv lock",
        statistics.median(ours_times), statistics.median(hand_times), "<= 1.0x",
    )  # fmt: skip


def lock_project(repeat: int) -> list[Row]:
    """A no-op lock (uv.lock current) and a lock from nothing (no uv.lock), each against uv lock."""
    from uv import find_uv_bin

    with tempfile.TemporaryDirectory() as work:
        subprocess.run([str(BIN / "hfscaffold"), "new", "bench", "--with", COMPONENTS, "--no-sync", "-q"], cwd=work, env=_env(), check=True)
        project = Path(work, "bench")
        ours = [str(BIN / "hfscaffold"), "lock", "-q", "--project", str(project)]
        plain = [find_uv_bin(), "lock", "--project", str(project), "--python", sys.executable]
        no_op = interleaved(repeat, ours, plain)
        lock = project / "uv.lock"
        kept = lock.read_bytes()

        def from_nothing(command: Sequence[str]) -> float:
            lock.unlink()
            try:
                return timed(command)
            finally:
                lock.write_bytes(kept)

        from_nothing(ours), from_nothing(plain)
        fresh_ours, fresh_plain = [], []
        for _ in range(repeat):
            fresh_ours.append(from_nothing(ours))
            fresh_plain.append(from_nothing(plain))
    return [
        Row("lock", f"hfscaffold lock ({COMPONENTS}, torch; current lock)", "uv lock", *no_op, "within 0.060 s"),
        Row(
            "lock resolving",
            f"hfscaffold lock ({COMPONENTS}, torch; no uv.lock)",
            "uv lock (no uv.lock)",
            statistics.median(fresh_ours),
            statistics.median(fresh_plain),
            "<= 1.1x",
        ),
    ]


PIN_STACK = ["transformers==4.44.2", "tokenizers==0.19.1", "huggingface-hub==0.26.0", "diffusers==0.27.2", "torch==2.5.1"]


def _pin_file(folder: Path, size: int) -> Path:
    pins = folder / "requirements.txt"
    extra = [f"package-{i}=={i % 7}.{i % 13}.{i % 5}" for i in range(size - len(PIN_STACK))]
    pins.write_text("\n".join(PIN_STACK + extra) + "\n")
    return pins


def user_rules(count: int, salt: str = "") -> str:
    """``count`` rules of a user's own, as mined findings are: each about two packages of a
    thousand (the pin file pins a hundred of them), with narrow version ranges."""
    rules = []
    for i in range(count):
        first, second = (i * 7) % 1000, (i * 13 + 5) % 1000
        second = (second + 1) % 1000 if second == first else second
        major, minor, bound = i % 7, i % 13, i % 5 + 1
        rules.append(
            f'[[rule]]\nid = "team-rule-{i}"\nsummary = "team rule {i}: package-{first} with package-{second}{salt}"\n'
            f'severity = "warning"\nsymptom = "ImportError: cannot import name x{i}"\nprobe = "import package_{first}"\n'
            f'references = ["https://example.org/issues/{i}"]\n[rule.when]\n'
            f'package-{first} = ">={major}.{minor},<{major}.{minor + 1}"\npackage-{second} = "<{bound}"\n'
            f'[rule.fix]\nprefer = {{ package-{second} = ">={bound}" }}\n'
        )
    return "\n".join(rules)


def _timed_quietly(command: Sequence[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)  # 1: findings
    return time.perf_counter() - start


def check_pins(repeat: int, size: int) -> Row:
    with tempfile.TemporaryDirectory() as work:
        ours = [str(BIN / "hfscaffold"), "check", str(_pin_file(Path(work), size)), "--no-resolve", "--format", "json"]
        bare = [sys.executable, "-c", "pass"]
        return Row(
            f"check {size} pins", f"hfscaffold check --no-resolve ({size} pins, built-in knowledge)", "python -c pass",
            *interleaved(repeat, ours, bare, ours_timer=_timed_quietly), "< 6x",
        )  # fmt: skip


# What a check cannot do without: packaging's versions and specifiers, dataclasses (the records),
# json (the compiled index) and pathlib (the files).
_CHECK_FLOOR = "import packaging.specifiers, dataclasses, json, pathlib"


def check_floor(repeat: int) -> Row:
    """What importing the modules every check needs costs: no check of a pin file can start sooner."""
    floor = [sys.executable, "-c", _CHECK_FLOOR]
    bare = [sys.executable, "-c", "pass"]
    return Row(
        "check floor", f"python -c '{_CHECK_FLOOR}'", "python -c pass",
        *interleaved(repeat, floor, bare), "the least a check costs",
    )  # fmt: skip


def check_with_user_rules(repeat: int, count: int) -> list[Row]:
    """A check with ``count`` rules of the user's own: on the file's first use (a new content:
    validated and compiled) and from the compiled index."""
    with tempfile.TemporaryDirectory() as work:
        pins, rules = _pin_file(Path(work), 100), Path(work, "team-rules.toml")
        ours = [str(BIN / "hfscaffold"), "check", str(pins), "--no-resolve", "--rules", str(rules), "--format", "json"]
        bare = [sys.executable, "-c", "pass"]
        def first_use() -> float:
            rules.write_text(user_rules(count, salt=f" #{time.time_ns()}"))  # content never seen
            return _timed_quietly(ours)

        first, plain = interleaved(repeat, ours, bare, ours_timer=lambda _: first_use())
        cached, plain = interleaved(repeat, ours, bare, ours_timer=_timed_quietly)
    label = f"hfscaffold check --no-resolve (100 pins, +{count:,} user rules"
    return [
        Row(f"check +{count} rules, first", f"{label}, first use)", "python -c pass", first, plain, "once per rule file"),
        Row(f"check +{count} rules, cached", f"{label}, cached)", "python -c pass", cached, plain, "< 12x"),
    ]


def upgrade_dry_run(repeat: int) -> Row:
    """`upgrade --dry-run` against the real index: its two resolutions (the upgrade within the
    cooldown, and the probe of what the cooldown holds back) run at once."""
    from uv import find_uv_bin

    with tempfile.TemporaryDirectory() as work:
        new = [str(BIN / "hfscaffold"), "new", "up", "--with", SMALL_STACK, "--no-sync", "-q", "--vcs", "none"]
        subprocess.run(new, cwd=work, env=_env(), check=True)
        project = Path(work, "up")
        ours = [str(BIN / "hfscaffold"), "upgrade", "--dry-run", "-q", "--project", str(project)]
        uv = [find_uv_bin(), "lock", "--project", str(project), "--upgrade", "--dry-run", "--python", sys.executable]

        def by_hand() -> float:
            return timed([*uv, "--exclude-newer", "7 days"]) + timed(uv)

        timed(ours), by_hand()
        ours_times, plain_times = [], []
        for _ in range(repeat):
            ours_times.append(timed(ours))
            plain_times.append(by_hand())
    return Row(
        "upgrade dry run", f"hfscaffold upgrade --dry-run ({SMALL_STACK})", "its 2 uv lock calls, one after the other",
        statistics.median(ours_times), statistics.median(plain_times), "< 1.0x",
    )  # fmt: skip


ENV_STACK = "tokenizers,safetensors,datasets"
SMALL_STACK = "tokenizers,safetensors"


def run_command(repeat: int) -> Row:
    """The cost of `hfscaffold run` on top of the command, where the environment is in step."""
    from uv import find_uv_bin

    with tempfile.TemporaryDirectory() as work:
        new = [str(BIN / "hfscaffold"), "new", "runner", "--with", SMALL_STACK, "-q", "--vcs", "none"]
        subprocess.run(new, cwd=work, env=_env(), check=True)
        project = Path(work, "runner")
        ours = [str(BIN / "hfscaffold"), "run", "--project", str(project), "python", "-c", "pass"]
        plain = [find_uv_bin(), "run", "--project", str(project), "--locked", "python", "-c", "pass"]
        ours_seconds, plain_seconds = interleaved(repeat, ours, plain)
    return Row(
        "run", "hfscaffold run python -c pass (in step)", "uv run --locked python -c pass",
        ours_seconds, plain_seconds, "little on top of the command",
    )  # fmt: skip


def status_of_projects(repeat: int, count: int = 20) -> Row:
    """`status` over many projects: the lookups (one uv resolution each) run in a bounded pool."""
    with tempfile.TemporaryDirectory() as work:
        for i in range(count):
            new = [str(BIN / "hfscaffold"), "new", f"p{i:02d}", "--with", SMALL_STACK, "--no-sync", "-q", "--vcs", "none"]
            subprocess.run(new, cwd=work, env=_env(), check=True)
        projects = sorted(str(p) for p in Path(work).iterdir())
        ours = [str(BIN / "hfscaffold"), "status", *projects]
        one_at_a_time = [*ours, "--jobs", "1"]
        ours_seconds, serial_seconds = interleaved(repeat, ours, one_at_a_time)
    return Row(
        f"status x{count}", f"hfscaffold status ({count} projects)", "the same, --jobs 1",
        ours_seconds, serial_seconds, "<= 12 s",
    )  # fmt: skip


def _disk_kib(paths: Sequence[Path]) -> int:
    """Disk used by ``paths`` together; a file hard-linked into several counts once."""
    out = subprocess.run(["du", "-sk", "-c", *map(str, paths)], capture_output=True, text=True, check=True).stdout
    return int(out.strip().splitlines()[-1].split()[0])


def environments(counts: Sequence[int]) -> list[Row]:
    """Disk and time of N per-project environments: hfscaffold (uv, linked from its cache) vs pip."""
    from uv import find_uv_bin

    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as work_name:
        work = Path(work_name)
        subprocess.run([str(BIN / "hfscaffold"), "new", "base", "--with", ENV_STACK, "--no-sync", "-q"], cwd=work, env=_env(), check=True)
        requirements = work / "requirements.txt"
        exported = subprocess.run(
            [find_uv_bin(), "export", "--frozen", "--no-hashes", "--no-emit-project", "--format", "requirements-txt"],
            cwd=work / "base", env=_env(), check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        requirements.write_text(exported)
        # Warm both caches once, untimed, so every measured run is the "cached stack" case.
        subprocess.run([str(BIN / "hfscaffold"), "sync", "-q", "--project", str(work / "base")], env=_env(), check=True)
        subprocess.run([sys.executable, "-m", "venv", str(work / "pip-warm")], check=True)
        subprocess.run([str(work / "pip-warm" / "bin" / "pip"), "install", "-q", "-r", str(requirements)], env=_env(), check=True)
        ours: list[Path] = []
        pips: list[Path] = []
        ours_times: list[float] = []
        pip_times: list[float] = []
        for n in range(1, max(counts) + 1):
            project = work / f"p{n}"
            shutil.copytree(work / "base", project, ignore=shutil.ignore_patterns(".venv"))
            ours_times.append(timed([str(BIN / "hfscaffold"), "sync", "-q", "--project", str(project)]))
            ours.append(project / ".venv")
            venv = work / f"pip{n}"
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "-r", str(requirements)], env=_env(), check=True)
            pip_times.append(time.perf_counter() - start)
            pips.append(venv)
            if n in counts:
                ours_disk, pip_disk = _disk_kib(ours), _disk_kib(pips)
                rows.append(Row(
                    f"envs x{n} disk", f"{n} x hfscaffold sync (MiB)", f"{n} x pip venv (MiB)",
                    ours_disk / 1024, pip_disk / 1024, "N envs cost ~1 env",
                ))  # fmt: skip
        rows.append(Row(
            "env sync time", "hfscaffold sync (cached stack)", "python -m venv + pip install -r (cached)",
            statistics.median(ours_times), statistics.median(pip_times), "about a second",
        ))  # fmt: skip
        one = next(r for r in rows if r.name == "envs x1 disk")
        for row in rows:
            if row.name.endswith("disk") and row is not one:
                row.goal = f"{row.ours_seconds / one.ours_seconds:.2f}x one env (pip: {row.baseline_seconds / one.baseline_seconds:.2f}x)"
    return rows


def markdown(rows: list[Row], meta: dict[str, str]) -> str:
    lines = [
        f"# hfscaffold benchmarks ({meta['date']})",
        "",
        f"{meta['machine']}; Python {meta['python']}; median of {meta['repeat']} runs each.",
        "",
        "Times are seconds; the `envs` disk rows are MiB.",
        "",
        "| row | hfscaffold | by hand | ours | by hand | ratio | goal |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(f"| {r.name} | `{r.ours}` | `{r.baseline}` | {r.ours_seconds:.3f} | {r.baseline_seconds:.3f} | {r.ratio:.2f}x | {r.goal} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    parser.add_argument(
        "--only", choices=["startup", "new", "lock", "check", "upgrade", "run", "status", "envs"], action="append"
    )
    parser.add_argument("--envs", default="1,5,20", help="numbers of project environments for the envs rows")
    args = parser.parse_args(argv)
    if not (BIN / "hfscaffold").exists() or not shutil.which("copier", path=str(BIN)):
        parser.error("run with the Python of a venv where hfscaffold (and so copier) is installed")

    # As pip installs a package (and pipx with it): byte-compiled, so no run pays for compiling
    # the modules (PYTHONDONTWRITEBYTECODE would otherwise make every run compile them again).
    import compileall

    import hfscaffold

    compileall.compile_dir(str(Path(hfscaffold.__file__).parent), quiet=1)
    counts = sorted({int(n) for n in args.envs.split(",")} | {1})
    benches: dict[str, Callable[[], list[Row]]] = {
        "startup": lambda: [startup(args.repeat)],
        "new": lambda: [new_project(args.repeat)],
        "lock": lambda: lock_project(args.repeat),
        "check": lambda: [
            check_floor(args.repeat),
            check_pins(args.repeat, 100),
            check_pins(args.repeat, 1000),
            *check_with_user_rules(args.repeat, 1000),
            *check_with_user_rules(args.repeat, 10000),
        ],
        "upgrade": lambda: [upgrade_dry_run(args.repeat)],
        "run": lambda: [run_command(args.repeat)],
        "status": lambda: [status_of_projects(args.repeat)],
        "envs": lambda: environments(counts),
    }
    rows = [row for name in (args.only or list(benches)) for row in benches[name]()]
    previous = args.out / "latest.json"
    if args.only and previous.is_file():  # keep the rows of benches not run this time
        fresh = {row.name for row in rows}
        kept = [Row(**{k: v for k, v in r.items() if k != "ratio"}) for r in json.loads(previous.read_text())["rows"]]
        order = [r.name for r in kept] + [r.name for r in rows if r.name not in {k.name for k in kept}]
        merged = {r.name: r for r in kept if r.name not in fresh} | {r.name: r for r in rows}
        rows = [merged[name] for name in order]
    meta = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "repeat": str(args.repeat),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(
        json.dumps({"meta": meta, "rows": [{**asdict(r), "ratio": round(r.ratio, 3)} for r in rows]}, indent=2) + "\n"
    )
    report = markdown(rows, meta)
    (args.out / "latest.md").write_text(report)
    print(report, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
