"""aevq.pipeline: what the workflow derives from its declarations, tested without building a DAG."""

import json
from pathlib import Path

import pytest
import yaml

from aevq import pipeline

REPO = Path(__file__).resolve().parents[1]


def test_training_threads_are_a_quarter_of_the_cores_within_one_and_the_cap():
    assert [pipeline.training_threads(c, 4) for c in (1, 2, 4, 8, 16, 64)] == [1, 1, 1, 2, 4, 4]
    assert pipeline.training_threads(None, 3) == 3  # a dry run without --cores


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_library_of_follows_imports_transitively_with_package_inits(tmp_path, monkeypatch):
    src = tmp_path / "src/aevq"
    _write(src / "__init__.py", "")
    _write(src / "models/__init__.py", "")
    _write(src / "models/a.py", "from aevq import util\nimport numpy\n")
    _write(src / "util.py", "import aevq.deep.leaf as leaf\n")
    _write(src / "deep/__init__.py", "")
    _write(src / "deep/leaf.py", "x = 1\n")
    _write(src / "unused.py", "")
    _write(tmp_path / "workflow/scripts/job.py", "from aevq.models.a import something\n")
    nb = {"cells": [{"cell_type": "code", "source": ["%matplotlib inline\n", "from aevq.deep import leaf\n"]}]}
    _write(tmp_path / "notebooks/n.ipynb", json.dumps(nb))
    monkeypatch.chdir(tmp_path)
    assert pipeline.library_of("job.py", str(tmp_path)) == [
        "src/aevq/__init__.py",
        "src/aevq/deep/__init__.py",
        "src/aevq/deep/leaf.py",
        "src/aevq/models/__init__.py",
        "src/aevq/models/a.py",
        "src/aevq/util.py",
    ]
    assert pipeline.library_of("n.ipynb", str(tmp_path)) == [
        "src/aevq/__init__.py",
        "src/aevq/deep/__init__.py",
        "src/aevq/deep/leaf.py",
    ]


def test_library_of_a_real_script_holds_what_it_runs_and_not_other_chapters(monkeypatch):
    monkeypatch.chdir(REPO)
    modules = pipeline.library_of("limits_train.py", str(REPO))
    assert "src/aevq/models/vae.py" in modules and "src/aevq/chapters/limits.py" in modules
    assert not any("helmholtz" in m or "ppca" in m for m in modules), modules


def test_the_judge_does_not_run_the_models_it_judges(monkeypatch):
    """The CNN judge is a measuring instrument: an edit to the VAE or VQ-VAE must not retrain it (its MLP builder is
    aevq.models.mlp), while the limits models and their evaluation do run the VAE."""
    monkeypatch.chdir(REPO)
    judge = pipeline.library_of("limits_classifier.py", str(REPO))
    assert "src/aevq/models/classifier.py" in judge and "src/aevq/models/mlp.py" in judge
    assert not any(m.endswith(("/vae.py", "/vqvae.py", "/limits.py")) for m in judge), judge
    for script in ("limits_train.py", "limits_evaluate.py"):
        assert "src/aevq/models/vae.py" in pipeline.library_of(script, str(REPO)), script


def test_rule_seeds_are_the_base_plus_one_offset_and_variants_differ():
    assert pipeline.rule_seed("ppca_fit", 1000) == 1040
    a, b = (pipeline.rule_seed("limits_train", 0, v) for v in ("ae_d2", "vae_d2"))
    assert a != b and a == pipeline.rule_seed("limits_train", 0, "ae_d2")  # stable across calls and processes
    assert 810 <= a < 810 + 10_000
    with pytest.raises(KeyError, match="add one to SEED_OFFSETS"):
        pipeline.rule_seed("no_such_rule", 0)
    assert len(set(pipeline.SEED_OFFSETS.values())) == len(pipeline.SEED_OFFSETS)


def test_pick_names_exactly_the_keys_a_script_uses():
    section = dict(a=1, b=[2], c=3)
    assert pipeline.pick(section, "a", "b") == dict(a=1, b=[2])
    with pytest.raises(KeyError):
        pipeline.pick(section, "d")


