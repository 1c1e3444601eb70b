"""The data every stage shares: articles, label records and the one labels reader, the taxonomy
and the response schema built from it, the prompt, content hashes. Imports nothing else of aimlabel."""
