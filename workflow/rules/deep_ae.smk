# Ch. 3.3: deep AutoEncoder with RBM pretraining (issue 5): rules, notebook and report section.
