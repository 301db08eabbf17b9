"""aevq: the library behind the autoencoder-history pipeline.

Sub-modules: ``data`` (MNIST and the seeded synthetic sets), ``models`` (one small module per model, in
scikit-learn style with the lecture's ``encode``/``decode``/``sample``), ``claims`` (the report's claims table),
``runtime`` (seeds, devices, logging, NaN guards), ``plotting`` and ``report``.
"""

__version__ = "0.1.0"
