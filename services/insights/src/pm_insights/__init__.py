"""Insights: the statistics read model fed by the topics, early warnings and periodic reports."""
