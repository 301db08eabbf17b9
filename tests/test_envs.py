"""conda envs (for `--sdm conda`) carry exactly the pip pins of pyproject.toml, for CPU and CUDA alike."""

import re
import tomllib

import yaml

from tests.conftest import REPO

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
    used = set()
    for smk in (REPO / "workflow/rules").glob("*.smk"):
        used |= set(re.findall(r'conda_env\("([a-z_]+)"\)', smk.read_text()))
    assert used
    for family in used:
        for device in ("cpu", "cuda"):
            assert (REPO / "envs" / device / f"{family}.yaml").exists(), (device, family)
