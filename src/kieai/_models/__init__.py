"""The three resources' specs (their friendly argument names) and their pydantic ``input``
models. Their media limits are in ``kieai.catalog._rules`` over the catalog; any other model is
its catalog entry alone."""
