"""The resources' declarations: their friendly arguments, each written once (the three Kling
resources: ``kieai._spec.ResourceDeclaration``, with their pydantic ``input`` models; the
dedicated families' calls: ``kieai._spec.FamilyDeclaration``). ``scripts/generate_types.py``
writes the resources' methods from them. The Kling media limits are in ``kieai.catalog._rules``
over the catalog; any other model is its catalog entry alone."""
