"""A local package index of tiny wheels, so uv resolves and installs for real without the network.

Each fake distribution has the metadata that matters to resolution (name, version, Requires-Dist,
Requires-Python) and an importable module that reports its own version.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import threading
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from packaging.utils import canonicalize_name


@dataclass(frozen=True)
class FakeDist:
    name: str
    version: str
    requires: tuple[str, ...] = ()
    requires_python: str | None = None
    module_source: str = ""  # extra code for the module's __init__.py
    uploaded: str | None = None  # PEP 700 upload time ("2024-01-01T00:00:00Z"); only a served index says it

    @property
    def module(self) -> str:
        return canonicalize_name(self.name).replace("-", "_")

    @property
    def filename(self) -> str:
        return f"{self.module}-{self.version}-py3-none-any.whl"


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def build_wheel(dist: FakeDist, directory: Path) -> Path:
    info = f"{dist.module}-{dist.version}.dist-info"
    metadata = ["Metadata-Version: 2.1", f"Name: {dist.name}", f"Version: {dist.version}"]
    if dist.requires_python:
        metadata.append(f"Requires-Python: {dist.requires_python}")
    metadata += [f"Requires-Dist: {requirement}" for requirement in dist.requires]
    files = {
        f"{dist.module}/__init__.py": f'__version__ = "{dist.version}"\n{dist.module_source}'.encode(),
        f"{info}/METADATA": ("\n".join(metadata) + "\n").encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: hfscaffold-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = [_record_line(path, data) for path, data in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    path = directory / dist.filename
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data)
    return path


@dataclass
class FakeIndex:
    """A PEP 503 "simple" index on disk: ``root/<project>/index.html`` linking the wheels."""

    root: Path
    dists: list[FakeDist] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.root.as_uri()

    def add(self, dists: Iterable[FakeDist]) -> FakeIndex:
        self.dists.extend(dists)
        self.write()
        return self

    def write(self) -> None:
        by_project: dict[str, list[FakeDist]] = {}
        for dist in self.dists:
            by_project.setdefault(canonicalize_name(dist.name), []).append(dist)
        self.root.mkdir(parents=True, exist_ok=True)
        for project, dists in by_project.items():
            folder = self.root / project
            folder.mkdir(exist_ok=True)
            links, files = [], []
            for dist in dists:
                wheel = build_wheel(dist, folder)
                digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
                python = f' data-requires-python="{html.escape(dist.requires_python)}"' if dist.requires_python else ""
                links.append(f'<a href="{wheel.name}#sha256={digest}"{python}>{wheel.name}</a><br/>')
                file = {
                    "filename": wheel.name,
                    "url": wheel.name,
                    "hashes": {"sha256": digest},
                    "size": wheel.stat().st_size,
                }
                file |= {"requires-python": dist.requires_python} if dist.requires_python else {}
                files.append(file | ({"upload-time": dist.uploaded} if dist.uploaded else {}))
            (folder / "index.html").write_text(
                "<!DOCTYPE html><html><body>\n" + "\n".join(links) + "\n</body></html>\n"
            )
            versions = sorted({d.version for d in dists})
            page = {"meta": {"api-version": "1.1"}, "name": project, "versions": versions, "files": files}
            (folder / "index.json").write_text(json.dumps(page))
        names = "\n".join(f'<a href="{p}/">{p}</a><br/>' for p in sorted(by_project))
        (self.root / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{names}\n</body></html>\n")

    def environment(self, cache: Path, url: str | None = None) -> Mapping[str, str]:
        """uv settings that make this index (at ``url`` where it is served) the only one, with a
        cache of its own."""
        here = {"NO_PROXY": "127.0.0.1"} if url else {}  # a proxy set for the registries is not asked
        url = url or self.url
        return here | {
            "UV_DEFAULT_INDEX": url,
            "UV_INDEX_URL": url,
            "UV_CACHE_DIR": str(cache),
            "UV_PYTHON_DOWNLOADS": "never",
            "UV_NO_CONFIG": "1",
        }


@contextmanager
def served(index: FakeIndex) -> Iterator[str]:
    """The index over HTTP on this machine, as PEP 691 JSON pages, so that uv sees the upload
    times (PEP 700) a folder of HTML pages cannot carry: what ``--exclude-newer`` needs. Gives
    the index's URL."""

    class Pages(BaseHTTPRequestHandler):
        def do_HEAD(self) -> None:  # http.server names the methods
            self.do_GET(body=False)

        def do_GET(self, body: bool = True) -> None:
            parts = [p for p in self.path.split("?")[0].split("/") if p]
            target = index.root.joinpath(*parts) if all(p not in ("..", ".") for p in parts) else None
            if target is not None and self.path.endswith("/") and (target / "index.json").is_file():
                data, kind = (target / "index.json").read_bytes(), "application/vnd.pypi.simple.v1+json"
            elif target is not None and target.is_file():
                data, kind = target.read_bytes(), "application/octet-stream"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body:
                self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


