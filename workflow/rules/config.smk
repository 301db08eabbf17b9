# The config, in layers: config/config.yaml (the full profile), then config/quick.yaml when the quick profile is asked
# for, then the command line's --configfile and --config. Then one check against the JSON schema, whose errors name
# the key, where it came from and what is allowed, in a few lines (aevq.pipeline.config_errors).
import os
import sys

from snakemake.exceptions import WorkflowError

# The Snakemake process reads the workflow's helpers from this checkout's src/, installed or not (--sdm conda).
SRC_DIR = os.path.join(workflow.basedir, "src")
sys.path.insert(0, SRC_DIR)
from aevq import pipeline

if config.get("profile") == "quick" or (
    pipeline.quick_profile_on_command_line(sys.argv[1:], os.environ)
    and "profile" not in workflow.config_settings.overwrite_config
):

    # re-applies the command line's --configfile/--config on top, so an overlay overrides the quick values
    configfile: os.path.join(workflow.basedir, "config/quick.yaml")


CONFIG_ERRORS = pipeline.config_errors(
    config,
    os.path.join(workflow.basedir, "workflow/schemas/config.schema.yaml"),
    origin=lambda path: pipeline.config_origin(
        path,
        workflow.config_settings.config,
        workflow.config_settings.configfiles,
        workflow.configfiles,
    ),
)
if CONFIG_ERRORS:
    raise WorkflowError(
        "invalid configuration (checked against workflow/schemas/config.schema.yaml):\n  "
        + "\n  ".join(CONFIG_ERRORS)
    )
