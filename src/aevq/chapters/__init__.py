"""One module per chapter of the lecture: what a chapter measures and the claims it states, callable on small inputs
(the workflow's scripts only read config and files, call these, and write the results)."""
