# Ch. 3.3: uncorrelated is not independent (circle, Swiss roll, Isomap) (issue 6): rules, notebook and report section.
