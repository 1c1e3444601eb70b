"""A labelling run over many articles: the job, the pipeline and its side, when to stop, the
run store and cache, prices and plans, the run manifest."""
