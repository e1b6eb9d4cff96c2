"""hfscaffold against the plain tools, in the same run, as ratios.

    python benchmarks/run.py [--repeat N] [--out benchmarks/results]

Rows:
  startup  `hfscaffold --help`                              vs `python -c pass`
  new      `hfscaffold new NAME --with transformers,datasets,accelerate --no-sync`
                                                            vs `copier copy` + `uv lock` by hand
The `new` row resolves against the real package index with uv's cache warm (one untimed warm-up
run first), so it measures hfscaffold's own cost, not the network. Results: JSON and Markdown.
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


def median_of(repeat: int, run: Callable[[], float]) -> float:
    return statistics.median(run() for _ in range(repeat))


def startup(repeat: int) -> Row:
    hfscaffold = [str(BIN / "hfscaffold"), "--help"]
    bare = [sys.executable, "-c", "pass"]
    timed(hfscaffold)  # warm the file cache
    return Row(
        "startup", "hfscaffold --help", "python -c pass",
        median_of(repeat, lambda: timed(hfscaffold)), median_of(repeat, lambda: timed(bare)), "< 8x",
    )  # fmt: skip


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


def markdown(rows: list[Row], meta: dict[str, str]) -> str:
    lines = [
        f"# hfscaffold benchmarks ({meta['date']})",
        "",
        f"{meta['machine']}; Python {meta['python']}; median of {meta['repeat']} runs each.",
        "",
        "| row | hfscaffold | by hand | ours (s) | by hand (s) | ratio | goal |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(f"| {r.name} | `{r.ours}` | `{r.baseline}` | {r.ours_seconds:.3f} | {r.baseline_seconds:.3f} | {r.ratio:.2f}x | {r.goal} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    parser.add_argument("--only", choices=["startup", "new"], action="append")
    args = parser.parse_args(argv)
    if not (BIN / "hfscaffold").exists() or not shutil.which("copier", path=str(BIN)):
        parser.error("run with the Python of a venv where hfscaffold (and so copier) is installed")

    benches = {"startup": startup, "new": new_project}
    rows = [benches[name](args.repeat) for name in (args.only or list(benches))]
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
