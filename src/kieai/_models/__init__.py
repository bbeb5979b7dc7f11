"""The three resources' specs (their friendly argument names and limits, no pydantic) and, in
modules of their own, their pydantic ``input`` models. Their media limits are in
``kieai.catalog._rules``; any other model is its catalog entry alone."""
