"""The model layer: settings and answers (`base`), error types (`errors`), and the one adapter
that imports a vendor SDK (`openai`), opened lazily through `factory.open_adapter`."""