def test_equal_params_in_any_key_order_have_one_repr():
    """Snakemake compares params by repr: equal values merged in another order must print the same."""
    a = {"train": {"epochs": 8, "batch_size": 100, "lr": 0.003}, "sizes": [32, {"b": 1, "a": 2}], "seed": 1}
    b = {"seed": 1, "sizes": [32, {"a": 2, "b": 1}], "train": {"lr": 0.003, "epochs": 8, "batch_size": 100}}
    assert repr(a) != repr(b) and a == b
    assert repr(pipeline.canonical_params(a)) == repr(pipeline.canonical_params(b))
    assert pipeline.canonical_params(a) == a  # the same values; lists keep their order
    assert list(pipeline.canonical(a)["train"]) == ["batch_size", "epochs", "lr"]
    assert repr(pipeline.pick(a, "train", "seed")) == repr(pipeline.pick(b, "seed", "train"))


def test_notebook_products_are_the_saved_names_in_order(tmp_path):
    code = [
        'save_figure(fig, fig_dir / "ch_second.png")\n',
        'df.to_csv(Path(table_dir) / "ch_table.csv", index=False)\n',
        "save_figure(fig, out / 'ch_first.png')  # drawn again below: listed once\n",
        'save_figure(fig, fig_dir / "ch_second.png")\n',
    ]
    nb = {"cells": [{"cell_type": "markdown", "source": ['"not_code.png"']}, {"cell_type": "code", "source": code}]}
    (tmp_path / "n.ipynb").write_text(json.dumps(nb))
    assert pipeline.notebook_products(tmp_path / "n.ipynb") == (["ch_second", "ch_first"], ["ch_table"])


def test_every_notebook_draws_only_its_chapter_and_every_product_has_a_caption():
    captions = {p.stem for p in (REPO / "workflow/report").glob("*.rst")}
    drawn = set()
    for nb in sorted((REPO / "notebooks").glob("0*.ipynb")):
        figures, tables = pipeline.notebook_products(nb)
        key = nb.stem.split("_", 1)[1]
        assert figures and all(name.startswith(key + "_") for name in figures + tables), (nb, figures, tables)
        assert not set(figures + tables) - captions, f"{nb.name}: no caption for {set(figures + tables) - captions}"
        drawn |= set(figures + tables)
    assert captions == drawn, f"captions that no notebook draws: {captions - drawn}"


def test_papermill_arguments_quote_paths_and_skip_the_notebook():
    args = pipeline.papermill_arguments(
        [("notebook", "nb.ipynb"), ("library", ["a.py"]), ("metrics", "results/my file.json")]
    )
    assert args == "-p metrics 'results/my file.json' -p figure_dir results/figures -p table_dir results/tables"
    assert pipeline.figure_parameters(n_scatter=5, label="a b") == "-p label 'a b' -p n_scatter 5"


def test_every_chapter_file_has_a_title_a_lecture_and_an_intro():
    for path in sorted((REPO / "workflow/report/sections").glob("*.rst")):
        values = dict(net="32-16-n", first=16, tops="1 or 2", budget=10, seeds=3)
        section = pipeline.read_section(path, values)
        assert section["title"][0].isdigit() and section["lecture"] and len(section["intro"]) > 100, path
        assert not any("{" + name + "}" in section["intro"] for name in values), path


def test_read_section_parses_the_header_and_fills_values(tmp_path):
    path = tmp_path / "x.rst"
    path.write_text(
        "9. A title: its subtitle\n=======================\n\n:lecture: the lecture,\n    continued\n\n"
        "First {n}\nparagraph, :math:`\\mathbf{x}`.\n\n.. math::\n\n   x^{2}\n"
    )
    assert pipeline.read_section(path, dict(n=3)) == dict(
        title="9. A title: its subtitle",
        lecture="the lecture, continued",
        intro="First 3\nparagraph, :math:`\\mathbf{x}`.\n\n.. math::\n\n   x^{2}",
    )
    assert pipeline.report_category("9. A title: its subtitle") == "9. A title"
    path.write_text("No underline\n\ntext\n")
    with pytest.raises(ValueError, match="underlined"):
        pipeline.read_section(path)


def test_provenance_config_drops_where_the_bytes_came_from_and_leaves_the_config_alone():
    cfg = dict(seed=1, data=dict(mnist=dict(source="package", mirrors=["x"], retries=3, timeout_s=5, sha256="ab")))
    shown = pipeline.provenance_config(cfg)
    assert shown == dict(seed=1, data=dict(mnist=dict(sha256="ab")))
    assert cfg["data"]["mnist"]["source"] == "package"


