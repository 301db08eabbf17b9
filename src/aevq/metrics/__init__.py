"""What the chapters measure: linear algebra of the linear AE and PCA, manifold embeddings, the sample judge, speed."""
