"""Plot helpers shared by the notebooks: one style, a PNG for the report plus a vector PDF copy."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

STYLE = {
    "figure.dpi": 110,
    "savefig.dpi": 130,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
    "axes.titlesize": 11,
    # fixed metadata keeps the PDF bytes stable between rebuilds
    "pdf.compression": 6,
}


def use_style() -> None:
    plt.rcParams.update(STYLE)


def save_figure(fig, png_path: str | Path) -> tuple[Path, Path]:
    """Save ``fig`` as the given PNG and as a PDF beside it; both without timestamps, so reruns are comparable."""
    png = Path(png_path)
    png.parent.mkdir(parents=True, exist_ok=True)
    pdf = png.with_suffix(".pdf")
    fig.savefig(png, bbox_inches="tight", metadata={"Software": None})
    fig.savefig(pdf, bbox_inches="tight", metadata={"CreationDate": None, "ModDate": None, "Producer": None})
    plt.close(fig)
    return png, pdf


def image_grid(images: np.ndarray, nrows: int, ncols: int, *, side: int = 28, pad: int = 1) -> np.ndarray:
    """Tile ``nrows*ncols`` flattened square images into one 2-D array (zero padding: white once inverted)."""
    images = np.asarray(images, dtype=float).reshape(-1, side, side)
    grid = np.zeros((nrows * (side + pad) + pad, ncols * (side + pad) + pad))
    for k, img in enumerate(images[: nrows * ncols]):
        r, c = divmod(k, ncols)
        y, x = pad + r * (side + pad), pad + c * (side + pad)
        grid[y : y + side, x : x + side] = img
    return grid


def show_grid(ax, images: np.ndarray, nrows: int, ncols: int, *, side: int = 28, title: str | None = None) -> None:
    """Draw dark digits on white, as printed in the papers (pixel 1 = ink)."""
    ax.imshow(1.0 - np.clip(image_grid(images, nrows, ncols, side=side), 0, 1), cmap="gray", vmin=0, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title)
