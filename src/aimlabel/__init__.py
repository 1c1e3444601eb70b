"""aimlabel: draft OECD AI Incidents and Hazards Monitor labels for news articles."""

__version__ = "0.1.0"