# Stand-ins for the one-line smoke calls hfscaffold runs after an import (catalog.toml `smoke`).
SMOKE = {
    "transformers": "class AutoConfig:\n    @staticmethod\n    def for_model(kind, **kwargs):\n        return {'model_type': kind, **kwargs}\n",
    "tokenizers": "import types\nclass Tokenizer:\n    def __init__(self, model): self.model = model\nmodels = types.SimpleNamespace(WordLevel=lambda vocab, unk_token: vocab)\n",
    "datasets": "class Dataset(list):\n    @classmethod\n    def from_dict(cls, d): return cls(d)\n    def map(self, f): return self\n",
    "accelerate": "class Accelerator:\n    def __init__(self, cpu=False): self.cpu = cpu\n",
    "huggingface_hub": "class HfApi:\n    pass\n",
    "torch": "class _T(float):\n    def sum(self): return self\n    def item(self): return float(self)\ndef zeros(n): return _T(0)\n",
}


def with_smoke(dist: FakeDist) -> FakeDist:
    source = SMOKE.get(dist.module, "")
    return FakeDist(
        dist.name, dist.version, dist.requires, dist.requires_python, source + dist.module_source, dist.uploaded
    )


def hf_stack() -> list[FakeDist]:
    """A miniature HF stack with the shape of the real one: versions for every upgrade level."""
    hub = "huggingface-hub>=0.23,<1.0"
    return [with_smoke(d) for d in _hf_stack(hub)]


def _hf_stack(hub: str) -> list[FakeDist]:
    return [
        FakeDist("huggingface-hub", "0.24.0", ("tqdm",)),
        FakeDist("huggingface-hub", "0.26.0", ("tqdm",)),
        FakeDist("tqdm", "4.66.5"),
        FakeDist("numpy", "1.26.4"),
        FakeDist("numpy", "2.1.0"),
        FakeDist("tokenizers", "0.19.1", (hub,)),
        FakeDist("tokenizers", "0.20.0", (hub,)),
        FakeDist("safetensors", "0.4.5"),
        FakeDist("transformers", "4.44.2", (hub, "tokenizers>=0.19,<0.20", "safetensors", "numpy")),
        FakeDist("transformers", "4.45.0", (hub, "tokenizers>=0.20,<0.21", "safetensors", "numpy")),
        FakeDist("datasets", "2.21.0", (hub, "numpy")),
        FakeDist("datasets", "3.0.0", (hub, "numpy")),
        FakeDist("torch", "2.4.1", ("numpy",)),
        FakeDist("torch", "2.5.1", ("numpy",)),
        FakeDist("accelerate", "0.34.2", ("torch>=2.0", "numpy", hub, "safetensors")),
        FakeDist("accelerate", "1.0.0", ("torch>=2.0", "numpy", hub, "safetensors")),
        FakeDist("pytest", "8.3.3"),
    ]
