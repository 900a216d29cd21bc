"""A study: the pipeline, its stages and their registry, reports and manifests."""
