"""Input and output at the edges: reading and validating input files, the embedded store,
and the demo generator. Nothing here computes an appraisal or an effect, and nothing in
those families imports this package; only the report layer, the pipeline and the command
line join them. Import from the modules themselves.
"""
