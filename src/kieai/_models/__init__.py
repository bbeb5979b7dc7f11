"""One module per model family: each holds the family's pydantic ``input`` models and one
`ModelSpec` per model id, with the limits Kie documents and the page each
comes from. Adding a model is adding a spec here (see docs/adding-a-model.md)."""
