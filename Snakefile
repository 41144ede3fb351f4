import os

# serflow: speech emotion recognition benchmarks as a Snakemake workflow.
# Run `snakemake --cores 2 --configfile config/demo.yaml` for the demo; see README.md.


# The defaults, found next to this Snakefile so that `snakemake -s path/to/Snakefile` works from
# any working directory; `--configfile` files are loaded on top of them.
configfile: os.path.join(workflow.basedir, "config", "config.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/corpus.smk"
include: "workflow/rules/features.smk"
include: "workflow/rules/byols.smk"
include: "workflow/rules/ssl.smk"
include: "workflow/rules/classification.smk"
include: "workflow/rules/results.smk"


rule all:
    default_target: True
    input:
        final_outputs(),
