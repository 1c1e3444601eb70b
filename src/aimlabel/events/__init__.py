"""Events: from article labels to AIM event records and event pages (docs/events.md).

`build` arranges what the rule check decides about each event (class, outliers) into a record
(`record`), with the taxonomy merged from the articles (`merge`); `prompt` and `write` are the
one model call per event that writes its title, summary and rationale; `group` puts articles
without an event_id into events; `html` renders the pages; `run` ties them together for the
`aimlabel events` command.
"""
