# Ch. 3.2: Probabilistic PCA (issue 4): rules, notebook and report section.
