"""One small module per model, scikit-learn style: fit, encode (recognition), decode (generation), sample."""
