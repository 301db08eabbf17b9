"""The lecture's closing summary table, filled with what every chapter measured (their ``"summary_rows"``).

The five lecture rows are copied verbatim from the lecture's table (model, latent, how trained, key result / limit);
``tests/test_limits.py`` checks them against the lecture text when it is available. Each chapter's metrics JSON may
carry ``summary_rows``: ``{"model", "latent", "how_trained", "key_result"}``; a row is attached to the lecture row
whose keywords its model name contains, and rows that match none are appended. A lecture row that no chapter
measured says so instead of inventing a number.
"""

from __future__ import annotations

NOT_MEASURED = "not measured in this run"

LECTURE_SUMMARY: list[dict[str, str]] = [
    {
        "model": "Linear AE",
        "latent": "point",
        "how_trained": "closed form (PCA)",
        "key_result": "global opt = PCA subspace; no spurious minima",
    },
    {
        "model": "PPCA",
        "latent": "Gaussian posterior",
        "how_trained": "closed form / EM",
        "key_result": "encoder derived by Bayes; ML = PCA",
    },
    {
        "model": "Nonlinear AE",
        "latent": "point",
        "how_trained": "pretrain + fine-tune",
        "key_result": "beats PCA; still deterministic (not generative)",
    },
    {
        "model": "Helmholtz",
        "latent": "binary stochastic",
        "how_trained": "wake-sleep / free energy",
        "key_result": "ELBO appears; but no single joint objective",
    },
    {
        "model": "(VAE)",
        "latent": "Gaussian sample",
        "how_trained": "single ELBO",
        "key_result": "generative; Part 2",
    },
]


def _matches(lecture_model: str, model: str) -> bool:
    m = model.lower()
    if lecture_model == "Linear AE":
        return "linear" in m and "nonlinear" not in m
    if lecture_model == "PPCA":
        return "ppca" in m or "probabilistic pca" in m
    if lecture_model == "Nonlinear AE":
        return ("nonlinear" in m or "deep" in m) and "vae" not in m
    if lecture_model == "Helmholtz":
        return "helmholtz" in m or "wake" in m
    if lecture_model == "(VAE)":
        return "vae" in m and "vq" not in m
    return False


def fill_summary(docs: dict[str, dict]) -> list[dict[str, str]]:
    """One output row per lecture row (with every matching measured row joined), then unmatched measured rows.

    ``docs`` maps a metrics-file name to its parsed JSON; documents without ``summary_rows`` contribute nothing.
    """
    measured = [
        (name, row)
        for name, doc in docs.items()
        for row in (doc.get("summary_rows") or [])
        if isinstance(row, dict) and row.get("model")
    ]
    used: set[int] = set()
    out = []
    for lec in LECTURE_SUMMARY:
        hits = [(i, name, row) for i, (name, row) in enumerate(measured) if _matches(lec["model"], str(row["model"]))]
        used.update(i for i, _, _ in hits)
        out.append(
            {
                "model (lecture)": lec["model"],
                "latent": lec["latent"],
                "how trained": lec["how_trained"],
                "key result / limit (lecture)": lec["key_result"],
                "measured in this run": "; ".join(f"{row['model']}: {row.get('key_result', '')}" for _, _, row in hits)
                or NOT_MEASURED,
                "from": ", ".join(sorted({name for _, name, _ in hits})) or "",
            }
        )
    for i, (name, row) in enumerate(measured):
        if i not in used:
            out.append(
                {
                    "model (lecture)": f"{row['model']} (beyond the lecture's table)",
                    "latent": str(row.get("latent", "")),
                    "how trained": str(row.get("how_trained", "")),
                    "key result / limit (lecture)": "",
                    "measured in this run": str(row.get("key_result", "")),
                    "from": name,
                }
            )
    return out
