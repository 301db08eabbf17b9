# Ch. 3.5: why an AutoEncoder is not a generative model (VAE, beta-VAE, VQ-VAE) (issue 8): rules, notebook and report section.
