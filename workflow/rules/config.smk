# The config, in layers: config/config.yaml (the full profile), then config/quick.yaml when the quick profile is asked
# for, then the command line's --configfile and --config. Then one check against the JSON schema, whose errors name
# the key, where it came from and what is allowed, in a few lines.
import sys

import jsonschema
import yaml
from snakemake.exceptions import WorkflowError


def quick_profile_on_command_line(argv=None):
    """True when the command line names the quick profile (--profile workflow/profiles/quick, --profile=..., or
    SNAKEMAKE_PROFILE). The profile sets `config: profile=quick`, but a --config on the command line replaces a
    profile's whole `config:` list, so the profile's own name is the reliable sign."""
    argv = sys.argv[1:] if argv is None else argv
    names = [os.environ.get("SNAKEMAKE_PROFILE", "")]
    for i, arg in enumerate(argv):
        if arg in ("--profile", "--workflow-profile") and i + 1 < len(argv):
            names.append(argv[i + 1])
        elif arg.startswith(("--profile=", "--workflow-profile=")):
            names.append(arg.split("=", 1)[1])
    return any(os.path.basename(os.path.normpath(n)) == "quick" for n in names if n)


QUICK_OVERLAY = os.path.join(workflow.basedir, "config/quick.yaml")
if config.get("profile") == "quick" or (
    quick_profile_on_command_line()
    and "profile" not in workflow.config_settings.overwrite_config
):

    # re-applies the command line's --configfile/--config on top, so an overlay overrides the quick values
    configfile: QUICK_OVERLAY


def config_origin(path):
    """Which layer set the key at ``path`` (a tuple of keys): the command line, or which config file."""

    def has(doc, keys):
        for k in keys:
            if not isinstance(doc, dict) or k not in doc:
                return False
            doc = doc[k]
        return True

    if has(dict(workflow.config_settings.config), path):
        return "--config on the command line"
    for f in reversed(list(workflow.config_settings.configfiles)):
        if has(yaml.safe_load(open(f)) or {}, path):
            return f"--configfile {f}"
    for f in reversed(workflow.configfiles):
        if has(yaml.safe_load(open(f)) or {}, path):
            return os.path.relpath(f)
    return "the merged config"


def check_config(cfg, schema_path):
    """Validate against the schema; on failure raise one short message per problem (at most 5)."""
    schema = yaml.safe_load(open(schema_path))
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(
        validator.iter_errors(cfg), key=lambda e: [str(p) for p in e.absolute_path]
    )
    if not errors:
        return
    lines = []
    for err in errors[:5]:
        path = tuple(err.absolute_path)
        where = ".".join(map(str, path)) or "the top level"
        if err.validator == "additionalProperties":
            allowed = sorted(err.schema.get("properties", {}))
            for key in sorted(set(err.instance) - set(allowed)):
                lines.append(
                    f"unknown config key {'.'.join(map(str, path + (key,)))!r} (from {config_origin(path + (key,))});"
                    f" allowed at {where}: {', '.join(allowed)}"
                )
        else:
            message = (
                err.message if len(err.message) < 300 else err.message[:300] + " ..."
            )
            lines.append(
                f"config key {where!r} (from {config_origin(path)}): {message}"
            )
    more = f"\n  ... and {len(errors) - 5} more" if len(errors) > 5 else ""
    raise WorkflowError(
        "invalid configuration (checked against workflow/schemas/config.schema.yaml):\n  "
        + "\n  ".join(lines)
        + more
    )


check_config(
    config, os.path.join(workflow.basedir, "workflow/schemas/config.schema.yaml")
)
