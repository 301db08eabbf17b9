# Ch. 2 + 3.1: the AutoEncoder's components and Linear AE = PCA (issue 3): rules, notebook and report section.
