"""Shared code of the complaint platform: settings, logging, events, Kafka, Mongo, auth, calendar."""
