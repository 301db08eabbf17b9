"""conda envs (for `--sdm conda`) carry exactly the pip pins of pyproject.toml, for CPU and CUDA alike."""

import ast
import json
import re
import sys
import tomllib
from pathlib import Path

import yaml

from tests.conftest import REPO, described_rules

PINS = dict(dep.split("==") for dep in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"])


def env_pins(path):
    doc = yaml.safe_load(path.read_text())
    pins = {}
    for dep in doc["dependencies"]:
        entries = dep["pip"] if isinstance(dep, dict) else [dep]
        for entry in entries:
            m = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*==\s*([^\s]+)", entry)
            if m:
                pins[m.group(1).lower()] = m.group(2)
            elif not entry.startswith(("--", "python=", "pip")):
                raise AssertionError(f"{path}: {entry!r} is not an exact pin")
    return pins


def test_every_env_pin_equals_the_pip_pin():
    files = sorted((REPO / "envs").glob("*/*.yaml"))
    assert files
    for path in files:
        for name, version in env_pins(path).items():
            assert name in PINS, f"{path}: {name} is not a dependency in pyproject.toml"
            assert version == PINS[name], f"{path}: {name}=={version} but pyproject.toml pins {PINS[name]}"


def test_cpu_and_cuda_offer_the_same_families_and_packages():
    cpu = {p.name: env_pins(p) for p in (REPO / "envs/cpu").glob("*.yaml")}
    cuda = {p.name: env_pins(p) for p in (REPO / "envs/cuda").glob("*.yaml")}
    assert cpu.keys() == cuda.keys()
    for name in cpu:
        assert cpu[name] == cuda[name], name


def test_cuda_envs_use_a_cuda_torch_index():
    for path in (REPO / "envs/cuda").glob("*.yaml"):
        text = path.read_text()
        if "torch==" in text:
            assert "download.pytorch.org/whl/cu" in text, path


def test_every_family_named_in_the_rules_exists():
    used = {r["family"] for r in described_rules() if r["conda_env"]}
    assert used
    assert {r["env_device"] for r in described_rules() if r["conda_env"]} == {"cpu"}
    assert {r["env_device"] for r in described_rules("device=cuda") if r["conda_env"]} == {"cuda"}
    for family in used:
        for device in ("cpu", "cuda"):
            assert (REPO / "envs" / device / f"{family}.yaml").exists(), (device, family)


# --- each rule's env provides what its code imports -----------------------------------------------------------------
# Import name -> distribution name, where they differ.
DISTRIBUTION = {"sklearn": "scikit-learn", "yaml": "pyyaml"}


def _imports(tree: ast.Module, module_level_only: bool) -> set[str]:
    """Dotted names imported by a module: everything (a script) or only its top-level statements (a library module,
    whose imports inside functions are optional paths, e.g. torch only when a torch model is used)."""
    names = set()

    def visit(node):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif module_level_only and isinstance(node, ast.Try | ast.If | ast.With):
            for child in ast.iter_child_nodes(node):
                visit(child)

    for node in tree.body if module_level_only else ast.walk(tree):
        visit(node)
    return names


def _library_file(dotted: str) -> Path | None:
    path = REPO / "src" / Path(*dotted.split("."))
    if path.with_suffix(".py").exists():
        return path.with_suffix(".py")
    if (path / "__init__.py").exists():
        return path / "__init__.py"
    return None


def third_party_distributions(source: str) -> set[str]:
    """Distributions a script needs, following its `aevq` imports through the library."""
    found, seen, todo = set(), set(), [(source, False)]
    while todo:
        text, module_level_only = todo.pop()
        for name in _imports(ast.parse(text), module_level_only):
            root = name.split(".")[0]
            if root == "aevq":
                parts = name.split(".")
                for i in range(1, len(parts) + 1):
                    path = _library_file(".".join(parts[:i]))
                    if path and path not in seen:
                        seen.add(path)
                        todo.append((path.read_text(), True))
            elif root not in sys.stdlib_module_names and root != "snakemake":  # snakemake provides itself
                found.add(DISTRIBUTION.get(root, root))
    return found


def rule_code():
    """(rule, env family, code) for every rule that runs a script or a notebook, as Snakemake parsed them."""
    for rule in described_rules():
        if not (rule["script"] or rule["notebook"]):
            continue
        assert rule["conda_env"], f"rule {rule['name']} runs code but names no conda env"
        if rule["script"]:
            code = Path(rule["script"]).read_text()
        else:
            cells = json.loads(Path(rule["notebook"]).read_text())["cells"]
            code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        yield rule["name"], rule["family"], code


def test_each_rules_env_provides_every_package_its_code_imports():
    rules = list(rule_code())
    assert len(rules) > 10
    for rule, family, code in rules:
        for device in ("cpu", "cuda"):
            pins = env_pins(REPO / "envs" / device / f"{family}.yaml")
            missing = third_party_distributions(code) - pins.keys()
            assert not missing, f"rule {rule} imports {sorted(missing)}, absent from envs/{device}/{family}.yaml"
