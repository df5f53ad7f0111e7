"""The supplier pages' forms: what people type, read once into the typed values the services take."""
