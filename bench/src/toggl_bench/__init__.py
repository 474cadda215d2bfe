"""`make bench`: the project's speed and memory, measured side by side with references."""
