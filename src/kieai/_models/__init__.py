"""The three resources' declarations (their friendly arguments, each written once: see
``kieai._spec.ResourceDeclaration``) and their pydantic ``input`` models. Their media limits are
in ``kieai.catalog._rules`` over the catalog; any other model is its catalog entry alone."""