@pytest.mark.parametrize(
    ("argv", "environ", "quick"),
    [
        (["--profile", "workflow/profiles/quick"], {}, True),
        (["--profile=workflow/profiles/quick/"], {}, True),
        (["--workflow-profile", "workflow/profiles/slurm"], {}, False),
        ([], {"SNAKEMAKE_PROFILE": "workflow/profiles/quick"}, True),
        (["--cores", "2"], {}, False),
        (["--profile"], {}, False),
    ],
)
def test_the_quick_profile_is_recognised_by_its_name(argv, environ, quick):
    assert pipeline.quick_profile_on_command_line(argv, environ) is quick


def test_the_pythonpath_puts_the_checkout_first_once():
    assert pipeline.pythonpath_with("/r/src", "") == "/r/src"
    assert pipeline.pythonpath_with("/r/src", "/a:/r/src:/b") == "/r/src:/a:/b"


def _full_config():
    return yaml.safe_load((REPO / "config/config.yaml").read_text())


def test_the_full_config_is_valid_and_errors_name_the_key_its_layer_and_the_fix(tmp_path):
    schema = REPO / "workflow/schemas/config.schema.yaml"
    assert pipeline.config_errors(_full_config(), schema) == []
    cfg = _full_config()
    cfg["typo_key"] = 1
    cfg["seed"] = "seven"
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("typo_key: 1\n")

    def origin(path):
        return pipeline.config_origin(path, {"seed": "seven"}, [str(overlay)], [str(REPO / "config/config.yaml")])

    errors = pipeline.config_errors(cfg, schema, origin)
    assert any(e.startswith("config key 'seed' (from --config on the command line)") for e in errors), errors
    unknown = [e for e in errors if "typo_key" in e]
    assert unknown and f"--configfile {overlay}" in unknown[0] and "allowed at the top level: " in unknown[0]
    assert "config/config.yaml" in origin(("data",))
    assert origin(("nowhere",)) == "the merged config"


def test_config_errors_stop_at_five_and_say_how_many_more():
    cfg = _full_config()
    for i in range(8):
        cfg[f"typo_{i}"] = i
    # one additionalProperties error lists every unknown key of its object; distinct objects give distinct errors
    for section in ("ppca", "linear_ae", "manifolds", "deep_ae", "helmholtz", "limits", "data"):
        cfg[section]["typo"] = 1
    errors = pipeline.config_errors(cfg, REPO / "workflow/schemas/config.schema.yaml")
    assert errors[-1].startswith("... and ") and errors[-1].endswith(" more")


def test_a_product_depends_on_the_inputs_its_notebook_code_reads(tmp_path):
    import json as _json

    cells = [
        'metrics = "m.json"\narrays = "a.npz"\nfigure_dir = "f"',
        "import numpy as np\nM = read(metrics)\nA = dict(np.load(arrays))",
        'rows = [M["x"]]\nsave(rows, figure_dir, "t_rows.png")',
        'grid = A["g"]\nsave(grid, figure_dir, "t_grid.png")',
        'both = (M, A)\nsave(both, figure_dir, "t_both.csv")',
    ]
    nb = tmp_path / "n.ipynb"
    nb.write_text(_json.dumps({"cells": [{"cell_type": "code", "source": c} for c in cells]}))
    assert pipeline.notebook_product_inputs(nb, ["metrics", "arrays"]) == {
        "t_rows": ["metrics"],
        "t_grid": ["arrays"],
        "t_both": ["arrays", "metrics"],
    }


def test_artefacts_are_traced_to_their_rule_script_and_library():
    producers = {
        "results/metrics/a.json": dict(rule="a", script="workflow/scripts/a.py", library=["src/aevq/a.py"]),
        "results/metrics/run_{name}.json": dict(rule="runs", script="workflow/scripts/r.py", library=[]),
    }
    assert pipeline.produced_by("results/metrics/a.json", producers)["rule"] == "a"
    assert pipeline.produced_by("results/metrics/run_x1.json", producers)["rule"] == "runs"
    assert pipeline.produced_by("results/metrics/other.json", producers) is None


def test_limits_training_is_the_section_with_its_sizes_changes_canonical():
    config = {
        "precision": "auto",
        "limits": {
            "train": {"lr": 0.0015, "epochs": 30, "batch_size": 250},
            "train_at_dim": {"d2": {"precision": "fp32", "lr": 0.001, "batch_size": 100}},
        },
    }
    d2, d20 = pipeline.limits_training(config, "2"), pipeline.limits_training(config, 20)
    assert d2 == {"batch_size": 100, "epochs": 30, "lr": 0.001, "precision": "fp32"}
    assert d20 == {"batch_size": 250, "epochs": 30, "lr": 0.0015, "precision": "auto"}
    assert list(d2) == sorted(d2) and list(d20) == sorted(d20)
