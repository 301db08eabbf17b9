# Ch. 3.4: the Helmholtz machine (issue 7): rules, notebook and report section.
