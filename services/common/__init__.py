"""Code shared by every Vigil service: topics, settings, broker, dead letters, gazetteer."""
